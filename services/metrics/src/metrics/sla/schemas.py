import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.pagination import Page
from shared.periods import CalendarMonth


class SlaReportRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "contract_id": "01938a52-0000-7000-8000-000000000001",
                    "period": "2026-10",
                    "recompute": False,
                }
            ]
        },
    )

    contract_id: uuid.UUID
    period: CalendarMonth
    recompute: bool = False


class SlaReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    contract_id: uuid.UUID
    client_id: uuid.UUID | None
    period: str
    period_start: date
    period_end: date
    time_zone: str
    revision: int
    contract_version: int
    results: list[dict[str, Any]] = Field(
        description="Per service level: key, metric, target, direction, measured, numerator, "
        "denominator, status (met|missed|no_data), margin, pool_share, critical, windows, misses"
    )
    created_at: datetime


SlaReportPage = Page[SlaReportRead]
