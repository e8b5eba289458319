import math
import time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.staffing import erlang


def erlang_c_textbook(n: int, a: float) -> float:
    """The textbook formula in log space (fine for small n), to check the recursion."""
    top = math.exp(n * math.log(a) - math.lgamma(n + 1)) * n / (n - a)
    bottom = sum(math.exp(k * math.log(a) - math.lgamma(k + 1)) for k in range(n)) + top
    return top / bottom


class TestPublishedExample:
    """100 calls in 30 minutes, AHT 180 s, 80 % answered in 20 s (the classic worked example:
    10 Erlangs, 14 agents, Pw 17.4 %, service level 88.8 %, ASA 7.8 s, occupancy 71.4 %)."""

    def test_traffic(self) -> None:
        assert erlang.traffic_erlangs(100, 180, 1800) == 10

    def test_fourteen_agents(self) -> None:
        result = erlang.required_agents(10, 180, target_service_level=0.8, threshold=20)
        assert result.agents == 14
        assert round(result.probability_of_waiting, 4) == 0.1741
        assert round(result.service_level, 4) == 0.8884
        assert round(result.asa_seconds or 0, 1) == 7.8
        assert round(result.occupancy, 4) == 0.7143

    def test_thirteen_agents_fall_short(self) -> None:
        assert erlang.achieved(13, 10, 180, 20).service_level < 0.8

    def test_eleven_agents_wait_probability(self) -> None:
        assert round(erlang.erlang_c(11, 10), 4) == 0.6821


class TestUnstableQueue:
    @pytest.mark.parametrize("agents", [0, 5, 10])
    def test_agents_at_or_below_traffic(self, agents: int) -> None:
        result = erlang.achieved(agents, 10.0, 180, 20)
        assert result.probability_of_waiting == 1.0
        assert result.service_level == 0.0
        assert result.asa_seconds is None


class TestScale:
    def test_thousands_of_agents_fast_and_finite(self) -> None:
        started = time.perf_counter()
        result = erlang.required_agents(4000, 300, target_service_level=0.9, threshold=20)
        assert time.perf_counter() - started < 0.5
        assert 4000 < result.agents < 4200
        assert 0 < result.probability_of_waiting < 1

    def test_occupancy_cap_adds_agents(self) -> None:
        capped = erlang.required_agents(
            100, 180, target_service_level=0.5, threshold=20, max_occupancy=0.85
        )
        assert capped.occupancy <= 0.85
        assert capped.agents == math.ceil(100 / 0.85)


class TestScheduledStaff:
    def test_shrinkage_is_exact(self) -> None:
        assert erlang.scheduled_staff(14, Decimal("0.30")) == 20
        assert erlang.scheduled_staff(14, "0") == 14
        assert erlang.scheduled_staff(15, "0.30") == 22


@settings(max_examples=60, deadline=None)
@given(
    traffic=st.floats(min_value=0.5, max_value=60),
    target=st.floats(min_value=0.5, max_value=0.95),
    threshold=st.integers(min_value=5, max_value=60),
)
def test_required_is_the_minimum_and_matches_textbook(
    traffic: float, target: float, threshold: int
) -> None:
    result = erlang.required_agents(traffic, 180, target_service_level=target, threshold=threshold)
    assert result.service_level >= target
    assert erlang.achieved(result.agents - 1, traffic, 180, threshold).service_level < target
    assert math.isclose(
        erlang.erlang_c(result.agents, traffic),
        erlang_c_textbook(result.agents, traffic),
        rel_tol=1e-9,
    )
