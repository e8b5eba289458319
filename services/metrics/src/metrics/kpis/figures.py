"""The definitions of every metric, as pure functions of summed counts.

Each figure carries its numerator and denominator; an empty denominator is "no data" (value
None), never 0 % or 100 %. Ratios over long windows come from summed numerators and
denominators, never from averaging shorter ones: callers add ``Sums`` and then compute.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

QUANTUM = Decimal("0.000001")


class Variant(StrEnum):
    answered_over_offered = "answered_over_offered"
    answered_over_answered = "answered_over_answered"
    abandons_within_threshold_met = "abandons_within_threshold_met"
    abandons_within_threshold_ignored = "abandons_within_threshold_ignored"


@dataclass
class Sums:
    """What a set of contacts sums to. ``answered_le[k]`` / ``abandoned_le[k]`` count the
    answered / abandoned contacts that waited at most k seconds, for the k asked for."""

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
    answered_le: dict[int, int] = field(default_factory=dict)
    abandoned_le: dict[int, int] = field(default_factory=dict)

    def add(self, other: Sums) -> Sums:
        # Every scalar field, spelled out (a loop over SCALAR_FIELDS with getattr and setattr
        # is four times slower, and slices are summed by the thousand); a test checks all are.
        self.contacts += other.contacts
        self.answered += other.answered
        self.abandoned += other.abandoned
        self.flow_outs += other.flow_outs
        self.wait_answered += other.wait_answered
        self.wait_abandoned += other.wait_abandoned
        self.handle_seconds += other.handle_seconds
        self.handle_units_6 += other.handle_units_6
        self.handle_units_60 += other.handle_units_60
        self.transferred += other.transferred
        self.fcr_resolved += other.fcr_resolved
        self.fcr_known += other.fcr_known
        self.csat_responses += other.csat_responses
        self.csat_sum += other.csat_sum
        self.csat_top2 += other.csat_top2
        self.nps_responses += other.nps_responses
        self.nps_promoters += other.nps_promoters
        self.nps_detractors += other.nps_detractors
        for k, v in other.answered_le.items():
            self.answered_le[k] = self.answered_le.get(k, 0) + v
        for k, v in other.abandoned_le.items():
            self.abandoned_le[k] = self.abandoned_le.get(k, 0) + v
        return self

    @property
    def offered(self) -> int:
        return self.answered + self.abandoned + self.flow_outs

    def answered_within(self, seconds: int) -> int:
        return _read(self.answered_le, seconds)

    def abandoned_within(self, seconds: int) -> int:
        return _read(self.abandoned_le, seconds)

    def short_abandons(self, short_abandon_seconds: int) -> int:
        """Abandons with wait <= S; S = 0 means no short-abandon rule (none are short)."""
        return self.abandoned_within(short_abandon_seconds) if short_abandon_seconds > 0 else 0


def _read(counts: dict[int, int], seconds: int) -> int:
    """Counts at a bound; no bounds at all means no contacts (a missing bound is a bug)."""
    if seconds < 0 or not counts:
        return 0
    return counts[seconds]


SCALAR_FIELDS = tuple(f.name for f in fields(Sums) if f.name not in ("answered_le", "abandoned_le"))


@dataclass(frozen=True)
class Figure:
    value: Decimal | None
    # A count (or seconds) for every metric but quality_score, whose numerator is a sum of
    # scores with two decimals.
    numerator: int | Decimal
    denominator: int

    @property
    def numerator_json(self) -> int | str:
        """The numerator as JSON carries it: an integer, or a decimal as a string."""
        return str(self.numerator) if isinstance(self.numerator, Decimal) else self.numerator

    def as_dict(self) -> dict[str, object]:
        return {
            "value": None if self.value is None else str(self.value),
            "numerator": self.numerator_json,
            "denominator": self.denominator,
        }


def ratio(numerator: int | Decimal, denominator: int, scale: int = 1) -> Figure:
    if denominator == 0:
        return Figure(None, numerator, denominator)
    value = (Decimal(numerator * scale) / Decimal(denominator)).quantize(QUANTUM, ROUND_HALF_UP)
    return Figure(value, numerator, denominator)


def inclusive(threshold_seconds: int, strict: bool) -> int:
    """Waits are whole seconds: "< T" is "<= T - 1"."""
    return threshold_seconds - 1 if strict else threshold_seconds


def service_level_counts(
    s: Sums,
    threshold_seconds: int,
    *,
    strict: bool = False,
    variant: Variant = Variant.answered_over_offered,
    short_abandon_seconds: int = 0,
    include_flow_outs: bool = False,
) -> tuple[int, int]:
    """(numerator, denominator) of ``service_level``: what it is a ratio of."""
    t = inclusive(threshold_seconds, strict)
    ai, abi = s.answered_within(t), s.abandoned_within(t)
    a, ab = s.answered, s.abandoned
    if variant is Variant.answered_over_offered:
        numerator, denominator = ai, a + ab - s.short_abandons(short_abandon_seconds)
    elif variant is Variant.answered_over_answered:
        numerator, denominator = ai, a
    elif variant is Variant.abandons_within_threshold_met:
        numerator, denominator = ai + abi, a + ab
    else:
        numerator, denominator = ai, a + ab - abi
    if include_flow_outs:
        denominator += s.flow_outs
    return numerator, denominator


def service_level(
    s: Sums,
    threshold_seconds: int,
    *,
    strict: bool = False,
    variant: Variant = Variant.answered_over_offered,
    short_abandon_seconds: int = 0,
    include_flow_outs: bool = False,
) -> Figure:
    return ratio(
        *service_level_counts(
            s,
            threshold_seconds,
            strict=strict,
            variant=variant,
            short_abandon_seconds=short_abandon_seconds,
            include_flow_outs=include_flow_outs,
        )
    )


def abandonment_rate_counts(s: Sums, short_abandon_seconds: int = 0) -> tuple[int, int]:
    short = s.short_abandons(short_abandon_seconds)
    return s.abandoned - short, s.answered + s.abandoned - short


def abandonment_rate(s: Sums, short_abandon_seconds: int = 0) -> Figure:
    return ratio(*abandonment_rate_counts(s, short_abandon_seconds))


def asa(s: Sums) -> Figure:
    return ratio(s.wait_answered, s.answered)


def average_abandon_time(s: Sums) -> Figure:
    return ratio(s.wait_abandoned, s.abandoned)


def aht(s: Sums) -> Figure:
    return ratio(s.handle_seconds, s.answered)


def fcr(s: Sums) -> Figure:
    return ratio(s.fcr_resolved, s.fcr_known)


def csat_mean(s: Sums) -> Figure:
    return ratio(s.csat_sum, s.csat_responses)


def csat_top2(s: Sums) -> Figure:
    return ratio(s.csat_top2, s.csat_responses)


def nps_counts(s: Sums) -> tuple[int, int]:
    return s.nps_promoters - s.nps_detractors, s.nps_responses


def nps(s: Sums) -> Figure:
    return ratio(*nps_counts(s), scale=100)


def transfer_rate(s: Sums) -> Figure:
    return ratio(s.transferred, s.answered)


def occupancy(handle_seconds: int, idle_seconds: int) -> Figure:
    return ratio(handle_seconds, handle_seconds + idle_seconds)


def quality_score(score_sum: Decimal, evaluations: int) -> Figure:
    """The mean QA score (points 0..100) of the evaluations: their sum over their number."""
    return ratio(score_sum, evaluations)


def thresholds_needed(
    thresholds: Iterable[tuple[int, bool]], short_abandon_seconds: Iterable[int]
) -> set[int]:
    """The inclusive wait bounds the counts must be read at."""
    needed = {inclusive(t, strict) for t, strict in thresholds}
    needed |= {s for s in short_abandon_seconds if s > 0}
    return {k for k in needed if k >= 0}
