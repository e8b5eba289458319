from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.pricing.credits import CreditTerms
from billing.pricing.engine import PricingInput, UsageMissing, UsageQuery, price_period
from billing.pricing.periods import Period, service_window
from billing.pricing.plan import PlanTerms, check_terms
from shared.errors import ValidationFailed
from shared.money import round_money

JAN = Period(2026, 1)


def result(key: str, status: str, share: str | None, measured: str | None = "0.70") -> dict:
    return {
        "key": key,
        "metric": "service_level",
        "target": "0.80",
        "direction": "at_least",
        "measured": measured,
        "status": status,
        "pool_share": share,
    }


def report(*results: dict) -> dict[str, Any]:
    return {"id": "rep-1", "results": list(results)}


def terms(**kw: Any) -> PlanTerms:
    body = {
        "charges": [{"key": "fee", "name": "Management fee", "model": "fixed", "amount": "1000"}]
    }
    return PlanTerms.model_validate({**body, **kw})


def priced(plan: PlanTerms, usage: dict | None = None, **kw: Any):
    window = kw.pop("window", service_window(JAN, None, None))
    return price_period(
        PricingInput(
            currency=kw.pop("currency", "EUR"),
            period=JAN,
            window=window,
            terms=plan,
            plan_source={"price_plan_id": "p", "version": 1},
            usage=usage or {},
            **kw,
        )
    )


class TestEngine:
    def test_tax_on_net_rounded_once(self) -> None:
        plan = PlanTerms.model_validate(
            {
                "charges": [
                    {"key": "a", "name": "A", "model": "fixed", "amount": "0.015"},
                    {"key": "b", "name": "B", "model": "fixed", "amount": "0.015"},
                ],
                "tax_rate_percent": "10",
            }
        )
        out = priced(plan)
        assert [ln.amount for ln in out.lines] == [D("0.02"), D("0.02")]
        assert (out.subtotal, out.tax, out.total) == (D("0.04"), D("0.00"), D("0.04"))

    def test_minor_units_follow_iso_4217(self) -> None:
        plan = terms(charges=[{"key": "a", "name": "A", "model": "fixed", "amount": "1000.5"}])
        assert priced(plan, currency="JPY").lines[0].amount == D(1001)
        assert priced(plan, currency="BHD").lines[0].amount == D("1000.500")

    def test_true_up_fills_the_prorated_minimum(self) -> None:
        plan = terms(minimum_commitment="3100")
        window = service_window(JAN, date(2026, 1, 22), None)  # 10 of 31 days
        out = priced(plan, window=window)
        fee, true_up = out.lines
        assert fee.amount == D("322.58")  # 1000 x 10 / 31
        assert true_up.amount == D("1000.00") - D("322.58")
        assert out.credit_base == D("1000.00")

    def test_one_time_billed_once_on_or_after_its_date(self) -> None:
        charge = {"key": "setup", "name": "Setup", "model": "one_time", "amount": "500"}
        plan = terms(charges=[{**charge, "bill_on": "2026-01-15"}])
        assert [ln.key for ln in priced(plan).lines] == ["one_time:setup"]
        assert priced(plan, billed_one_time=frozenset({"setup"})).lines == []
        later = terms(charges=[{**charge, "bill_on": "2026-02-01"}])
        assert priced(later).lines == []

    def test_missing_usage_is_an_error_not_a_zero(self) -> None:
        plan = terms(
            charges=[
                {
                    "key": "c",
                    "name": "C",
                    "model": "per_unit",
                    "metric": "handled_contacts",
                    "unit_price": "1",
                }
            ]
        )
        with pytest.raises(UsageMissing):
            priced(plan, usage={})
        out = priced(plan, usage={UsageQuery(): {"handled_contacts": 0}})
        assert out.lines[0].amount == 0


class TestPlanValidation:
    def bad(self, charge: dict) -> list[str]:
        with pytest.raises(ValidationFailed) as info:
            check_terms(PlanTerms.model_validate({"charges": [charge]}))
        return [e.field for e in info.value.errors]

    def test_overlapping_and_unsorted_tiers_are_named(self) -> None:
        charge = {
            "key": "m",
            "name": "M",
            "model": "graduated",
            "metric": "handled_minutes",
            "tiers": [
                {"up_to": "100", "unit_price": "1"},
                {"up_to": "50", "unit_price": "1"},
                {"up_to": None, "unit_price": "1"},
            ],
        }
        assert self.bad(charge) == ["charges[0].tiers[1].up_to"]

    def test_open_tier_in_the_middle_is_refused(self) -> None:
        charge = {
            "key": "m",
            "name": "M",
            "model": "volume",
            "metric": "handled_minutes",
            "tiers": [{"up_to": None, "unit_price": "1"}, {"up_to": "5", "unit_price": "1"}],
        }
        assert self.bad(charge) == ["charges[0].tiers[0].up_to", "charges[0].tiers[1].up_to"]

    def test_missing_fields_for_the_model(self) -> None:
        assert self.bad({"key": "x", "name": "X", "model": "per_unit"}) == [
            "charges[0].metric",
            "charges[0].unit_price",
        ]


