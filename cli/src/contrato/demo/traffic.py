"""Believable contact-center traffic, deterministic from a seed.

Each queue is simulated as a multi-agent FIFO queue with impatient callers, interval by
interval: arrivals follow an intraday curve and weekday factors inside the contract's business
hours (holidays closed); the agents on shift come from square-root staffing scaled by a factor
(below 1 on purpose for some contracts and days, so service levels are missed); every caller
has a patience drawn at random and abandons when the wait exceeds it — so abandons grow with
waiting, as they do. Handle times are log-normal per channel.

The output is contact records in the metrics service's ingestion shape, plus agent activity
(per agent and hour: time on contacts and time available) for occupancy and agent hours.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
INTERVAL = timedelta(minutes=15)


@dataclass(frozen=True)
class QueueProfile:
    name: str
    channel: str = "voice"
    weekday_volume: float = 400.0  # contacts on an average weekday
    aht_seconds: float = 300.0  # mean handle time
    aht_spread: float = 0.45  # sigma of the log-normal handle time
    patience_seconds: float = 90.0  # mean patience before abandoning
    max_wait_seconds: float | None = 900.0  # flow-out (overflow/voicemail) past this wait
    staffing: float = 1.0  # 1.0 = square-root staffing for ~80/20; lower = understaffed


@dataclass(frozen=True)
class ContractTraffic:
    contract_id: str
    time_zone: str
    hours: dict[str, list[tuple[str, str]]]  # {"mon": [["08:00", "20:00"]], ...}
    holidays: frozenset[date]
    queues: tuple[QueueProfile, ...]
    # Days (in the contract's time zone) with staffing cut to this factor: sick-outs, storms.
    bad_days: dict[date, float] = field(default_factory=dict)


INTRADAY = [  # relative arrival rate by hour of the day (a morning and an afternoon peak)
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.3, 1.6, 1.7, 1.5,
    1.2, 1.3, 1.5, 1.5, 1.3, 1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2,
]  # fmt: skip
WEEKDAY_FACTOR = {
    "mon": 1.2,
    "tue": 1.05,
    "wed": 1.0,
    "thu": 0.95,
    "fri": 0.9,
    "sat": 0.5,
    "sun": 0.3,
}


def open_intervals(traffic: ContractTraffic, day: date) -> list[datetime]:
    """Starts (UTC) of the 15-minute intervals in the contract's hours on ``day``."""
    if day in traffic.holidays:
        return []
    zone = ZoneInfo(traffic.time_zone)
    starts = []
    for opens, closes in traffic.hours.get(WEEKDAYS[day.weekday()], []):
        start = datetime.combine(day, time.fromisoformat(opens), zone)
        end = (
            datetime.combine(day + timedelta(days=1), time(0), zone)
            if closes in ("24:00", "00:00")
            else datetime.combine(day, time.fromisoformat(closes), zone)
        )
        moment = start
        while moment < end:
            starts.append(moment.astimezone(UTC))
            moment += INTERVAL
    return starts


def agents_for(offered: float, aht: float, staffing: float) -> int:
    """Square-root staffing: traffic plus a safety margin, scaled by the staffing factor."""
    traffic = offered * aht / INTERVAL.total_seconds()
    if traffic <= 0:
        return 1
    return max(1, math.ceil((traffic + 0.7 * math.sqrt(traffic)) * staffing))


