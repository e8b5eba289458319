"""A plan version taking effect inside the period: each version prices its own days."""

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.pricing.credits import CreditTerms
from billing.pricing.engine import PriceChange, PricingInput, UsageQuery, price_period
from billing.pricing.periods import Period, service_window
from billing.pricing.plan import PlanTerms

JAN = Period(2026, 1)  # 31 days
MINUTES = UsageQuery(6)


def minutes(tiers: list[tuple[str | None, str]], model: str = "graduated") -> dict[str, Any]:
    return {
        "key": "min",
        "name": "Minutes",
        "model": model,
        "metric": "handled_minutes",
        "increment_seconds": 6,
        "tiers": [{"up_to": up_to, "unit_price": price} for up_to, price in tiers],
    }


def fee(amount: str) -> dict[str, Any]:
    return {"key": "fee", "name": "Management fee", "model": "fixed", "amount": amount}


V1 = PlanTerms.model_validate(
    {
        "charges": [fee("3100.00"), minutes([("1000", "0.50"), (None, "0.40")])],
        "minimum_commitment": "6200.00",
    }
)
V2 = PlanTerms.model_validate(
    {
        "charges": [fee("4650.00"), minutes([("1000", "0.60"), (None, "0.45")])],
        "minimum_commitment": "9300.00",
        "tax_rate_percent": "10",
    }
)


def usage(handled_minutes: str, first: str, last: str) -> dict[UsageQuery, dict[str, Any]]:
    return {MINUTES: {"handled_minutes": handled_minutes, "from": first, "to": last}}


def split(v1: PlanTerms = V1, v2: PlanTerms = V2, **kw: Any) -> PricingInput:
    """v1 from January 1st to 15th (15 days), v2 from the 16th to the 31st (16 days)."""
    window = service_window(JAN, None, None)
    assert window is not None
    return PricingInput(
        currency="EUR",
        period=JAN,
        window=window,
        terms=v1,
        plan_source={"price_plan_id": "p", "plan_version": 1},
        usage=usage("800", "2026-01-01", "2026-01-15"),
        changes=(
            PriceChange(
                effective_from=date(2026, 1, 16),
                terms=v2,
                plan_source={"price_plan_id": "p", "plan_version": 2},
                usage=usage("900", "2026-01-16", "2026-01-31"),
            ),
        ),
        **kw,
    )


