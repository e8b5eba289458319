"""Webhook delivery's guards: public addresses only (unless a network is allowed), at
registration for literal addresses and at every connection for names, through a real socket;
and old delivery attempts pruned."""

import asyncio
import ipaddress
import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpcore
import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from billing.events.webhooks.delivery import prune_attempts
from billing.events.webhooks.egress import (
    LOOPBACK,
    GuardedTransport,
    PublicAddressesOnly,
    check_destination,
    parse_networks,
    refusal,
)
from billing.events.webhooks.models import WebhookAttempt
from billing.settings import BillingSettings
from shared.ids import uuid7, uuid7_floor
from tests.billing.events.test_webhook_endpoints import app, field_errors  # noqa: F401
from tests.conftest import TokenFactory, api_client

NOT_PUBLIC = [
    "10.0.0.5",
    "172.16.3.4",
    "192.168.1.1",
    "127.0.0.1",
    "169.254.169.254",  # a cloud's metadata service
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",  # noqa: S104 (an address to refuse, not one to bind)
    "224.0.0.1",
    "::1",
    "fd00::1",
    "fe80::1",
    "::ffff:10.0.0.1",  # an IPv4 private address written as IPv6
    "::ffff:169.254.169.254",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_addresses_outside_the_public_internet_are_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address), ()) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_not(address: str) -> None:
    assert refusal(ipaddress.ip_address(address), ()) is None


def test_an_allowed_network_opens_its_addresses_only() -> None:
    allowed = parse_networks(["10.20.0.0/16", "fd12::/16"])
    assert refusal(ipaddress.ip_address("10.20.7.7"), allowed) is None
    assert refusal(ipaddress.ip_address("::ffff:10.20.7.7"), allowed) is None
    assert refusal(ipaddress.ip_address("fd12::9"), allowed) is None
    assert refusal(ipaddress.ip_address("10.21.0.1"), allowed) is not None


def test_registration_judges_literal_addresses_and_localhost_not_names() -> None:
    assert check_destination("https://10.0.0.5/hook", ()) is not None
    assert check_destination("https://[fd00::1]/hook", ()) is not None
    assert check_destination("http://localhost:9000/hook", ()) is not None
    assert check_destination("http://localhost:9000/hook", LOOPBACK) is None
    assert check_destination("https://8.8.8.8/hook", ()) is None
    # A name is judged when a delivery connects: its addresses may change meanwhile.
    assert check_destination("https://erp.acme.example/hook", ()) is None


def test_settings_default_to_loopback_outside_production_and_check_networks() -> None:
    assert BillingSettings().webhook_allowed_networks() == LOOPBACK
    production = BillingSettings(environment="production", jwt_public_key="k")
    assert production.webhook_allowed_networks() == ()
    configured = BillingSettings(webhook_private_networks=["10.20.0.0/16"])
    assert configured.webhook_allowed_networks() == parse_networks(["10.20.0.0/16"])
    with pytest.raises(ValidationError, match="webhook_private_networks"):
        BillingSettings(webhook_private_networks=["10.20.0.0/33"])


@pytest.fixture
async def receiver() -> AsyncIterator[int]:
    """A tiny HTTP receiver on 127.0.0.1 answering 200 to anything; yields its port."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


async def test_a_name_resolving_to_a_private_address_is_refused_at_connect(
    receiver: int,
) -> None:
    backend = PublicAddressesOnly(())
    with pytest.raises(httpcore.ConnectError, match=r"localhost resolves to .*not a public"):
        await backend.connect_tcp("localhost", receiver, timeout=5)
    stream = await PublicAddressesOnly(LOOPBACK).connect_tcp("localhost", receiver, timeout=5)
    await stream.aclose()


async def test_deliveries_through_the_guarded_transport(receiver: int) -> None:
    url = f"http://localhost:{receiver}/hook"
    async with httpx.AsyncClient(transport=GuardedTransport(())) as http:
        with pytest.raises(httpx.ConnectError, match="not a public address"):
            await http.post(url, content=b"{}")
    async with httpx.AsyncClient(transport=GuardedTransport(LOOPBACK)) as http:
        response = await http.post(url, content=b"{}")
    assert (response.status_code, response.text) == (200, "ok")


async def test_registering_or_moving_an_endpoint_to_a_private_address_names_the_url(
    app: FastAPI,  # noqa: F811
    token: TokenFactory,
) -> None:
    async with api_client(app, token("operator")) as operator:

        async def create(**body: Any) -> httpx.Response:
            return await operator.post("/v1/webhook-endpoints", json=body)

        for url in (
            "https://10.0.0.5/hook",
            "https://169.254.169.254/latest",
            "https://[fd00::1]/",
        ):
            refused = await create(url=url)
            assert field_errors(refused) == {"url"}
            assert "public" in refused.json()["errors"][0]["message"]
        made = await create(url="https://erp.acme.example/hook")
        assert made.status_code == 201
        moved = await operator.patch(
            f"/v1/webhook-endpoints/{made.json()['id']}",
            json={"url": "https://192.168.0.10/hook"},
            headers={"If-Match": made.headers["etag"]},
        )
        assert field_errors(moved) == {"url"}
        kept = await operator.get(f"/v1/webhook-endpoints/{made.json()['id']}")
        assert kept.json()["url"] == "https://erp.acme.example/hook"


async def test_old_delivery_attempts_are_pruned_in_chunks(
    app: FastAPI,  # noqa: F811
    token: TokenFactory,
) -> None:
    async with api_client(app, token("operator")) as operator:
        made = await operator.post(
            "/v1/webhook-endpoints", json={"url": "https://erp.acme.example/hook"}
        )
        endpoint_id = uuid.UUID(made.json()["id"])
        now = datetime.now(UTC)
        ages = [timedelta(days=d) for d in (90, 45, 31, 29, 1)] + [timedelta(0)] * 2
        sessions = app.state.database.sessionmaker
        async with sessions() as session, session.begin():
            for age in ages:
                # An attempt made ``age`` ago: its time-ordered id says when.
                made_at = now - age
                session.add(
                    WebhookAttempt(
                        id=uuid.UUID(int=uuid7_floor(made_at).int | secrets.randbits(62)),
                        endpoint_id=endpoint_id,
                        event_id=uuid.uuid4(),
                        event_type="invoice.issued",
                        attempted_at=made_at,
                        status_code=200,
                        duration_ms=5,
                    )
                )
        assert await prune_attempts(sessions, timedelta(days=30), chunk=2) == 3
        listed = await operator.get(f"/v1/webhook-endpoints/{endpoint_id}/attempts")
        kept = sorted(
            now - datetime.fromisoformat(a["attempted_at"]) for a in listed.json()["items"]
        )
        assert len(kept) == 4 and all(age < timedelta(days=30) for age in kept)
        assert await prune_attempts(sessions, timedelta(days=30)) == 0


def test_the_floor_id_of_a_moment_sorts_between_earlier_and_later_ids() -> None:
    before = uuid7()
    floor = uuid7_floor(datetime.now(UTC) + timedelta(milliseconds=5))
    later = uuid7_floor(datetime.now(UTC) + timedelta(seconds=1))
    assert before < floor < later
    assert floor.version == 7
