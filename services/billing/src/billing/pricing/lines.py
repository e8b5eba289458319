"""An invoice line as the engine produces it: amount, quantity, unit price and its source."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shared.money import money_text, plain_text


@dataclass
class Line:
    key: str
    kind: str  # charge | one_time | true_up | credit | bonus | termination_fee
    description: str
    amount: Decimal
    quantity: Decimal = Decimal(1)
    unit_price: Decimal | None = None
    charge_key: str | None = None
    charge_model: str | None = None
    tier: int | None = None
    source: dict[str, Any] = field(default_factory=dict)
    sla_key: str | None = None
    sla_target: str | None = None
    sla_measured: str | None = None
    report_id: str | None = None

    def as_json(self, currency: str | None = None) -> dict[str, Any]:
        """The line as JSON: quantity and unit price without trailing zeros, the amount with
        the currency's minor units when it is given."""

        def s(value: Decimal | None) -> str | None:
            return None if value is None else plain_text(value)

        return {
            "key": self.key,
            "kind": self.kind,
            "description": self.description,
            "charge_key": self.charge_key,
            "charge_model": self.charge_model,
            "quantity": s(self.quantity),
            "unit_price": s(self.unit_price),
            "tier": self.tier,
            "amount": s(self.amount) if currency is None else money_text(self.amount, currency),
            "source": self.source,
            "sla_key": self.sla_key,
            "sla_target": self.sla_target,
            "sla_measured": self.sla_measured,
            "report_id": self.report_id,
        }
