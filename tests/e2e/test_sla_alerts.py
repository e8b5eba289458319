"""SLA alerts live, as a client's system sees them: a contract's records arrive through the
gateway, billing projects the contract again within seconds (not at its next full pass), and
the client's webhook endpoint receives ``sla.at_risk`` (``sla.lost`` on the last days of a
month), signed; another client's endpoint receives nothing."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Keys, TokenFactory
from tests.e2e.conftest import Platform, launched
from tests.metrics.builders import contact
from tests.world import World


class Receiver:
    """A partner's webhook receiver on loopback, keeping every body it is sent."""

    def __init__(self) -> None:
        self.bodies: list[tuple[str, dict[str, Any]]] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                received.append((self.path, json.loads(self.rfile.read(length))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def at(self, path: str) -> list[dict[str, Any]]:
        return [body for p, body in self.bodies if p == path]


@pytest.fixture
def alerting_platform(pg_server_url: str, keys: Keys, tmp_path: Path) -> Iterator[Platform]:
    """A platform whose billing looks for new records every second and delivers webhooks as
    soon as they are due (the defaults are a minute and five seconds)."""
    env = {"BILLING_SLA_ALERT_DEBOUNCE_SECONDS": "1", "BILLING_WEBHOOK_INTERVAL_SECONDS": "1"}
    with launched(pg_server_url, keys, "e2ealert_", tmp_path / "up.log", env) as running:
        yield running


def test_records_arriving_raise_an_alert_at_the_clients_endpoint(
    alerting_platform: Platform, token: TokenFactory
) -> None:
    receiver = Receiver()
    now = datetime.now(UTC)
    contract_id = asyncio.run(_month_so_far(alerting_platform, token, receiver, now))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not receiver.at("/mine"):
        time.sleep(0.5)
    (event,) = receiver.at("/mine")
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    days_left = (next_month - now).days
    expected = {"sla.at_risk"} if days_left >= 5 else {"sla.at_risk", "sla.lost"}
    assert event["type"] in expected, event
    assert event["subject_id"] == str(contract_id)
    assert event["payload"]["service_level"] == "sl"
    assert event["payload"]["period"] == f"{now:%Y-%m}"
    assert receiver.at("/theirs") == []


async def _month_so_far(
    platform: Platform, token: TokenFactory, receiver: Receiver, now: datetime
) -> str:
    """A signed 80/20 contract five weeks old, its client's endpoint and another client's,
    and every contact since it began: 75 % answered within 20 s."""
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    history_start = (month_start - timedelta(weeks=5)).date()
    operator = {"authorization": f"Bearer {token('operator')}"}
    async with httpx.AsyncClient(base_url=platform.base_url, headers=operator, timeout=60) as api:
        world = World(api)
        contract_id, client_id = await world.ids(
            start_date=history_start.isoformat(),
            service_levels=[
                {
                    "key": "sl",
                    "name": "80/20",
                    "metric": "service_level",
                    "target": "0.80",
                    "threshold_seconds": 20,
                    "pool_share": "1",
                }
            ],
        )
        other_client = await world.client("Globex")
        for owner, path in ((client_id, "/mine"), (other_client, "/theirs")):
            headers = {"authorization": f"Bearer {token('client', client_id=str(owner))}"}
            registered = await api.post(
                "/v1/webhook-endpoints",
                json={"url": receiver.url(path), "event_types": ["sla.at_risk", "sla.lost"]},
                headers=headers,
            )
            assert registered.status_code == 201, registered.text
        source = await api.post("/v1/sources", json={"name": "e2e-pbx", "kind": "api"})
        assert source.status_code == 201, source.text
        records, n = [], 0
        day = datetime.combine(history_start, datetime.min.time(), UTC)
        while day < now:
            for k in range(20):
                at = day + timedelta(minutes=30 * k)
                if at < now - timedelta(hours=1):
                    wait = 60 if k % 4 == 0 else 5
                    records.append(contact(f"c{n}", at, wait=wait, contract_id=contract_id))
                    n += 1
            day += timedelta(days=1)
        for i in range(0, len(records), 1000):
            batch = records[i : i + 1000]
            pushed = await api.post(
                "/v1/contact-records", json={"source": "e2e-pbx", "records": batch}
            )
            assert pushed.status_code == 200 and pushed.json()["rejected"] == 0, pushed.text
    return str(contract_id)
