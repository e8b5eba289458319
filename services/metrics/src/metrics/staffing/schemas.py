import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
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


class QueueModel(StrEnum):
    erlang_c = "erlang_c"
    erlang_a = "erlang_a"


class PatienceSource(BaseModel):
    """Where to estimate callers' patience from: a contract's own contacts over a span."""

    model_config = ConfigDict(extra="forbid")

    contract_id: uuid.UUID
    from_: AwareDateTime = Field(alias="from")
    to: AwareDateTime


ERLANG_A_EXAMPLE: Any = {
    **STAFFING_EXAMPLE,
    "model": "erlang_a",
    "patience_from": {
        "contract_id": "01938a52-0000-7000-8000-000000000001",
        "from": "2026-09-01T00:00:00-03:00",
        "to": "2026-10-01T00:00:00-03:00",
    },
}


class StaffingRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [STAFFING_EXAMPLE, ERLANG_A_EXAMPLE]}
    )

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
    model: QueueModel = Field(
        QueueModel.erlang_c,
        description="`erlang_c`: every caller waits as long as it takes. `erlang_a`: callers "
        "hang up after an exponentially distributed patience (M/M/N+M), which sheds load: "
        "give `patience_seconds`, or `patience_from` to estimate it from a contract's contacts",
    )
    patience_seconds: JsonNumber | None = Field(
        None, gt=0, le=86_400, description="erlang_a: callers' mean patience, in seconds"
    )
    patience_from: PatienceSource | None = Field(
        None,
        description="erlang_a: estimate the mean patience from this contract's contacts in "
        "the span (total time callers waited, answered or not, over the abandoned contacts)",
    )


class PatienceEstimate(BaseModel):
    contract_id: uuid.UUID
    start: datetime
    end: datetime
    abandoned: int = Field(description="Contacts abandoned in the span")
    waited_seconds: int = Field(description="Seconds every contact waited, answered or not")
    patience_seconds: float = Field(description="waited_seconds / abandoned")


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
    abandonment: float | None = Field(
        None, description="erlang_a: abandoned over offered with these agents"
    )
    erlang_c_agents: int | None = Field(
        None, description="erlang_a: what Erlang C would staff, for comparison"
    )


class StaffingResponse(BaseModel):
    model: QueueModel = QueueModel.erlang_c
    patience_seconds: float | None = None
    patience_estimate: PatienceEstimate | None = None
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