def simulate_queue_day(
    traffic: ContractTraffic, queue: QueueProfile, day: date, rng: random.Random
) -> Iterator[dict[str, Any]]:
    """One queue's contacts for one local day, in enqueue order."""
    intervals = open_intervals(traffic, day)
    if not intervals:
        return
    zone = ZoneInfo(traffic.time_zone)
    weights = [INTRADAY[start.astimezone(zone).hour] for start in intervals]
    day_volume = queue.weekday_volume * WEEKDAY_FACTOR[WEEKDAYS[day.weekday()]]
    day_volume *= rng.uniform(0.85, 1.15)
    staffing = queue.staffing * traffic.bad_days.get(day, 1.0)
    per_weight = day_volume / sum(weights)
    free_at: dict[int, float] = {}  # agent index -> when they are next free (epoch seconds)
    mu = math.log(queue.aht_seconds) - queue.aht_spread**2 / 2
    for start, weight in zip(intervals, weights, strict=True):
        expected = per_weight * weight
        staff = agents_for(expected, queue.aht_seconds, staffing)
        t0 = start.timestamp()
        pool = [(max(free_at.get(a, t0), t0), a) for a in range(staff)]
        heapq.heapify(pool)
        arrivals = sorted(
            t0 + rng.random() * INTERVAL.total_seconds() for _ in range(_poisson(rng, expected))
        )
        for arrived in arrivals:
            patience = rng.expovariate(1 / queue.patience_seconds)
            free, agent = pool[0]
            wait = max(0.0, free - arrived)
            if (
                queue.max_wait_seconds is not None
                and wait > queue.max_wait_seconds
                and patience > queue.max_wait_seconds
            ):
                yield _record(queue, arrived, queue.max_wait_seconds, None, 0, "flow_out", rng)
                continue
            if wait > patience:
                yield _record(queue, arrived, patience, None, 0, "abandoned", rng)
                continue
            handle = rng.lognormvariate(mu, queue.aht_spread)
            heapq.heapreplace(pool, (arrived + wait + handle, agent))
            free_at[agent] = arrived + wait + handle
            yield _record(queue, arrived, wait, agent, handle, "answered", rng)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 50:  # normal approximation, plenty for volumes this size
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    threshold, count, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _record(
    queue: QueueProfile,
    arrived: float,
    wait: float,
    agent: int | None,
    handle: float,
    outcome: str,
    rng: random.Random,
) -> dict[str, Any]:
    enqueued = datetime.fromtimestamp(arrived, UTC).replace(microsecond=0)
    wait_s = round(wait)
    record: dict[str, Any] = {
        "queue": queue.name,
        "channel": queue.channel,
        "direction": "inbound",
        "enqueued_at": enqueued,
        "wait_seconds": wait_s,
        "outcome": outcome,
        "customer": f"+55119{rng.randrange(10_000_000, 10_400_000)}",  # repeat callers happen
    }
    if outcome != "answered":
        record["ended_at"] = enqueued + timedelta(seconds=wait_s)
        return record
    handle_s = max(20, round(handle))
    acw = int(handle_s * rng.uniform(0.1, 0.25))
    hold = int(handle_s * 0.08) if rng.random() < 0.3 else 0
    talk = handle_s - acw - hold
    answered = enqueued + timedelta(seconds=wait_s)
    resolved_draw = rng.random()
    record.update(
        agent=f"{queue.name}-agent-{agent:03d}",
        answered_at=answered,
        ended_at=answered + timedelta(seconds=talk + hold),
        talk_seconds=talk,
        hold_seconds=hold,
        acw_seconds=acw,
        transferred=rng.random() < 0.06,
        resolved=True if resolved_draw < 0.72 else (False if resolved_draw < 0.9 else None),
    )
    if rng.random() < 0.25:  # survey answered; long waits make unhappier customers
        mood = 4.6 - min(2.5, wait_s / 120)
        record["csat"] = min(5, max(1, round(rng.gauss(mood, 0.8))))
    if rng.random() < 0.15:
        record["nps"] = min(10, max(0, round(rng.gauss(8.2 - min(4, wait_s / 90), 1.8))))
    return record


def contact_records(
    traffic: ContractTraffic, first_day: date, days: int, seed: int
) -> Iterator[dict[str, Any]]:
    """Every contact of ``days`` local days from ``first_day``, with stable external ids."""
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for queue in traffic.queues:
            # Keyed by the queue (unique across contracts), not the contract's id, which is new
            # on every install: the same seed gives the same traffic everywhere.
            rng = random.Random(f"{seed}:{queue.name}:{day.isoformat()}")
            for number, record in enumerate(simulate_queue_day(traffic, queue, day, rng)):
                record["external_id"] = f"{queue.name}-{day:%Y%m%d}-{number:05d}"
                record["contract_id"] = traffic.contract_id
                yield record


def agent_activity(records: list[dict[str, Any]], contract_id: str) -> list[dict[str, Any]]:
    """Per agent and hour: time on contacts (talk, hold, after-contact work) and the rest of
    the hour available — enough for occupancy and productive agent hours."""
    busy: dict[tuple[str, datetime], int] = {}
    for record in records:
        if record.get("agent") is None:
            continue
        hour = record["answered_at"].replace(minute=0, second=0)
        handle = record["talk_seconds"] + record["hold_seconds"] + record["acw_seconds"]
        key = (record["agent"], hour)
        busy[key] = busy.get(key, 0) + handle
    activity = []
    for (agent, hour), seconds in sorted(busy.items()):
        on_contact = min(seconds, 3600)
        stem = f"{agent}-{hour:%Y%m%d%H}"
        activity.append(
            {"external_id": f"{stem}-c", "contract_id": contract_id, "agent": agent,
             "state": "on_contact", "started_at": hour,
             "ended_at": hour + timedelta(seconds=on_contact)}
        )  # fmt: skip
        if on_contact < 3600:
            activity.append(
                {"external_id": f"{stem}-a", "contract_id": contract_id, "agent": agent,
                 "state": "available", "started_at": hour + timedelta(seconds=on_contact),
                 "ended_at": hour + timedelta(hours=1)}
            )  # fmt: skip
    return activity


def as_json(record: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat().replace("+00:00", "Z") if isinstance(v, datetime) else v)
        for k, v in record.items()
    }