class TestMidMonthPriceChange:
    def test_each_version_prices_its_days_to_the_cent(self) -> None:
        report = {
            "id": "rep-1",
            "results": [
                {
                    "key": "sl",
                    "metric": "service_level",
                    "target": "0.80",
                    "direction": "at_least",
                    "measured": "0.70",
                    "status": "missed",
                    "pool_share": "1",
                }
            ],
        }
        out = price_period(split(report=report, credit_terms=CreditTerms(at_risk_percent=D(10))))
        lines = {ln.key: ln for ln in out.lines}
        # By hand. Fixed: 3100 x 15/31 = 1500.00; 4650 x 16/31 = 2400.00.
        # v1 tiers scaled by 15/31: the first ends at 1000 x 15/31 = 483.8709677...
        #   483.8709677 x 0.50 = 241.935... -> 241.94
        #   (800 - 483.8709677) x 0.40 = 126.451... -> 126.45
        # v2 tiers scaled by 16/31: the first ends at 516.1290323
        #   516.1290323 x 0.60 = 309.677... -> 309.68
        #   (900 - 516.1290323) x 0.45 = 172.741... -> 172.74
        # recurring 4750.81; minimum 6200 x 15/31 + 9300 x 16/31 = 3000 + 4800 = 7800
        # true-up 7800 - 4750.81 = 3049.19; base 7800.00; credit 10 % x 7800 = 780.00
        # net 7020.00; tax at v2's 10 % = 702.00; total 7722.00
        assert {k: ln.amount for k, ln in lines.items()} == {
            "charge:fee:v1": D("1500.00"),
            "charge:min:v1:tier1": D("241.94"),
            "charge:min:v1:tier2": D("126.45"),
            "charge:fee:v2": D("2400.00"),
            "charge:min:v2:tier1": D("309.68"),
            "charge:min:v2:tier2": D("172.74"),
            "true_up": D("3049.19"),
            "credit:sl": D("-780.00"),
        }
        assert (out.recurring, out.credit_base) == (D("4750.81"), D("7800.00"))
        assert (out.subtotal, out.tax_rate_percent, out.tax, out.total) == (
            D("7020.00"),
            D("10"),
            D("702.00"),
            D("7722.00"),
        )
        first, second = lines["charge:fee:v1"], lines["charge:fee:v2"]
        assert first.source == {
            "price_plan_id": "p",
            "plan_version": 1,
            "service_from": "2026-01-01",
            "service_to": "2026-01-15",
            "days_in_service": 15,
            "days_in_period": 31,
        }
        assert second.source["plan_version"] == 2
        assert second.source["service_from"] == "2026-01-16"
        assert second.description == "Management fee (16/31 days) (v2, 2026-01-16 to 2026-01-31)"
        tier = lines["charge:min:v2:tier1"].source
        assert (tier["plan_version"], tier["usage_total"], tier["tier_scale"]) == (
            2,
            "900",
            "16/31",
        )
        assert (tier["usage_from"], tier["usage_to"]) == ("2026-01-16", "2026-01-31")
        true_up = lines["true_up"].source
        assert true_up["prorated_minimum"] == "7800.00"
        assert [m["prorated_minimum"] for m in true_up["minimum_by_version"]] == [
            "3000.00",
            "4800.00",
        ]

    def test_without_a_change_the_lines_are_those_of_one_version(self) -> None:
        data = split()
        unsplit = PricingInput(
            currency="EUR",
            period=JAN,
            window=data.window,
            terms=V1,
            plan_source=data.plan_source,
            usage=usage("1700", "2026-01-01", "2026-01-31"),
        )
        out = price_period(unsplit)
        assert [(ln.key, ln.amount) for ln in out.lines] == [
            ("charge:fee", D("3100.00")),
            ("charge:min:tier1", D("500.00")),  # 1000 x 0.50
            ("charge:min:tier2", D("280.00")),  # 700 x 0.40
            ("true_up", D("2320.00")),  # 6200 - 3880
        ]
        assert "tier_scale" not in out.lines[1].source

    def test_a_one_time_charge_in_both_versions_is_billed_once(self) -> None:
        setup = {"key": "setup", "name": "Setup", "model": "one_time", "amount": "500"}
        v1 = PlanTerms.model_validate({"charges": [fee("3100"), setup]})
        v2 = PlanTerms.model_validate({"charges": [fee("3100"), setup]})
        out = price_period(split(v1, v2))
        assert [ln.key for ln in out.lines] == ["charge:fee:v1", "one_time:setup", "charge:fee:v2"]
        assert out.lines[1].source["plan_version"] == 1

    def test_volume_and_package_scale_their_bounds_and_free_units(self) -> None:
        volume = minutes([("1000", "0.50"), (None, "0.40")], model="volume")
        package = {
            "key": "pkg",
            "name": "Blocks",
            "model": "package",
            "metric": "handled_minutes",
            "increment_seconds": 6,
            "package_size": "100",
            "package_price": "30",
            "free_units": "310",
        }
        v1 = PlanTerms.model_validate({"charges": [volume, package]})
        out = price_period(split(v1, v1))
        got = {ln.key: (ln.quantity, ln.unit_price, ln.amount) for ln in out.lines}
        # v1's days: 800 > 483.87 -> all at 0.40; v2's days: 900 > 516.13 -> all at 0.40
        assert got["charge:min:v1"] == (D("800"), D("0.40"), D("320.00"))
        assert got["charge:min:v2"] == (D("900"), D("0.40"), D("360.00"))
        # free units 310 x 15/31 = 150 -> ceil(650 / 100) = 7; 310 x 16/31 = 160 -> ceil(7.4) = 8
        assert got["charge:pkg:v1"] == (D(7), D("30"), D("210.00"))
        assert got["charge:pkg:v2"] == (D(8), D("30"), D("240.00"))

    def test_a_change_outside_the_days_in_service_is_refused(self) -> None:
        data = split()
        late = PriceChange(date(2026, 2, 1), V2, {"plan_version": 2}, {})
        with pytest.raises(ValueError, match="inside the days in service"):
            price_period(
                PricingInput(
                    currency="EUR",
                    period=JAN,
                    window=data.window,
                    terms=V1,
                    plan_source={},
                    usage={},
                    changes=(late,),
                )
            )


class TestSplitProperties:
    @given(
        day=st.integers(min_value=2, max_value=31),
        amount=st.decimals(min_value=0, max_value=100_000, places=2),
        used=st.integers(min_value=0, max_value=5_000),
        share=st.integers(min_value=0, max_value=100),
    )
    def test_the_same_prices_in_two_versions_cost_what_one_version_does(
        self, day: int, amount: D, used: int, share: int
    ) -> None:
        """A new version that changes nothing: the fixed fee and per-unit usage come to the
        unsplit amounts, give or take the rounding of one more line per charge."""
        plan = PlanTerms.model_validate(
            {
                "charges": [
                    fee(str(amount)),
                    {
                        "key": "min",
                        "name": "Minutes",
                        "model": "per_unit",
                        "metric": "handled_minutes",
                        "increment_seconds": 6,
                        "unit_price": "0.37",
                    },
                ]
            }
        )
        window = service_window(JAN, None, None)
        assert window is not None
        first = D(used * share // 100)
        whole = PricingInput(
            currency="EUR",
            period=JAN,
            window=window,
            terms=plan,
            plan_source={"plan_version": 1},
            usage={MINUTES: {"handled_minutes": str(used)}},
        )
        split_in_two = PricingInput(
            currency="EUR",
            period=JAN,
            window=window,
            terms=plan,
            plan_source={"plan_version": 1},
            usage={MINUTES: {"handled_minutes": str(first)}},
            changes=(
                PriceChange(
                    date(2026, 1, day),
                    plan,
                    {"plan_version": 2},
                    {MINUTES: {"handled_minutes": str(used - first)}},
                ),
            ),
        )
        one, two = price_period(whole), price_period(split_in_two)
        assert len(two.lines) == 2 * len(one.lines)
        assert abs(two.total - one.total) <= D("0.02")
        fixed = [ln for ln in two.lines if ln.charge_key == "fee"]
        assert [ln.source["days_in_service"] for ln in fixed] == [day - 1, 32 - day]
