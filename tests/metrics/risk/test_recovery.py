"""The recovery arithmetic against brute force and against the SLA report's own judgement."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.kpis.figures import ratio
from metrics.risk.recovery import Outlook, meets, recover
from metrics.sla.evaluate import judge

targets = st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=6)
directions = st.sampled_from(["at_least", "at_most"])


@settings(max_examples=400, deadline=None)
@given(
    numerator=st.integers(0, 5_000),
    denominator=st.integers(0, 5_000),
    target=st.decimals(min_value=Decimal("-100"), max_value=Decimal("100"), places=6),
    direction=directions,
    scale=st.sampled_from([1, 100]),
)
def test_meets_is_the_reports_judgement(
    numerator: int, denominator: int, target: Decimal, direction: str, scale: int
) -> None:
    status, _ = judge(ratio(numerator, denominator, scale), target, direction)
    assert meets(numerator, denominator, scale, target, direction) == (status == "met")


@settings(max_examples=600, deadline=None)
@given(
    data=st.data(),
    denominator=st.integers(0, 3_000),
    rest=st.integers(0, 3_000),
    target=targets,
    direction=directions,
)
def test_ratio_recovery_is_exact(
    data: st.DataObject, denominator: int, rest: int, target: Decimal, direction: str
) -> None:
    numerator = data.draw(st.integers(0, denominator))
    got = recover(numerator, denominator, rest, target=target, direction=direction)
    total = denominator + rest

    def ok(extra: int) -> bool:
        return meets(numerator + extra, total, 1, target, direction)

    if total == 0:
        assert got.outlook is Outlook.unreachable
    elif got.outlook is Outlook.secured:
        # whatever the rest brings: every possible count meets it
        assert ok(0) and ok(rest)
    elif got.outlook is Outlook.unreachable:
        assert not ok(rest) if direction == "at_least" else not ok(0)
    else:
        assert got.needed is not None and 0 <= got.needed <= rest
        if direction == "at_least":
            assert ok(got.needed) and (got.needed == 0 or not ok(got.needed - 1))
        else:
            assert ok(got.needed) and not ok(got.needed + 1)


@settings(max_examples=300, deadline=None)
@given(
    answered=st.integers(1, 2_000),
    mean=st.integers(0, 120),
    rest=st.integers(0, 2_000),
    target=st.decimals(min_value=Decimal("1"), max_value=Decimal("90"), places=2),
)
def test_asa_budget_is_exact(answered: int, mean: int, rest: int, target: Decimal) -> None:
    """ASA at most a target: the rest's answered contacts may wait ``needed`` seconds in all."""
    waited = answered * mean
    got = recover(waited, answered, rest, target=target, direction="at_most", high=None)
    total = answered + rest
    if got.outlook is Outlook.unreachable:
        assert not meets(waited, total, 1, target, "at_most")
    else:
        assert got.outlook is Outlook.reachable and got.needed is not None
        assert meets(waited + got.needed, total, 1, target, "at_most")
        assert not meets(waited + got.needed + 1, total, 1, target, "at_most")


@settings(max_examples=300, deadline=None)
@given(
    responses=st.integers(1, 500),
    data=st.data(),
    rest=st.integers(0, 500),
    target=st.decimals(min_value=Decimal("-100"), max_value=Decimal("100"), places=1),
)
def test_nps_recovery_counts_promoters_net_of_detractors(
    responses: int, data: st.DataObject, rest: int, target: Decimal
) -> None:
    net = data.draw(st.integers(-responses, responses))
    got = recover(net, responses, rest, target=target, direction="at_least", scale=100, low=-1)
    total = responses + rest
    if got.outlook is Outlook.secured:
        assert meets(net - rest, total, 100, target, "at_least")
    elif got.outlook is Outlook.unreachable:
        assert not meets(net + rest, total, 100, target, "at_least")
    else:
        assert got.needed is not None and -rest < got.needed <= rest
        assert meets(net + got.needed, total, 100, target, "at_least")
        assert not meets(net + got.needed - 1, total, 100, target, "at_least")


def test_a_worked_example() -> None:
    """80/20 month to date: 7,600 of 10,000 answered within 20 s; 6,000 more contacts
    expected. 0.8 x 16,000 = 12,800 needed, so 5,200 of the 6,000 (86.67 %)."""
    got = recover(7_600, 10_000, 6_000, target=Decimal("0.80"), direction="at_least")
    assert got.outlook is Outlook.reachable and got.needed == 5_200
    assert got.rest_must_reach == Decimal("0.866667")
    lost = recover(7_600, 10_000, 1_000, target=Decimal("0.80"), direction="at_least")
    assert lost.outlook is Outlook.unreachable  # 1,200 needed of only 1,000
    safe = recover(9_900, 10_000, 100, target=Decimal("0.80"), direction="at_least")
    assert safe.outlook is Outlook.secured  # 9,900 / 10,100 = 98 % even if none is in time
