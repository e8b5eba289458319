"""The sums a rollup row keeps, by name, and one record's contribution to them."""

from __future__ import annotations

import operator
from typing import Any, NamedTuple


class RollupSums(NamedTuple):
    """The summed columns of a rollup row (``models.RollupColumns``, same names and order; a
    test checks they agree). Deltas are signed: a replaced or erased record subtracts."""

    contacts: int = 0
    answered: int = 0
    abandoned: int = 0
    flow_outs: int = 0
    wait_answered: int = 0
    wait_abandoned: int = 0
    handle_seconds: int = 0
    handle_units_6: int = 0
    handle_units_60: int = 0
    transferred: int = 0
    fcr_resolved: int = 0
    fcr_known: int = 0
    csat_responses: int = 0
    csat_sum: int = 0
    csat_top2: int = 0
    nps_responses: int = 0
    nps_promoters: int = 0
    nps_detractors: int = 0

    def plus(self, other: RollupSums) -> RollupSums:
        return tuple.__new__(RollupSums, map(operator.add, self, other))


# The summed columns of contact_rollup, in table order (the two histograms follow them).
ROLLUP_SUMS: tuple[str, ...] = RollupSums._fields

# What the rollups need to know of a record (``deltas.rollup_deltas`` reads these).
ROLLUP_FACTS = (
    "contract_id",
    "client_id",
    "queue",
    "channel",
    "direction",
    "enqueued_at",
    "outcome",
    "wait_seconds",
    "talk_seconds",
    "hold_seconds",
    "acw_seconds",
    "transferred",
    "resolved",
    "csat",
    "nps",
)


def contribution(r: Any) -> RollupSums:
    """The record's share of each sum (``r`` has the ROLLUP_FACTS attributes); the reference
    the batched ``deltas._group_delta`` must agree with."""
    answered = r.outcome == "answered"
    abandoned = r.outcome == "abandoned"
    handle = r.talk_seconds + r.hold_seconds + r.acw_seconds if answered else 0
    return RollupSums(
        contacts=1,
        answered=int(answered),
        abandoned=int(abandoned),
        flow_outs=int(r.outcome == "flow_out"),
        wait_answered=r.wait_seconds if answered else 0,
        wait_abandoned=r.wait_seconds if abandoned else 0,
        handle_seconds=handle,
        handle_units_6=-(-handle // 6),
        handle_units_60=-(-handle // 60),
        transferred=int(bool(r.transferred)),
        fcr_resolved=int(r.resolved is True),
        fcr_known=int(r.resolved is not None),
        csat_responses=int(r.csat is not None),
        csat_sum=r.csat or 0,
        csat_top2=int(r.csat is not None and r.csat >= 4),
        nps_responses=int(r.nps is not None),
        nps_promoters=int(r.nps is not None and r.nps >= 9),
        nps_detractors=int(r.nps is not None and r.nps <= 6),
    )
