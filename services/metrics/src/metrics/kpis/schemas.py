import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from metrics.kpis.figures import Variant


class FigureOut(BaseModel):
    value: str | None
    numerator: int | Decimal = Field(
        description="An integer count or seconds; for quality_score the sum of the scores, "
        "a decimal string"
    )
    denominator: int


class ServiceLevelOut(FigureOut):
    threshold_seconds: int
    strict: bool
    variant: Variant
    short_abandon_seconds: int
    include_flow_outs: bool


class Counts(BaseModel):
    contacts: int
    offered: int
    answered: int
    abandoned: int
    short_abandons: int
    flow_outs: int
    handled: int


class KpiBucket(BaseModel):
    start: datetime
    group: str | None
    counts: Counts
    metrics: dict[str, FigureOut]
    service_level: list[ServiceLevelOut]


class KpiReport(BaseModel):
    contract_id: uuid.UUID | None
    client_id: uuid.UUID | None
    queues: list[str]
    channels: list[str]
    direction: str
    time_zone: str
    start: datetime
    end: datetime
    granularity: str
    group_by: Literal["queue", "channel", "agent"] | None
    computed_from: Literal["rollups", "raw_records"]
    buckets: list[KpiBucket]
