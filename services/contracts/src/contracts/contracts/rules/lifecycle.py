"""Stage (the workflow people move) and status (derived from dates and events), kept apart.

Both are pure: the service loads the rows, these functions decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from contracts.contracts.rules.terms import Position


class Stage(StrEnum):
    draft = "draft"
    in_review = "in_review"
    approved = "approved"
    out_for_signature = "out_for_signature"
    signed = "signed"
    cancelled = "cancelled"


class Action(StrEnum):
    submit = "submit"
    approve = "approve"
    return_to_draft = "return_to_draft"
    send_for_signature = "send_for_signature"
    recall = "recall"
    cancel = "cancel"


class Status(StrEnum):
    pending = "pending"
    active = "active"
    expiring = "expiring"
    terminating = "terminating"
    expired = "expired"
    terminated = "terminated"
    superseded = "superseded"


# stage -> {action: next stage}. ``signed`` is reached by signatures, never by an action.
TRANSITIONS: dict[Stage, dict[Action, Stage]] = {
    Stage.draft: {Action.submit: Stage.in_review, Action.cancel: Stage.cancelled},
    Stage.in_review: {
        Action.approve: Stage.approved,
        Action.return_to_draft: Stage.draft,
        Action.cancel: Stage.cancelled,
    },
    Stage.approved: {
        Action.send_for_signature: Stage.out_for_signature,
        Action.return_to_draft: Stage.draft,
        Action.cancel: Stage.cancelled,
    },
    Stage.out_for_signature: {Action.recall: Stage.draft, Action.cancel: Stage.cancelled},
    Stage.signed: {},
    Stage.cancelled: {},
}

OPEN_STAGES = frozenset({Stage.draft, Stage.in_review, Stage.approved, Stage.out_for_signature})
IN_FORCE = frozenset({Status.active, Status.expiring, Status.terminating})
FINAL = frozenset({Status.expired, Status.terminated, Status.superseded})


def allowed_actions(stage: Stage) -> list[Action]:
    return list(TRANSITIONS[stage])


def next_stage(stage: Stage, action: Action) -> Stage | None:
    """The stage ``action`` leads to, or None when it is not allowed from ``stage``."""
    return TRANSITIONS[stage].get(action)


@dataclass(frozen=True)
class StatusFacts:
    """What status depends on besides the term position."""

    signed: bool
    termination_requested: bool = False
    superseded_on: date | None = None
    reminder_lead_days: int = 0


def derive_status(facts: StatusFacts, pos: Position) -> Status | None:
    """Status on ``pos.on``; None while the contract is not signed (it has no status yet).

    ``expiring`` means the notice window is open: from ``reminder_lead_days`` before the
    notice deadline up to the deadline while the term would still renew, or up to the end
    when this is the final period.
    """
    if not facts.signed:
        return None
    if facts.superseded_on is not None and pos.on >= facts.superseded_on:
        return Status.superseded
    if pos.ended:  # checked first: a termination may take effect before the start
        return Status.terminated if facts.termination_requested else Status.expired
    if not pos.started:
        return Status.pending
    if facts.termination_requested:
        return Status.terminating
    if pos.notice_deadline is not None:
        window_opens = pos.notice_deadline - timedelta(days=facts.reminder_lead_days)
        window_closes = pos.notice_deadline if pos.will_renew else pos.period_end
        if window_closes is not None and window_opens <= pos.on <= window_closes:
            return Status.expiring
    return Status.active
