-- Run once by the postgres container on first start: one database per service.
CREATE DATABASE contrato_contracts;
CREATE DATABASE contrato_metrics;
CREATE DATABASE contrato_billing;
CREATE DATABASE contrato_gateway;
