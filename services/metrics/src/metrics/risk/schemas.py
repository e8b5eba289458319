import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field


class RiskStatus(StrEnum):
    secured = "secured"  # met whatever the rest of the period brings
    on_track = "on_track"  # projected to be met with probability >= 0.8
    at_risk = "at_risk"  # reachable, but met with probability < 0.8
    lost = "lost"  # missed whatever the rest brings (or a window already missed)
    not_projected = "not_projected"  # occupancy (agent activity) and levels with no data


class MonthToDate(BaseModel):
    value: Decimal | None
    numerator: int
    denominator: int


class ForecastSummary(BaseModel):
    expected_denominator: float = Field(
        description="The level's denominator expected in the rest of the period"
    )
    low: float = Field(description="90 % band, low")
    high: float = Field(description="90 % band, high")
    expected_rate: float | None = Field(
        description="Numerator per denominator unit the rest is expected to bring: its "
        "quarter hours as they performed in the history; null without history"
    )


class IntervalStaffing(BaseModel):
    start: datetime
    expected_contacts: float
    erlang_c_agents: int
    erlang_a_agents: int


class RecoveryStaffing(BaseModel):
    target_service_level: Decimal = Field(
        description="What every remaining quarter hour must reach: the rest's required value"
    )
    threshold_seconds: int
    aht_seconds: float = Field(description="From the history: handle time over answered")
    patience_seconds: float = Field(
        description="From the history: time every contact waited over the abandoned ones"
    )
    intervals: list[IntervalStaffing]


class RecoveryRead(BaseModel):
    window_start: date
    window_end: date
    outlook: str = Field(description="secured, reachable or unreachable")
    needed: int | None = Field(
        description="at_least: the fewest further numerator units (answers within the "
        "threshold, resolutions, score points …) that meet the target; at_most: the most the "
        "rest may add (abandons, seconds of waiting …). Null when secured or unreachable"
    )
    expected_rest: int = Field(description="The rest's denominator this is computed for")
    rest_must_reach: Decimal | None = Field(
        description="The value the rest of the window must reach on its own"
    )
    staffing: RecoveryStaffing | None = Field(
        None,
        description="With staffing=true, for a service level still reachable: the agents each "
        "remaining quarter hour needs to reach rest_must_reach, by Erlang C and by Erlang A "
        "(callers hang up after the patience the history shows)",
    )


class LevelRisk(BaseModel):
    key: str
    metric: str
    target: str
    direction: str
    window: str
    threshold_seconds: int | None
    pool_share: str | None = Field(description="The level's share of the at-risk pool")
    critical: bool
    month_to_date: MonthToDate
    forecast: ForecastSummary | None
    projected_value: Decimal | None = Field(description="The period-end value, as projected")
    probability_met: float | None
    recovery: RecoveryRead | None = Field(description="For the window open at as_of")
    status: RiskStatus


class IntervalForecast(BaseModel):
    start: datetime
    expected_contacts: float


class SlaRiskRead(BaseModel):
    contract_id: uuid.UUID
    client_id: uuid.UUID | None
    period: str
    time_zone: str
    as_of: datetime = Field(description="As asked (default now)")
    observed_until: datetime = Field(
        description="Month to date counts the contacts enqueued before this instant: as_of "
        "floored to the quarter hour, within the period"
    )
    contract_version: int
    model: str
    model_explanation: str
    history_days: int
    levels: list[LevelRisk]
    intervals: list[IntervalForecast] = Field(
        description="Offered contacts expected per remaining quarter hour"
    )
    contacts_expected: float = Field(
        description="Offered contacts expected from observed_until to the period's end"
    )
