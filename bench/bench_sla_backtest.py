"""Backtest of the SLA projection: how far from the month's final value the projected month-end
value is on day 5, 10 and 20, against the naive projection "month to date is the final value",
over simulated months.

    uv run python bench/bench_sla_backtest.py [--months 10] [--seed 3]

The months come from the demo's traffic generator (``contrato.demo.traffic``: an intraday
curve, weekday factors, business hours and holidays, square-root staffing cut on random bad
days, impatient callers), for a contract shaped like the demo's Acme SLA (voice and chat
queues, five service levels). Records go through the metrics service's own normalization and
rollup arithmetic into the quarter-hour slices the SLA report evaluates, and each projection is
computed by the same code as ``GET /v1/sla-projections`` (``metrics.risk``), with 8 weeks of
history before each cut-off. Printed per day of the month: the mean absolute error of both
projections over every level and month, as a share of the level's target (so seconds of ASA and
fractions of service level weigh alike), and their ratio (goal at day 10: <= 0.5), then the
time one contract's projection takes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from contrato.demo.seed import brazilian_holidays, service_levels, weekdays
from contrato.demo.traffic import ContractTraffic, QueueProfile, as_json, contact_records
from metrics.ingestion.normalize import normalize_contact
from metrics.kpis.figures import Sums
from metrics.risk.forecast import HISTORY_WEEKS
from metrics.risk.service import Period, Shared, level_risk
from metrics.rollups.deltas import rollup_deltas
from metrics.sla.evaluate import Slice, evaluate, thresholds_of
from metrics.timeutil import local_midnight
from shared.ids import uuid7

TZ = ZoneInfo("America/Sao_Paulo")
CONTRACT = "01938a52-0000-7000-8000-0000000000b7"
AT_MOST = {"asa", "abandonment_rate"}
DAYS = (5, 10, 20)


def month_starts(end: date, count: int) -> list[date]:
    """The first days of ``-count`` months up to ``end`` (a first of month) inclusive."""
    out = [end]
    for _ in range(-count):
        out.insert(0, (out[0] - timedelta(days=1)).replace(day=1))
    return out


def slices_of(records: list[dict[str, Any]], bounds: set[int]) -> list[Slice]:
    """The records as the rollups hold them: sums per quarter hour, queue and channel."""
    normalized = []
    for index, raw in enumerate(records):
        record = normalize_contact(index, as_json(raw), secret="x" * 16, new_id=uuid7)
        assert not isinstance(record, list), record
        normalized.append(record)
    out = []
    for (_, queue, channel, _, start), delta in rollup_deltas(normalized, []).items():
        sums = Sums(**delta.sums._asdict())
        sums.answered_le = {
            k: sum(c for w, c in delta.answered_waits.items() if w <= k) for k in bounds
        }
        sums.abandoned_le = {
            k: sum(c for w, c in delta.abandoned_waits.items() if w <= k) for k in bounds
        }
        out.append(Slice(start, queue, channel, sums))
    return sorted(out, key=lambda s: s.start)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--months", type=int, default=10, help="months projected")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    levels = service_levels("acme", chat=True)
    for sl in levels:
        sl["direction"] = "at_most" if sl["metric"] in AT_MOST else "at_least"
    hours = weekdays("08:00", "20:00", ("09:00", "15:00"))
    # The months projected are the last ones that have ended (so that no simulated contact lies
    # in the future, whatever the date), after enough history for the first of them.
    this_month = date.today().replace(day=1)
    starts = month_starts(this_month, -args.months)
    first_data = starts[0] - timedelta(weeks=HISTORY_WEEKS + 1)
    starts = [first_data, *starts]  # history from the first day
    last_day = this_month - timedelta(days=1)
    years = range(first_data.year, last_day.year + 1)
    holidays = frozenset(day for year in years for day in brazilian_holidays(year))
    rng = random.Random(args.seed)
    span_days = (last_day - first_data).days + 1
    # About one bad day a month (the demo has four in its quarter): unforeseeable by any model.
    bad_days = {
        first_data + timedelta(days=rng.randrange(span_days)): 0.55 for _ in range(span_days // 30)
    }
    traffic = ContractTraffic(
        CONTRACT, TZ.key, hours, holidays,
        (
            QueueProfile("acme-support", "voice", 600, 330, patience_seconds=80),
            QueueProfile("acme-sales", "voice", 150, 260, patience_seconds=60),
            QueueProfile("acme-chat", "chat", 300, 540, 0.5, 300, None, 0.95),
        ),
        bad_days=bad_days,
    )  # fmt: skip
    version = {
        "version": 1,
        "service_levels": levels,
        "hours": hours,
        "holidays": [d.isoformat() for d in sorted(holidays)],
    }
    started = time.perf_counter()
    records = list(contact_records(traffic, first_data, span_days, seed=args.seed))
    slices = slices_of(records, thresholds_of(levels))
    took = time.perf_counter() - started
    print(f"simulated {len(records):,} contacts over {span_days} days "
          f"({len(slices):,} quarter-hour slices) in {took:.1f} s")  # fmt: skip

    errors: dict[int, list[tuple[float, float]]] = {d: [] for d in DAYS}
    by_level: dict[tuple[int, str], list[tuple[float, float]]] = {}
    timings = []
    for first in starts[1:-1]:
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        last = following - timedelta(days=1)
        start, end = local_midnight(first, TZ), local_midnight(following, TZ)
        month = [s for s in slices if start <= s.start < end]
        final = evaluate(version, slices=month, tz=TZ, first=first, last=last)
        span = Period(first, last, start, end, TZ, hours, set(holidays))
        for day in DAYS:
            cut = local_midnight(first + timedelta(days=day), TZ)
            t0 = time.perf_counter()
            observed = [s for s in month if s.start < cut]
            history_start = cut - timedelta(weeks=HISTORY_WEEKS)
            history = [s for s in slices if history_start <= s.start < cut]
            history_days = [
                history_start.astimezone(TZ).date() + timedelta(days=n)
                for n in range(1, HISTORY_WEEKS * 7)
            ]
            history_days = [
                d for d in history_days if d not in holidays and d < cut.astimezone(TZ).date()
            ]
            mtd = evaluate(version, slices=observed, tz=TZ, first=first, last=last)
            shared = Shared(span)  # as the service shares them between a projection's levels
            for sl, so_far, result in zip(levels, mtd, final, strict=True):
                risk = level_risk(
                    sl, so_far, observed, history, history_days, span, cut, "bt", shared=shared
                )
                if result["measured"] is None or so_far["measured"] is None:
                    continue
                if risk.projected_value is None:
                    continue
                # Errors relative to the target: seconds of ASA and fractions of service
                # level weigh alike.
                truth, target = Decimal(result["measured"]), Decimal(sl["target"])
                pair = (
                    float(abs(risk.projected_value - truth) / target),
                    float(abs(Decimal(so_far["measured"]) - truth) / target),
                )
                errors[day].append(pair)
                by_level.setdefault((day, sl["key"]), []).append(pair)
            timings.append(time.perf_counter() - t0)

    print(f"{args.months} months projected, {len(levels)} service levels each")
    print(f"{'day':>4} {'projection error':>17} {'naive error':>12} {'ratio':>6}")
    for day in DAYS:
        ours = statistics.mean(e for e, _ in errors[day])
        naive = statistics.mean(n for _, n in errors[day])
        print(f"{day:>4} {ours:17.2%} {naive:12.2%} {ours / naive:6.2f}")
    for (day, key), pairs in sorted(by_level.items()):
        ours = statistics.mean(e for e, _ in pairs)
        naive = statistics.mean(n for _, n in pairs)
        print(f"{day:>4} {key:<20} {ours:8.2%} {naive:8.2%} {ours / naive if naive else 0:6.2f}")
    at_ten = statistics.mean(e for e, _ in errors[10]) / statistics.mean(n for _, n in errors[10])
    print(f"ratio at day 10: {at_ten:.2f} (goal <= 0.5)")
    print(f"one contract's projection (5 levels, 8 weeks of history, in memory): "
          f"p50 {1000 * statistics.median(timings):.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
