from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.contracts.rules.lifecycle import (
    TRANSITIONS,
    Action,
    Stage,
    Status,
    StatusFacts,
    allowed_actions,
    derive_status,
    next_stage,
)
from contracts.contracts.rules.terms import RenewalType, TermRule, position

ORDER = {
    Status.pending: 0,
    Status.active: 1,
    Status.expiring: 1,
    Status.terminating: 2,
    Status.expired: 3,
    Status.terminated: 3,
    Status.superseded: 3,
}


class TestStages:
    def test_signed_and_cancelled_are_final(self) -> None:
        assert allowed_actions(Stage.signed) == allowed_actions(Stage.cancelled) == []

    @pytest.mark.parametrize("stage", [s for s in Stage if TRANSITIONS[s]])
    def test_every_open_stage_can_be_cancelled(self, stage: Stage) -> None:
        assert next_stage(stage, Action.cancel) is Stage.cancelled

    def test_the_happy_path(self) -> None:
        stage = Stage.draft
        for action in (Action.submit, Action.approve, Action.send_for_signature):
            stage = next_stage(stage, action)  # type: ignore[assignment]
        assert stage is Stage.out_for_signature
        assert next_stage(Stage.draft, Action.approve) is None


class TestStatus:
    def test_unsigned_has_no_status(self) -> None:
        rule = TermRule(date(2027, 1, 1), RenewalType.fixed, initial_term_months=12)
        assert derive_status(StatusFacts(signed=False), position(rule, date(2027, 5, 1))) is None

    @given(
        st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 1, 1)),
        st.sampled_from(list(RenewalType)),
        st.integers(0, 3),
        st.integers(0, 120),
        st.integers(0, 60),
        st.one_of(st.none(), st.integers(0, 1500)),
    )
    def test_status_only_moves_forward_in_time(
        self,
        start: date,
        renewal: RenewalType,
        max_renewals: int,
        notice: int,
        lead: int,
        terminate_after: int | None,
    ) -> None:
        evergreen = renewal is RenewalType.evergreen
        rule = TermRule(
            start,
            renewal,
            initial_term_months=None if evergreen else 6,
            renewal_term_months=6 if renewal is RenewalType.auto_renew else None,
            max_renewals=max_renewals if renewal is RenewalType.auto_renew else None,
            notice_days=notice,
            reminder_lead_days=lead,
        )
        terminate_on = None if terminate_after is None else start + timedelta(terminate_after)
        facts = StatusFacts(
            signed=True, termination_requested=terminate_on is not None, reminder_lead_days=lead
        )
        seen = []
        for offset in range(-10, 1600, 7):
            day = start + timedelta(days=offset)
            status = derive_status(facts, position(rule, day, terminate_on))
            assert status is not None
            seen.append(ORDER[status])
        assert seen == sorted(seen)
        if terminate_on is not None:
            final = derive_status(facts, position(rule, terminate_on + timedelta(1), terminate_on))
            assert final is Status.terminated

    def test_terminated_before_the_start(self) -> None:
        rule = TermRule(date(2027, 1, 1), RenewalType.fixed, initial_term_months=12)
        facts = StatusFacts(signed=True, termination_requested=True)
        before = position(rule, date(2026, 12, 20), date(2026, 12, 15))
        assert derive_status(facts, before) is Status.terminated
