"""Ingestion of contact records: decode and validate a pushed batch, resolve each record's
contract, keep the latest version per key and store it set-based (COPY into a staging table,
then one statement), in the request's one transaction; the rollups follow (``metrics.rollups``).
"""
