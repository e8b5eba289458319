"""The pure step of drafting (``price``) on gathered values: the engine's input is built from
what was gathered, with an early termination fee only in the period it takes effect in."""

import uuid
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from billing.invoices.drafting import Gathered, PlanSegment, pricing_input, termination_fee
from billing.pricing.periods import Period, ServiceWindow
from billing.pricing.plan import PlanTerms

OCTOBER = Period.parse("2026-10")


def terminated(effective: str | None, fee: str | None = "900.00", requested: bool = True) -> Any:
    return {
        "termination": {
            "requested": requested,
            "effective_date": effective,
            "early_termination_fee": fee,
        }
    }


class TestTerminationFee:
    def test_due_in_the_period_it_takes_effect_in(self) -> None:
        fee = termination_fee(terminated("2026-10-20"), OCTOBER)
        assert fee == (Decimal("900.00"), date(2026, 10, 20))

    def test_not_due_in_another_period_nor_without_a_fee_or_a_request(self) -> None:
        for terms in (
            terminated("2026-11-01"),
            terminated("2026-10-20", fee=None),
            terminated("2026-10-20", requested=False),
            terminated(None),
            {},
        ):
            assert termination_fee(terms, OCTOBER) == (None, None)


def test_later_versions_are_price_changes_citing_their_own_version() -> None:
    terms = PlanTerms.model_construct(charges=[])
    plan = SimpleNamespace(id=uuid.UUID(int=9), currency="BRL")
    first = SimpleNamespace(version=1, effective_from=date(2026, 9, 1))
    second = SimpleNamespace(version=2, effective_from=date(2026, 10, 16))
    gathered = Gathered(
        contract_id=uuid.UUID(int=1),
        period=OCTOBER,
        terms={"service_credit_terms": None},
        client_id=uuid.UUID(int=2),
        window=ServiceWindow(date(2026, 10, 1), date(2026, 10, 31)),
        plan=plan,  # type: ignore[arg-type]
        segments=[
            PlanSegment(first, terms, {}),  # type: ignore[arg-type]
            PlanSegment(second, terms, {}),  # type: ignore[arg-type]
        ],
        report={"id": "r"},
        billed_one_time=frozenset({"setup"}),
    )
    pricing = pricing_input(gathered)
    assert pricing.plan_source == {"price_plan_id": str(plan.id), "plan_version": 1}
    (change,) = pricing.changes
    assert change.effective_from == date(2026, 10, 16)
    assert change.plan_source == {"price_plan_id": str(plan.id), "plan_version": 2}
    assert pricing.billed_one_time == {"setup"} and pricing.termination_fee is None
    assert gathered.last_version is second
