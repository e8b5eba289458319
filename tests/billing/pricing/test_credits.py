from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from billing.pricing.credits import CreditTerms, allocate_credits, service_credits
from tests.billing.pricing.test_engine import report, result


class TestCredits:
    def test_missed_with_share_earns_share_of_at_risk(self) -> None:
        lines, at_risk, _ = service_credits(
            D(10000), report(result("sl", "missed", "0.25")), CreditTerms(D(10)), "EUR"
        )
        assert at_risk == D(1000)
        assert [(ln.key, ln.amount, ln.report_id) for ln in lines] == [
            ("credit:sl", D("-250.00"), "rep-1")
        ]
        assert lines[0].sla_target == "0.80" and lines[0].sla_measured == "0.70"

    def test_no_data_is_not_a_miss_and_no_share_is_not_credited(self) -> None:
        rep = report(result("a", "no_data", "0.5", None), result("b", "missed", None))
        lines, _, summary = service_credits(D(10000), rep, CreditTerms(D(10)), "EUR")
        assert lines == []
        assert [s["note"] for s in summary] == [
            "no data is not a miss",
            "missed; no pool share, so reported and not credited",
        ]

    def test_cap_scales_pro_rata_and_adds_up_exactly(self) -> None:
        rep = report(*(result(k, "missed", "0.5") for k in ("a", "b", "c")))
        lines, _, _ = service_credits(D("1000.01"), rep, CreditTerms(D(10)), "EUR")
        # at risk 100.001 -> cap 100.00; three equal credits of 33.33 + remainder 0.01
        assert sum(ln.amount for ln in lines) == D("-100.00")
        assert sorted(ln.amount for ln in lines) == [D("-33.34"), D("-33.33"), D("-33.33")]

    def test_credit_cap_percent_lowers_the_cap(self) -> None:
        rep = report(result("a", "missed", "1"))
        lines, _, _ = service_credits(D(10000), rep, CreditTerms(D(10), D(5)), "EUR")
        assert lines[0].amount == D("-500.00")

    def test_bonus_line_when_the_bonus_target_is_met(self) -> None:
        rep = report(result("a", "met", "0.5", "0.92"))
        rule_terms = CreditTerms.from_json(
            {
                "at_risk_percent": "10",
                "bonus_rules": [
                    {"service_level_key": "a", "bonus_target": "0.90", "bonus_percent": "2"}
                ],
            }
        )
        lines, _, _ = service_credits(D(10000), rep, rule_terms, "EUR")
        assert [(ln.kind, ln.amount) for ln in lines] == [("bonus", D("200.00"))]

    @given(
        st.lists(st.decimals(min_value=0, max_value=10**6, places=4), min_size=1, max_size=8),
        st.decimals(min_value=0, max_value=10**6, places=4),
    )
    def test_allocation_never_exceeds_the_cap_and_hits_it_when_over(
        self, amounts: list[D], cap: D
    ) -> None:
        out = allocate_credits(amounts, cap, "EUR")
        cap_rounded = cap.quantize(D("0.01"), rounding="ROUND_HALF_UP")
        assert (
            sum(out) <= cap_rounded
            or sum(out)
            == sum(a.quantize(D("0.01"), rounding="ROUND_HALF_UP") for a in amounts)
            <= cap_rounded
        )
        if sum(amounts) >= cap:
            assert sum(out) == cap_rounded
        assert all(o == o.quantize(D("0.01")) for o in out)
