"""The declarative base of the gateway service: its own metadata, its own migrations."""

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata
from shared.idempotency import Idempotency, idempotency_table


class Base(DeclarativeBase):
    metadata = new_metadata()


idempotency = Idempotency(idempotency_table(Base.metadata))