class TestEngineProperties:
    @given(
        minutes=st.decimals(min_value=0, max_value=10**7, places=3),
        fee=st.decimals(min_value=0, max_value=10**5, places=2),
        minimum=st.decimals(min_value=0, max_value=10**6, places=2),
        shares=st.lists(st.sampled_from(["0.1", "0.25", "0.5", "0.8"]), max_size=5),
        at_risk=st.sampled_from(["0", "5", "12.5", "100"]),
        currency=st.sampled_from(["EUR", "JPY", "BHD"]),
    )
    def test_lines_add_up_and_credits_stay_within_the_at_risk_amount(
        self, minutes: D, fee: D, minimum: D, shares: list[str], at_risk: str, currency: str
    ) -> None:
        plan = PlanTerms.model_validate(
            {
                "charges": [
                    {"key": "fee", "name": "F", "model": "fixed", "amount": str(fee)},
                    {
                        "key": "m",
                        "name": "M",
                        "model": "graduated",
                        "metric": "handled_minutes",
                        "tiers": [
                            {"up_to": "1000", "unit_price": "0.5", "flat_fee": "3"},
                            {"up_to": None, "unit_price": "0.333"},
                        ],
                    },
                ],
                "minimum_commitment": str(minimum),
                "tax_rate_percent": "17.5",
            }
        )
        rep = report(*(result(f"s{i}", "missed", s) for i, s in enumerate(shares)))
        out = priced(
            plan,
            {UsageQuery(): {"handled_minutes": str(minutes)}},
            report=rep,
            credit_terms=CreditTerms(D(at_risk)),
            currency=currency,
        )
        assert out.subtotal == sum(ln.amount for ln in out.lines)
        assert out.total == out.subtotal + out.tax
        credits = -sum(ln.amount for ln in out.lines if ln.kind == "credit")
        assert 0 <= credits <= round_money(out.at_risk, currency)
        assert out.credit_base >= round_money(minimum, currency)  # the true-up fills the gap


class TestContractShapes:
    def test_agent_hours_cannot_be_filtered_by_channel(self) -> None:
        charge = {
            "key": "h",
            "name": "H",
            "model": "per_unit",
            "metric": "productive_agent_hours",
            "unit_price": "1",
            "channel": "voice",
        }
        with pytest.raises(ValidationFailed) as info:
            check_terms(PlanTerms.model_validate({"charges": [charge]}))
        assert [e.field for e in info.value.errors] == ["charges[0].channel"]

    def test_bonus_rule_without_a_target_is_ignored(self) -> None:
        terms = CreditTerms.from_json(
            {
                "at_risk_percent": None,
                "bonus_rules": [
                    {"service_level_key": "a", "bonus_target": None, "bonus_percent": "2"}
                ],
            }
        )
        assert terms == CreditTerms()

    def test_increment_only_for_minutes(self) -> None:
        charge = {
            "key": "c",
            "name": "C",
            "model": "per_unit",
            "metric": "handled_contacts",
            "unit_price": "1",
            "increment_seconds": 60,
        }
        with pytest.raises(ValidationFailed) as info:
            check_terms(PlanTerms.model_validate({"charges": [charge]}))
        assert [e.field for e in info.value.errors] == ["charges[0].increment_seconds"]


class TestProrationCalendar:
    @pytest.mark.parametrize(
        ("year", "month", "days"), [(2026, 2, 28), (2028, 2, 29), (2026, 4, 30)]
    )
    def test_a_partial_month_is_prorated_by_its_own_days(
        self, year: int, month: int, days: int
    ) -> None:
        period = Period(year, month)
        window = service_window(period, date(year, month, 15), None)
        assert window is not None
        out = price_period(
            PricingInput(
                currency="EUR",
                period=period,
                window=window,
                terms=terms(),
                plan_source={},
                usage={},
            )
        )
        expected = (D(1000) * (days - 14) / days).quantize(D("0.01"), rounding="ROUND_HALF_UP")
        assert out.lines[0].amount == expected
