import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from shared.types import AwareDateTime, Fraction, IsoDate, JsonInt, JsonNumber


class ForecastInterval(BaseModel):
    start: AwareDateTime | None = None
    volume: JsonNumber = Field(ge=0, le=10_000_000, description="Contacts forecast in the interval")
    aht_seconds: JsonNumber = Field(gt=0, le=86_400)
    planned_agents: JsonInt | None = Field(
        None, ge=0, description="Agents the plan puts on this interval (feasibility only)"
    )


STAFFING_EXAMPLE: Any = {
    "interval_minutes": 30,
    "target_service_level": "0.80",
    "threshold_seconds": 20,
    "max_occupancy": "0.85",
    "shrinkage": "0.30",
    "intervals": [{"start": "2026-10-01T09:00:00-03:00", "volume": 100, "aht_seconds": 180}],
}


class StaffingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [STAFFING_EXAMPLE]})

    interval_minutes: JsonInt = Field(30, ge=1, le=1440)
    target_service_level: Annotated[Fraction, Field(gt=0, lt=1)] = Field(
        description="Share of contacts answered within the threshold: a fraction from 0 to 1 "
        "(0.8 = 80 %)"
    )
    threshold_seconds: JsonInt = Field(ge=0, le=86_400)
    max_occupancy: Annotated[Fraction, Field(gt=0)] | None = Field(
        None, description="A fraction from 0 to 1 (0.85 = 85 %)"
    )
    shrinkage: Annotated[Fraction, Field(lt=1)] = Field(
        Decimal(0), description="Share of paid time agents are away: a fraction (0.3 = 30 %)"
    )
    intervals: list[ForecastInterval] = Field(min_length=1, max_length=2_000)


class IntervalStaffing(BaseModel):
    start: datetime | None
    volume: float
    aht_seconds: float
    traffic_erlangs: float
    agents: int
    scheduled_staff: int
    service_level: float
    probability_of_waiting: float
    asa_seconds: float | None
    occupancy: float


class StaffingResponse(BaseModel):
    intervals: list[IntervalStaffing]
    peak_agents: int
    peak_scheduled_staff: int
    agent_hours: float
    scheduled_hours: float


FEASIBILITY_EXAMPLE: Any = {
    "contract_id": "01938a52-0000-7000-8000-000000000001",
    "on": "2026-10-01",
    "interval_minutes": 30,
    "intervals": [
        {"start": "2026-10-01T09:00:00-03:00", "volume": 100, "aht_seconds": 180,
         "planned_agents": 14}
    ],
}  # fmt: skip


class FeasibilityRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [FEASIBILITY_EXAMPLE]})

    contract_id: uuid.UUID
    on: IsoDate = Field(description="Date whose contract version applies")
    interval_minutes: JsonInt = Field(30, ge=1, le=1440)
    intervals: list[ForecastInterval] = Field(min_length=1, max_length=2_000)


class LevelFeasibility(BaseModel):
    key: str
    metric: str
    target: str
    direction: str
    assessable: bool
    expected: float | None = Field(
        description="Volume-weighted expectation over the forecast with the planned agents"
    )
    feasible: bool | None
    intervals_short: int = Field(
        description="Intervals where the plan has fewer agents than needed"
    )
    agents_short: int = Field(description="Sum over intervals of the agents missing")
    note: str | None = None


class FeasibilityResponse(BaseModel):
    contract_id: uuid.UUID
    contract_version: int
    feasible: bool | None
    levels: list[LevelFeasibility]
