"""Test data: sources and contact records as a platform would push them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx


async def make_source(client: httpx.AsyncClient, name: str = "pbx-1", **extra: Any) -> dict:
    response = await client.post("/v1/sources", json={"name": name, "kind": "api", **extra})
    assert response.status_code == 201, response.text
    return response.json()


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def contact(
    external_id: str,
    enqueued_at: datetime,
    *,
    outcome: str = "answered",
    wait: int = 10,
    talk: int = 100,
    hold: int = 0,
    acw: int = 20,
    queue: str = "support",
    channel: str = "voice",
    contract_id: object = None,
    updated_at: datetime | None = None,
    **extra: Any,
) -> dict[str, Any]:
    answered = outcome == "answered"
    body: dict[str, Any] = {
        "external_id": external_id,
        "queue": queue,
        "channel": channel,
        "enqueued_at": iso(enqueued_at),
        "wait_seconds": wait,
        "talk_seconds": talk if answered else 0,
        "hold_seconds": hold if answered else 0,
        "acw_seconds": acw if answered else 0,
        "outcome": outcome,
        **extra,
    }
    if contract_id is not None:
        body["contract_id"] = str(contract_id)
    if updated_at is not None:
        body["updated_at"] = iso(updated_at)
    return body


def random_contacts(
    rng: random.Random,
    count: int,
    *,
    start: datetime,
    days: int,
    contract_id: object,
    queues: tuple[str, ...] = ("support", "sales"),
    channels: tuple[str, ...] = ("voice", "chat"),
    prefix: str = "c",
) -> list[dict[str, Any]]:
    """A varied month of contacts: every outcome, waits around typical thresholds, surveys."""
    records = []
    for i in range(count):
        at = start + timedelta(seconds=rng.randrange(days * 86400))
        outcome = rng.choices(["answered", "abandoned", "flow_out"], weights=[80, 15, 5])[0]
        wait = rng.choice([0, 1, 2, 3, 5, 10, 19, 20, 21, 29, 30, 31, 45, 60, 90, 200, 700])
        extra: dict[str, Any] = {}
        if outcome == "answered":
            extra["agent"] = f"agent-{rng.randrange(1, 6)}"
            extra["transferred"] = rng.random() < 0.1
            extra["resolved"] = rng.choice([True, False, None])
            if rng.random() < 0.3:
                extra["csat"] = rng.randrange(1, 6)
            if rng.random() < 0.3:
                extra["nps"] = rng.randrange(0, 11)
        if rng.random() < 0.2:
            extra["customer"] = f"+55 11 9900-{rng.randrange(10000):04d}"
        records.append(
            contact(
                f"{prefix}{i}",
                at,
                outcome=outcome,
                wait=wait,
                talk=rng.randrange(30, 900),
                hold=rng.choice([0, 0, 15, 60]),
                acw=rng.randrange(0, 120),
                queue=rng.choice(queues),
                channel=rng.choice(channels),
                contract_id=contract_id,
                updated_at=at + timedelta(hours=1),
                **extra,
            )
        )
    return records
