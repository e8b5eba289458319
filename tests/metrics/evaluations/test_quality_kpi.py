"""The quality_score KPI against a brute-force mean of the evaluations sent: per day in the
contract's time zone, in total, grouped by queue, channel and agent, filtered by queue; every
bucket's numerator (sum of scores) and denominator (number of evaluations)."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.metrics import brute
from tests.metrics.builders import iso, make_source, random_contacts
from tests.world import World

TZ = "America/Sao_Paulo"
START = datetime(2026, 10, 1, tzinfo=ZoneInfo(TZ))
END = START + timedelta(days=4)


async def post(client: httpx.AsyncClient, path: str, records: list[Any]) -> dict[str, Any]:
    response = await client.post(path, json={"source": "pbx", "records": records})
    assert response.status_code == 200, response.text
    assert response.json()["rejected"] == 0, response.json()["rejections"][:3]
    return response.json()


def expected(
    evaluations: list[dict[str, Any]], granularity: str, group_by: str | None
) -> dict[tuple[str, Any], dict[str, Any]]:
    """Brute force: the mean of the scores per local day (or in total) and group."""
    held: dict[tuple[str, Any], list[Decimal]] = defaultdict(list)
    for e in evaluations:
        at = datetime.fromisoformat(e["evaluated_at"]).astimezone(ZoneInfo(TZ))
        if not START <= at < END:
            continue
        group = e[group_by] if group_by else None
        if group_by and group is None:
            continue  # an evaluation not naming the dimension is in none of its groups
        day = START if granularity == "total" else at.replace(hour=0, minute=0, second=0)
        held[(day.astimezone(UTC).isoformat(), group)].append(e["score"])
    return {
        key: {
            "value": brute.decimal6(Fraction(sum(scores)) / len(scores)),
            "numerator": str(sum(scores)),
            "denominator": len(scores),
        }
        for key, scores in held.items()
    }


@pytest.fixture
async def evaluated(metrics: httpx.AsyncClient, world: World) -> tuple[uuid.UUID, list[dict]]:
    """Four days of contacts in two queues and channels, and evaluations of some of them and
    of agents' days (named in the support queue, no channel); one re-scored. Answers the
    contract and each evaluation as stored (with the queue, channel and agent it is about)."""
    rng = random.Random(13)
    suffix = uuid.uuid4().hex[:8]
    queues = (f"support-{suffix}", f"sales-{suffix}")
    contract_id, _ = await world.ids(time_zone=TZ, queues=queues)
    await make_source(metrics, "pbx")
    contacts = random_contacts(
        rng, 300, start=START.astimezone(UTC), days=4, contract_id=contract_id, queues=queues
    )
    await post(metrics, "/v1/contact-records", contacts)
    evaluations: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []
    for i, c in enumerate(rng.sample(contacts, 150)):
        # Evaluated up to a day after the contact, so some land on the next local day and
        # some after the range.
        at = brute.when(c) + timedelta(minutes=rng.randrange(24 * 60))
        score = Decimal(rng.randrange(0, 10001)) / 100
        sent.append(
            {
                "external_id": f"qa-{i}",
                "contact": c["external_id"],
                "evaluated_at": iso(at),
                "score": str(score),
            }
        )
        evaluations.append(
            {
                "evaluated_at": iso(at),
                "score": score,
                "queue": c["queue"],
                "channel": c["channel"],
                "agent": c.get("agent"),
            }
        )
    for i in range(40):
        day = (START + timedelta(days=rng.randrange(4))).date()
        at = datetime.combine(day, datetime.min.time(), ZoneInfo(TZ)) + timedelta(
            minutes=rng.randrange(24 * 60)
        )
        score = Decimal(rng.randrange(5000, 10001)) / 100
        agent = f"agent-{rng.randrange(1, 6)}"
        sent.append(
            {
                "external_id": f"day-{i}",
                "agent": agent,
                "day": day.isoformat(),
                "queue": queues[0],
                "evaluated_at": iso(at),
                "score": str(score),
            }
        )
        evaluations.append(
            {
                "evaluated_at": iso(at),
                "score": score,
                "queue": queues[0],
                "channel": None,
                "agent": agent,
            }
        )
    await post(metrics, "/v1/quality-evaluations", sent)
    # A calibration session re-scores one: the new score replaces the old.
    rescored = {**sent[0], "score": "12.34"}
    assert (await post(metrics, "/v1/quality-evaluations", [rescored]))["updated"] == 1
    evaluations[0]["score"] = Decimal("12.34")
    return contract_id, evaluations


@pytest.mark.parametrize(
    ("granularity", "group_by", "queue_filter"),
    [
        ("day", None, False),
        ("total", None, False),
        ("day", "queue", False),
        ("day", "channel", False),
        ("total", "agent", False),
        ("day", None, True),
    ],
)
async def test_quality_score_is_the_mean_of_the_evaluations(
    metrics: httpx.AsyncClient,
    evaluated: tuple[uuid.UUID, list[dict[str, Any]]],
    granularity: str,
    group_by: str | None,
    queue_filter: bool,
) -> None:
    contract_id, evaluations = evaluated
    params: dict[str, Any] = {
        "contract_id": str(contract_id),
        "from": START.date().isoformat(),
        "to": END.date().isoformat(),
        "granularity": granularity,
    }
    if group_by:
        params["group_by"] = group_by
    if queue_filter:
        params["queue"] = sorted({e["queue"] for e in evaluations})[1]  # the sales queue
        evaluations = [e for e in evaluations if e["queue"] == params["queue"]]
    response = await metrics.get("/v1/kpis", params=params)
    assert response.status_code == 200, response.text
    answered = {
        (datetime.fromisoformat(b["start"]).astimezone(UTC).isoformat(), b["group"]): b["metrics"][
            "quality_score"
        ]
        for b in response.json()["buckets"]
    }
    want = expected(evaluations, granularity, group_by)
    assert want  # the data reaches every shape asked
    assert {k: v for k, v in answered.items() if v["denominator"]} == want
