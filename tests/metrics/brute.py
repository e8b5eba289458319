"""An independent brute-force computation of the figures, straight from record dicts, to
compare with what the API answers. Written from the spec, sharing no code with the service."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo


def when(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(record["enqueued_at"].replace("Z", "+00:00")).astimezone(UTC)


def latest(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the store should hold: per external id, the latest updated_at (later on a tie)."""
    held: dict[str, dict[str, Any]] = {}
    for r in records:
        old = held.get(r["external_id"])
        if old is None or r.get("updated_at", "") >= old.get("updated_at", ""):
            held[r["external_id"]] = r
    return list(held.values())


def decimal6(value: Fraction) -> str:
    """Round half up to 6 decimals, as a string like the API's."""
    scaled = value * 1_000_000
    sign = -1 if scaled < 0 else 1
    units = int(abs(scaled) + Fraction(1, 2)) * sign
    text = f"{abs(units) // 1_000_000}.{abs(units) % 1_000_000:06d}"
    return ("-" if units < 0 else "") + text


def fig(num: int, den: int, scale: int = 1) -> dict[str, Any]:
    return {
        "value": None if den == 0 else decimal6(Fraction(num * scale, den)),
        "numerator": num,
        "denominator": den,
    }


def handle(r: dict[str, Any]) -> int:
    return r["talk_seconds"] + r["hold_seconds"] + r["acw_seconds"]


def service_level(
    rs: list[dict[str, Any]],
    threshold: int,
    variant: str,
    *,
    strict: bool = False,
    short: int = 0,
    flow_outs: bool = False,
) -> dict[str, Any]:
    def within(r: dict[str, Any]) -> bool:
        return r["wait_seconds"] < threshold if strict else r["wait_seconds"] <= threshold

    a = [r for r in rs if r["outcome"] == "answered"]
    ab = [r for r in rs if r["outcome"] == "abandoned"]
    f = [r for r in rs if r["outcome"] == "flow_out"]
    ai = sum(1 for r in a if within(r))
    abi = sum(1 for r in ab if within(r))
    abs_ = sum(1 for r in ab if r["wait_seconds"] <= short) if short > 0 else 0
    num, den = {
        "answered_over_offered": (ai, len(a) + len(ab) - abs_),
        "answered_over_answered": (ai, len(a)),
        "abandons_within_threshold_met": (ai + abi, len(a) + len(ab)),
        "abandons_within_threshold_ignored": (ai, len(a) + len(ab) - abi),
    }[variant]
    if flow_outs:
        den += len(f)
    return fig(num, den)


def metrics(rs: list[dict[str, Any]], short: int = 0) -> dict[str, dict[str, Any]]:
    a = [r for r in rs if r["outcome"] == "answered"]
    ab = [r for r in rs if r["outcome"] == "abandoned"]
    abs_ = sum(1 for r in ab if r["wait_seconds"] <= short) if short > 0 else 0
    csat = [r["csat"] for r in rs if r.get("csat") is not None]
    nps = [r["nps"] for r in rs if r.get("nps") is not None]
    known = [r for r in rs if r.get("resolved") is not None]
    return {
        "asa": fig(sum(r["wait_seconds"] for r in a), len(a)),
        "average_abandon_time": fig(sum(r["wait_seconds"] for r in ab), len(ab)),
        "aht": fig(sum(handle(r) for r in a), len(a)),
        "abandonment_rate": fig(len(ab) - abs_, len(a) + len(ab) - abs_),
        "fcr": fig(sum(1 for r in known if r["resolved"]), len(known)),
        "csat_mean": fig(sum(csat), len(csat)),
        "csat_top2": fig(sum(1 for c in csat if c >= 4), len(csat)),
        "nps": fig(
            sum(1 for n in nps if n >= 9) - sum(1 for n in nps if n <= 6), len(nps), scale=100
        ),
        "transfer_rate": fig(sum(1 for r in rs if r.get("transferred")), len(a)),
        # From QA evaluations, not contact records: none here (the evaluations' own tests
        # compute it, tests/metrics/evaluations/test_quality_kpi.py).
        "quality_score": fig(0, 0),
    }


def local_bucket(ts: datetime, granularity: str, tz: ZoneInfo) -> datetime:
    local = ts.astimezone(tz)
    if granularity == "15min":
        return ts.replace(minute=ts.minute - ts.minute % 15, second=0, microsecond=0)
    if granularity == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    d: date = local.date()
    if granularity == "week":
        d -= timedelta(days=d.weekday())
    if granularity == "month":
        d = d.replace(day=1)
    return datetime(d.year, d.month, d.day, tzinfo=tz)


def group(
    rs: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]
) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r in rs:
        out[key(r)].append(r)
    return out


HANDLING = ("on_contact", "after_contact_work")


def instant(text: str | datetime) -> datetime:
    if isinstance(text, datetime):
        return text.astimezone(UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def occupancy(
    spans: Iterable[dict[str, Any]],
    *,
    start: datetime,
    end: datetime,
    bucket: Callable[[datetime], Any] = lambda ts: None,
    queues: Iterable[str] = (),
    channels: Iterable[str] = (),
    group_by: str | None = None,
    counts: Callable[[datetime], bool] = lambda ts: True,
) -> dict[tuple[Any, Any], tuple[int, int]]:
    """Seconds of (handling, available) per (bucket, group), second by second: an agent's
    second counts as handling in a group if a handling span of the group covers it, else as
    available if an available span of the group covers it and no handling span of the agent
    (in any queue) does. Filters and queue/channel groups admit only spans naming them."""
    queues, channels = set(queues), set(channels)
    by_agent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in spans:
        if s["state"] in (*HANDLING, "available"):
            by_agent[s["agent"]].append(s)
    totals: dict[tuple[Any, Any], list[int]] = defaultdict(lambda: [0, 0])
    for agent, mine in by_agent.items():
        seconds: set[int] = set()
        for s in mine:
            a = max(instant(s["started_at"]), start)
            b = min(instant(s["ended_at"]), end)
            seconds.update(range(int(a.timestamp()), int(b.timestamp())))
        for second in sorted(seconds):
            ts = datetime.fromtimestamp(second, UTC)
            if not counts(ts):
                continue
            covering = [s for s in mine if instant(s["started_at"]) <= ts < instant(s["ended_at"])]
            busy = any(s["state"] in HANDLING for s in covering)
            handling: set[Any] = set()
            available: set[Any] = set()
            for s in covering:
                if queues and s.get("queue") not in queues:
                    continue
                if channels and s.get("channel") not in channels:
                    continue
                if group_by == "agent":
                    group = agent
                elif group_by is not None:
                    group = s.get(group_by)
                    if group is None:
                        continue
                else:
                    group = None
                (handling if s["state"] in HANDLING else available).add(group)
            for group in handling:
                totals[(bucket(ts), group)][0] += 1
            if not busy:
                for group in available:
                    totals[(bucket(ts), group)][1] += 1
    return {key: (h, a) for key, (h, a) in totals.items()}
