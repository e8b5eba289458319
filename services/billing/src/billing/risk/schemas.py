import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class MoneyAtRisk(BaseModel):
    currency: str
    credit: str = Field(
        description="The service credit the period's invoice would carry if the period ended "
        "as projected (positive: the amount credited)"
    )
    at_risk: str = Field(description="The at-risk pool: at-risk percent of the credit base")
    credit_base: str
    projected_subtotal: str = Field(description="The invoice's fees before credits and tax")
    usage_factor: str = Field(
        description="Month-to-date usage is scaled by this to the period's end: (contacts so "
        "far + contacts expected) / contacts so far"
    )
    usage_days: tuple[date, date] = Field(description="The days month-to-date usage covers")
    lines: list[dict[str, Any]] = Field(description="The projected invoice's lines")


class SlaRiskRead(BaseModel):
    contract_id: uuid.UUID
    period: str
    as_of: datetime
    observed_until: datetime
    projection: dict[str, Any] = Field(
        description="The metrics service's projection of every service level (month to date, "
        "forecast, probability met, recovery, status)"
    )
    money_at_risk: MoneyAtRisk | None
    note: str | None = Field(None, description="Why money at risk is missing, when it is")


class PortfolioEntry(BaseModel):
    contract_id: uuid.UUID
    contract_number: str | None
    client_id: uuid.UUID
    client_name: str | None
    status: str = Field(
        description="The contract's worst level: lost, at_risk, on_track, secured or not_projected"
    )
    levels_at_risk: int = Field(description="Levels at risk or lost")
    lowest_probability: float | None = Field(
        description="The smallest probability that a projected level is met"
    )
    currency: str | None
    money_at_risk: str | None = Field(description="The projected credit (positive)")
    note: str | None = None


class PortfolioTotal(BaseModel):
    currency: str
    money_at_risk: str


class PortfolioRead(BaseModel):
    period: str
    as_of: datetime
    contracts: int = Field(description="Contracts in service in the period, on every page")
    totals: list[PortfolioTotal] = Field(description="Money at risk per currency, all pages")
    items: list[PortfolioEntry] = Field(description="Worst first")
    next_cursor: str | None
    limit: int
