"""SLA risk while the period can still be saved: each service level month to date, the rest of
the period forecast from the contract's own history, the projected period-end value with the
probability the level is met, and what recovery takes.

The month-to-date figures are the SLA report's own evaluation over the contacts enqueued
before ``observed_until``: at the end of the period they are the report's figures.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from metrics.kpis.figures import Sums
from metrics.risk import forecast as fc
from metrics.risk.recovery import Outlook, Recovery, bound, meets, recover
from metrics.risk.schemas import (
    ForecastSummary,
    IntervalForecast,
    IntervalStaffing,
    LevelRisk,
    MonthToDate,
    RecoveryRead,
    RecoveryStaffing,
    RiskStatus,
    SlaRiskRead,
)
from metrics.sla.evaluate import (
    DAY_KEYS,
    Slice,
    counter,
    evaluate,
    in_business_hours,
    windows,
)
from metrics.sla.service import SlaService, reported_version
from metrics.staffing import erlang, erlang_a
from metrics.timeutil import local_midnight, month_bounds
from shared.auth import Principal

MODEL = "seasonal_weekday_quarter_hour"
MODEL_EXPLANATION = (
    f"Each remaining quarter hour is expected to bring the mean of the same weekday and quarter "
    f"hour over the last {fc.HISTORY_WEEKS} weeks of this contract (holidays left out; a "
    "holiday ahead is forecast as a Sunday, or closed for levels counting business hours), "
    "each quarter hour performing as it did in those weeks (a busy Monday morning that "
    "misses its target weighs as such) on a typical day: scaled to the rate of the median "
    "day, since an incident in the history (a day short of agents) is not forecastable. "
    "Contact-center traffic repeats by week, so this beats taking month to date as final "
    "whenever the days left are not an average sample of the week; the band is the spread "
    "across those weeks."
)
ON_TRACK = 0.8  # probability at or above which a reachable level is on track
DRAWS = 2_000

# What one unit of a level's denominator can add to its numerator (None: unbounded) and the
# figure's scale: a contact answered in time or not, a wait of any length, a score of 1..5.
UNITS: dict[str, tuple[int, int, int | None]] = {
    "service_level": (1, 0, 1),
    "abandonment_rate": (1, 0, 1),
    "fcr": (1, 0, 1),
    "transfer_rate": (1, 0, 1),
    "asa": (1, 0, None),
    "aht": (1, 0, None),
    "nps": (100, -1, 1),
}
# Not projected (month to date only): occupancy is agent activity, not contacts, and
# quality_score sums QA evaluations (decimal scores), not contact slices.


def units_of(sl: Mapping[str, Any]) -> tuple[int, int, int | None] | None:
    if sl["metric"] == "csat":
        return (1, 0, 1) if sl.get("csat_mode") == "top2" else (1, 1, 5)
    return UNITS.get(sl["metric"])


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    start: datetime
    end: datetime
    tz: ZoneInfo
    hours: Mapping[str, Sequence[Sequence[str]]]
    holidays: set[date]


class Shared:
    """What the levels of one projection share, computed once for all of them: each slice's
    local day, quarter hour and business-hours admission (per slice start), and the slices
    each distinct filter (queues, channels, business hours) admits."""

    def __init__(self, span: Period) -> None:
        self.span = span
        self._local: dict[datetime, tuple[date, int, bool]] = {}
        self._admitted: dict[tuple[int, tuple[Any, ...]], list[tuple[date, int, Sums]]] = {}
        self._held: list[Sequence[Slice]] = []  # keeps the ids of the keys alive
        self.inside: dict[datetime, bool] = {}  # a local quarter hour inside business hours

    def local(self, start: datetime) -> tuple[date, int, bool]:
        """(local day, quarter hour, inside business hours) of a slice start."""
        at = self._local.get(start)
        if at is None:
            local = start.astimezone(self.span.tz)
            inside = in_business_hours(local, self.span.hours, self.span.holidays)
            at = self._local[start] = (local.date(), fc.slot_of(local), inside)
        return at

    def admitted(
        self, sl: Mapping[str, Any], pieces: Sequence[Slice]
    ) -> list[tuple[date, int, Sums]]:
        """(local day, quarter hour, sums) of the slices of ``pieces`` the level's filters
        admit (the SLA report's: queues, channels and business hours), in their order."""
        queues, channels = tuple(sl.get("queues") or ()), tuple(sl.get("channels") or ())
        business_only = bool(sl.get("business_hours_only"))
        key = (id(pieces), (queues, channels, business_only))
        found = self._admitted.get(key)
        if found is not None:
            return found
        known = self._local
        out = []
        for piece in pieces:
            if queues and piece.queue not in queues:
                continue
            if channels and piece.channel not in channels:
                continue
            at = known.get(piece.start) or self.local(piece.start)
            if business_only and not at[2]:
                continue
            out.append((at[0], at[1], piece.sums))
        self._held.append(pieces)
        self._admitted[key] = out
        return out


class RiskService:
    def __init__(self, sla: SlaService) -> None:
        self.sla = sla

    async def risk(
        self,
        principal: Principal,
        contract_id: uuid.UUID,
        period: str,
        as_of: datetime,
        *,
        staffing: bool = False,
    ) -> SlaRiskRead:
        utc_first, utc_last, _, _ = month_bounds(period, ZoneInfo("UTC"))
        history_from = utc_first - timedelta(weeks=fc.HISTORY_WEEKS + 1)
        # With the caller's token: another tenant's contract is a 404.
        terms = await self.sla.contracts.service_terms(
            contract_id, history_from, utc_last, token=principal.token
        )
        tz = ZoneInfo(terms["time_zone"])
        version, first, last, start, end = reported_version(terms, contract_id, period, tz)
        hours = version.get("hours") or {d: [["00:00", "24:00"]] for d in DAY_KEYS}
        holidays = {date.fromisoformat(h) for h in version.get("holidays") or ()}
        span = Period(first, last, start, end, tz, hours, holidays)
        cut = min(max(fc.floor_to_slot(as_of), start), end)

        observed: list[Slice] = []
        activity: list[Mapping[str, Any]] = []
        evaluations: list[Mapping[str, Any]] = []
        if cut > start:
            inputs = await self.sla.read_slices(contract_id, version, tz, start, cut)
            observed, activity, evaluations = inputs.slices, inputs.activity, inputs.evaluations
        month_to_date = evaluate(
            version,
            slices=observed,
            tz=tz,
            first=first,
            last=last,
            activity=activity,
            evaluations=evaluations,
        )
        began = min(date.fromisoformat(v["effective_from"]) for v in terms["versions"])
        history_start = max(cut - timedelta(weeks=fc.HISTORY_WEEKS), local_midnight(began, tz))
        history: list[Slice] = []
        if history_start <= start:
            # Month to date is the history's end (slices come by time, split at a midnight):
            # only the weeks before it are read again.
            if start > history_start:
                history = (
                    await self.sla.read_slices(contract_id, version, tz, history_start, start)
                ).slices
            history += observed
        elif cut > history_start:
            history = (
                await self.sla.read_slices(contract_id, version, tz, history_start, cut)
            ).slices
        history_days = _whole_days(history_start, cut, tz, holidays)
        seed = f"{contract_id}:{period}:{cut.isoformat()}"

        shared = Shared(span)
        levels = []
        for sl, mtd in zip(version.get("service_levels") or (), month_to_date, strict=True):
            levels.append(
                level_risk(
                    sl,
                    mtd,
                    observed,
                    history,
                    history_days,
                    span,
                    cut,
                    seed,
                    staffing=staffing,
                    shared=shared,
                )
            )
        offered = fc.learn(_offered(history, shared), history_days)
        rest = fc.rest_of_period(offered, cut, end, tz, holidays=holidays, closed=_open)
        intervals = [
            IntervalForecast(start=s.start, expected_contacts=round(s.expected, 3)) for s in rest
        ]
        client_id = terms.get("client_id")
        return SlaRiskRead(
            contract_id=contract_id,
            client_id=uuid.UUID(client_id) if client_id else None,
            period=period,
            time_zone=tz.key,
            as_of=as_of,
            observed_until=cut,
            contract_version=int(version["version"]),
            model=MODEL,
            model_explanation=MODEL_EXPLANATION,
            history_days=len(history_days),
            levels=levels,
            intervals=intervals,
            contacts_expected=round(sum(s.expected for s in rest), 3),
        )


def level_risk(
    sl: Mapping[str, Any],
    mtd: Mapping[str, Any],
    observed: Sequence[Slice],
    history: Sequence[Slice],
    history_days: list[date],
    span: Period,
    cut: datetime,
    seed: str,
    *,
    staffing: bool = False,
    shared: Shared | None = None,
) -> LevelRisk:
    """One service level's risk: month to date, forecast, projection, probability, recovery
    and status. Pure: it reads what it is given (the backtest calls it on simulated months);
    ``shared``: what the other levels of the same projection computed (the same figures
    either way, only faster with it)."""
    target, direction = Decimal(str(sl["target"])), sl.get("direction") or "at_least"
    base = {
        "key": sl["key"],
        "metric": sl["metric"],
        "target": str(target),
        "direction": direction,
        "window": sl.get("window") or "month",
        "threshold_seconds": sl.get("threshold_seconds"),
        "pool_share": None if sl.get("pool_share") is None else str(sl["pool_share"]),
        "critical": bool(sl.get("critical")),
        "month_to_date": MonthToDate(
            value=None if mtd["measured"] is None else Decimal(mtd["measured"]),
            numerator=mtd["numerator"],
            denominator=mtd["denominator"],
        ),
    }
    units = units_of(sl)
    if units is None:
        return LevelRisk(
            **base,
            forecast=None,
            projected_value=None,
            probability_met=None,
            recovery=None,
            status=RiskStatus.not_projected,
        )
    scale, low, high = units

    if shared is None:
        shared = Shared(span)
    count = counter(sl)
    profile = fc.learn(_cells(count, shared.admitted(sl, history)), history_days)
    observed_counts = [(day, count(sums)) for day, _, sums in shared.admitted(sl, observed)]

    business_only = bool(sl.get("business_hours_only"))
    inside = shared.inside

    def closed(local: datetime) -> bool:
        if not business_only:
            return False
        held = inside.get(local)
        if held is None:
            held = inside[local] = in_business_hours(local, span.hours, span.holidays)
        return not held

    rng = random.Random(f"{seed}:{sl['key']}")  # noqa: S311 (a simulation)
    probability = 1.0
    open_recovery: RecoveryRead | None = None
    outlooks: list[Outlook] = []
    total_n = total_d = 0
    total_rest = total_low = total_high = total_rest_numerator = 0.0
    rate = profile.rate
    # The rest performs as a typical day of the history in each of its quarter hours: the
    # history's mix of busy and quiet hours, at the median day's rate. An incident (a day
    # short of agents) is not forecastable, and taking its share of the history as the rest's
    # would move the projection by how many of them the last weeks happened to hold.
    typical = 1.0
    if rate and profile.typical_rate is not None:
        typical = profile.typical_rate / rate
    for first, last in windows(sl.get("window") or "month", span.first, span.last):
        w_start = local_midnight(first, span.tz)
        w_end = local_midnight(last + timedelta(days=1), span.tz)
        n = d = 0
        for day, (numerator, denominator) in observed_counts:
            if first <= day <= last:
                n, d = n + numerator, d + denominator
        rest_slots = fc.rest_of_period(
            profile, max(cut, w_start), w_end, span.tz, holidays=span.holidays, closed=closed
        )
        expected, band_low, band_high = fc.band(rest_slots)
        rest_numerator = sum(s.numerator for s in rest_slots) * typical
        total_rest_numerator += rest_numerator
        total_n, total_d = total_n + n, total_d + d
        total_rest, total_low, total_high = (
            total_rest + expected,
            total_low + band_low,
            total_high + band_high,
        )
        rest = round(expected)
        if d == 0 and rest == 0:
            continue  # no contacts in the window, none expected: no data, not a miss
        if rest_slots:
            got = recover(
                n, d, rest, target=target, direction=direction, scale=scale, low=low, high=high
            )
        else:  # the window is over: judged as the report judges it
            met = meets(n, d, scale, target, direction)
            got = Recovery(Outlook.secured if met else Outlook.unreachable, None, None)
        outlooks.append(got.outlook)
        # The rest performs as its quarter hours did in the history (their mix of busy and
        # quiet hours), else as the history overall, else as month to date.
        window_rate = rest_numerator / expected if expected > 0 else rate
        if window_rate is None and d:
            window_rate = n / d
        probability *= _probability(
            n, d, expected, math.sqrt(sum(s.variance for s in rest_slots)), window_rate,
            profile, target, direction, scale, low, high, rng,
        )  # fmt: skip
        if rest_slots and open_recovery is None:
            open_recovery = RecoveryRead(
                window_start=first,
                window_end=last,
                outlook=got.outlook.value,
                needed=got.needed,
                expected_rest=rest,
                rest_must_reach=got.rest_must_reach,
                staffing=recovery_staffing(
                    sl, got, rest_slots, (sums for _, _, sums in shared.admitted(sl, history))
                )
                if staffing
                else None,
            )
    projected = None
    if total_d + total_rest > 0:
        value = scale * (total_n + total_rest_numerator) / (total_d + total_rest)
        projected = Decimal(str(value)).quantize(Decimal("0.000001"))
    if not outlooks or (total_d == 0 and rate is None):
        status = RiskStatus.not_projected  # no data, none expected
    elif Outlook.unreachable in outlooks:
        status = RiskStatus.lost
    elif all(o is Outlook.secured for o in outlooks):
        status = RiskStatus.secured
    else:
        status = RiskStatus.on_track if probability >= ON_TRACK else RiskStatus.at_risk
    return LevelRisk(
        **base,
        forecast=ForecastSummary(
            expected_denominator=round(total_rest, 3),
            low=round(total_low, 3),
            high=round(total_high, 3),
            expected_rate=round(total_rest_numerator / total_rest, 6) if total_rest > 0 else None,
        ),
        projected_value=projected,
        probability_met=round(probability, 4),
        recovery=open_recovery,
        status=status,
    )


def recovery_staffing(
    sl: Mapping[str, Any],
    got: Recovery,
    rest_slots: Sequence[fc.SlotForecast],
    history: Iterable[Sums],
) -> RecoveryStaffing | None:
    """The agents each remaining quarter hour needs for its service level to reach what the
    rest must: Erlang C, and Erlang A with the callers' patience seen in the history (waits
    over abandons, the maximum-likelihood estimate for exponential patience)."""
    if sl["metric"] != "service_level" or got.outlook is not Outlook.reachable:
        return None
    if got.rest_must_reach is None or not 0 < got.rest_must_reach < 1:
        return None
    total = Sums()
    for sums in history:
        total.add(sums)
    if not total.answered or not total.abandoned:
        return None  # no handle time or no patience to go by
    aht = total.handle_seconds / total.answered
    patience = (total.wait_answered + total.wait_abandoned) / total.abandoned
    threshold = int(sl["threshold_seconds"])
    target = float(got.rest_must_reach)
    seconds = fc.SLOT.total_seconds()

    @lru_cache(maxsize=4096)
    def agents(volume: float) -> tuple[int, int]:
        traffic = erlang.traffic_erlangs(volume, aht, seconds)
        c = erlang.required_agents(traffic, aht, target_service_level=target, threshold=threshold)
        a = erlang_a.required_agents(
            traffic, aht, target_service_level=target, threshold=threshold, patience=patience
        )
        return c.agents, a.agents

    intervals = []
    for slot in rest_slots:
        if slot.expected <= 0:
            continue
        volume = round(slot.expected, 2)
        c_agents, a_agents = agents(volume)
        intervals.append(
            IntervalStaffing(
                start=slot.start,
                expected_contacts=volume,
                erlang_c_agents=c_agents,
                erlang_a_agents=a_agents,
            )
        )
    return RecoveryStaffing(
        target_service_level=got.rest_must_reach,
        threshold_seconds=threshold,
        aht_seconds=round(aht, 3),
        patience_seconds=round(patience, 3),
        intervals=intervals,
    )


def _open(_: datetime) -> bool:
    return False


def _cells(
    count: Callable[[Sums], tuple[int, int]], admitted: Iterable[tuple[date, int, Sums]]
) -> fc.Observed:
    """The level's (numerator, denominator) per local (day, quarter hour) of the history: the
    sums of each slice's, in the order the cells first come (as ``fc.Observed.add`` keeps
    them)."""
    observed = fc.Observed()
    cells = observed.cells
    for day, slot, sums in admitted:
        n, d = count(sums)
        held = cells.get((day, slot))
        cells[(day, slot)] = (n, d) if held is None else (held[0] + n, held[1] + d)
    return observed


def _offered(history: Sequence[Slice], shared: Shared) -> fc.Observed:
    observed = fc.Observed()
    for piece in history:
        day, slot, _ = shared.local(piece.start)
        observed.add(day, slot, 0, piece.sums.offered)
    return observed


def _whole_days(start: datetime, end: datetime, tz: ZoneInfo, holidays: set[date]) -> list[date]:
    """The local days wholly between two instants, holidays left out."""
    first = start.astimezone(tz).date()
    if local_midnight(first, tz) < start:
        first += timedelta(days=1)
    last = end.astimezone(tz).date() - timedelta(days=1)
    days = []
    while first <= last:
        if first not in holidays:
            days.append(first)
        first += timedelta(days=1)
    return days


def _probability(
    n: int,
    d: int,
    expected: float,
    sigma: float,
    rate: float | None,
    profile: fc.Profile,
    target: Decimal,
    direction: str,
    scale: int,
    low: int,
    high: int | None,
    rng: random.Random,
) -> float:
    """P(the window meets its target): the rest's volume and rate drawn from the forecast's
    normal approximations (fixed seed: the same question gets the same answer)."""
    limit = float(bound(target, direction))
    if expected <= 0 or rate is None:  # nothing more to expect: the window stands as it is
        return 1.0 if meets(n, d, scale, target, direction) else 0.0
    # The draws as ``fc.rest_rate_variance`` and ``rng.gauss`` make them, with the loop's
    # invariants bound once: the same numbers in the same order.
    gauss, sqrt = rng.gauss, math.sqrt
    per_day = profile.rate_variance_per_day * profile.daily_volume
    spread_of = profile.daily_volume > 0
    at_least = direction == "at_least"
    met = 0
    for _ in range(DRAWS):
        rest = max(0.0, gauss(expected, sigma))
        spread = sqrt(per_day / rest) if rest > 0 and spread_of else 0.0
        drawn = gauss(rate, spread)
        drawn = max(low, drawn if high is None else min(high, drawn))
        total = d + rest
        if total <= 0:
            continue
        value = scale * (n + drawn * rest) / total
        met += value >= limit if at_least else value < limit
    return met / DRAWS
