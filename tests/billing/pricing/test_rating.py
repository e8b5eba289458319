from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.pricing.rating import (
    Tier,
    rate_fixed,
    rate_graduated,
    rate_package,
    rate_per_unit,
    rate_volume,
)

TIERS = [
    Tier(D(1000), D("0.50"), D(0)),
    Tier(D(5000), D("0.40"), D("10")),
    Tier(None, D("0.30"), D(0)),
]


def total(pieces: list) -> D:
    return sum((p.amount for p in pieces), D(0))


class TestGraduated:
    def test_zero_usage_costs_nothing(self) -> None:
        assert rate_graduated(D(0), TIERS) == []

    def test_exactly_on_a_bound_stays_in_the_lower_tier(self) -> None:
        pieces = rate_graduated(D(1000), TIERS)
        assert [(p.tier, p.quantity) for p in pieces] == [(1, D(1000))]
        assert total(pieces) == D("500.00")

    def test_one_unit_past_a_bound_enters_the_next_tier_and_its_flat_fee(self) -> None:
        pieces = rate_graduated(D(1001), TIERS)
        assert [(p.tier, p.quantity) for p in pieces] == [(1, D(1000)), (2, D(1))]
        assert total(pieces) == D("500.00") + D("0.40") + D("10")

    def test_fractional_units(self) -> None:
        pieces = rate_graduated(D("1000.5"), TIERS)
        assert pieces[1].quantity == D("0.5")
        assert total(pieces) == D("500.00") + D("0.20") + D("10")

    def test_huge_volume_lands_in_the_open_tier(self) -> None:
        pieces = rate_graduated(D(10) ** 12, TIERS)
        assert pieces[-1].tier == 3
        assert total(pieces) == D(500) + D(1600) + D(10) + (D(10) ** 12 - 5000) * D("0.30")

    def test_negative_usage_is_refused(self) -> None:
        with pytest.raises(ValueError):
            rate_graduated(D(-1), TIERS)

    @given(st.decimals(min_value=0, max_value=10**9, places=3))
    def test_quantities_add_up_to_usage(self, units: D) -> None:
        assert sum((p.quantity for p in rate_graduated(units, TIERS)), D(0)) == units

    @given(
        st.decimals(min_value=0, max_value=10**7, places=2),
        st.decimals(min_value=0, max_value=10**7, places=2),
    )
    def test_more_usage_never_costs_less(self, a: D, b: D) -> None:
        low, high = sorted((a, b))
        assert total(rate_graduated(low, TIERS)) <= total(rate_graduated(high, TIERS))


class TestVolume:
    def test_zero_usage_costs_nothing(self) -> None:
        assert rate_volume(D(0), TIERS) is None

    def test_exactly_on_a_bound(self) -> None:
        rated = rate_volume(D(1000), TIERS)
        assert rated is not None
        assert (rated.tier, rated.amount) == (1, D("500.00"))

    def test_one_past_prices_every_unit_in_the_next_tier_with_its_flat_fee(self) -> None:
        rated = rate_volume(D(1001), TIERS)
        assert rated is not None
        assert (rated.tier, rated.amount) == (2, D(1001) * D("0.40") + D(10))

    def test_fractional_and_huge(self) -> None:
        assert rate_volume(D("0.25"), TIERS).amount == D("0.125")  # type: ignore[union-attr]
        huge = rate_volume(D(10) ** 15, TIERS)
        assert huge is not None and huge.amount == D(10) ** 15 * D("0.30")

    @given(st.decimals(min_value=D("0.001"), max_value=10**9, places=3))
    def test_one_tier_prices_every_unit(self, units: D) -> None:
        rated = rate_volume(units, TIERS)
        assert rated is not None
        assert rated.amount == units * rated.unit_price + rated.flat_fee


class TestPackage:
    @pytest.mark.parametrize(
        ("units", "packages"),
        [(D(0), 0), (D(100), 0), (D(101), 1), (D(1100), 1), (D(1101), 2), (D("100.5"), 1)],
    )
    def test_packages_are_started_after_free_units(self, units: D, packages: int) -> None:
        rated = rate_package(units, D(1000), D(90), free_units=D(100))
        assert rated.quantity == packages
        assert rated.amount == packages * D(90)

    @given(st.decimals(min_value=0, max_value=10**9, places=2))
    def test_never_negative_and_covers_usage(self, units: D) -> None:
        rated = rate_package(units, D(250), D(10), D(50))
        assert rated.amount >= 0
        assert rated.quantity * 250 >= units - 50


class TestPerUnitAndFixed:
    def test_per_unit_zero_and_fractional(self) -> None:
        assert rate_per_unit(D(0), D("0.25")).amount == 0
        assert rate_per_unit(D("1.5"), D("0.333333")).amount == D("0.4999995")

    def test_fixed_full_period_is_the_amount(self) -> None:
        assert rate_fixed(D("5000.00"), 31, 31).amount == D("5000.00")

    def test_fixed_is_prorated_by_days(self) -> None:
        assert rate_fixed(D("3100.00"), 10, 31).amount == D(1000)

    def test_active_days_outside_period_is_refused(self) -> None:
        with pytest.raises(ValueError):
            rate_fixed(D(1), 32, 31)
