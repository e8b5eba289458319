"""Outbox events: written in the transaction that issues or pays, visible only once it
committed, and delivered to partner webhooks by the dispatcher over real HTTP."""

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import async_sessionmaker

from billing.events.models import OutboxEvent
from tests.billing.conftest import BillingFactory, BillingWorld, WorldFactory
from tests.conftest import TokenFactory, api_client


async def issued_invoice(client: httpx.AsyncClient, world: BillingWorld) -> dict[str, Any]:
    contract_id = await world.billed()
    await client.post(
        "/v1/price-plans",
        json={
            "contract_id": contract_id,
            "name": "P",
            "version": {
                "effective_from": "2026-01-01",
                "charges": [{"key": "fee", "name": "Fee", "model": "fixed", "amount": "10.00"}],
            },
        },
    )
    draft = await client.post(
        "/v1/invoices", json={"contract_id": contract_id, "period": "2026-01"}
    )
    issued = await client.post(f"/v1/invoices/{draft.json()['id']}/issue", json={})
    assert issued.status_code == 200, issued.text
    return issued.json()


async def all_events(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    out, cursor = [], None
    while True:
        query = {"limit": "2", **params, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/billing-events", params=query)).json()
        out += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return out


class TestOutbox:
    async def test_events_appear_in_order_after_commit_and_pages_are_complete(
        self, make_billing: BillingFactory, make_world: WorldFactory, token: TokenFactory
    ) -> None:
        async with make_billing() as app, api_client(app, token("finance")) as client:
            async with make_world() as world:  # ended before events are read (see make_world)
                invoice = await issued_invoice(client, world)
            paid = await client.post(
                "/v1/payments",
                json={
                    "invoice_id": invoice["id"],
                    "amount": invoice["total"],
                    "received_on": "2026-02-05",
                },
            )
            assert paid.status_code == 201
            events = await all_events(client)
            mine = [e["type"] for e in events if e["subject_id"] == invoice["id"]]
            assert mine == ["invoice.issued", "invoice.paid"]
            assert len({e["id"] for e in events}) == len(events)

    async def test_an_uncommitted_event_is_invisible(
        self, make_billing: BillingFactory, token: TokenFactory
    ) -> None:
        async with make_billing() as app, api_client(app, token("finance")) as client:
            sessions: async_sessionmaker = app.state.database.sessionmaker
            subject = uuid.uuid4()
            async with sessions() as session, session.begin():
                session.add(
                    OutboxEvent(
                        type="invoice.issued",
                        subject_id=subject,
                        client_id=uuid.uuid4(),
                        payload={},
                    )
                )
                await session.flush()
                during = await all_events(client)
                assert str(subject) not in {e["subject_id"] for e in during}
            after = await all_events(client)
            assert str(subject) in {e["subject_id"] for e in after}

    async def test_rolled_back_work_leaves_no_event(
        self, make_billing: BillingFactory, token: TokenFactory
    ) -> None:
        async with make_billing() as app, api_client(app, token("finance")) as client:
            subject = uuid.uuid4()
            async with app.state.database.sessionmaker() as session:
                await session.begin()
                session.add(
                    OutboxEvent(
                        type="invoice.issued",
                        subject_id=subject,
                        client_id=uuid.uuid4(),
                        payload={},
                    )
                )
                await session.flush()
                await session.rollback()
            events = await all_events(client)
            assert str(subject) not in {e["subject_id"] for e in events}

    async def test_client_sees_only_its_events(
        self, make_billing: BillingFactory, make_world: WorldFactory, token: TokenFactory
    ) -> None:
        async with make_billing() as app, api_client(app, token("finance")) as client:
            async with make_world() as world:
                invoice = await issued_invoice(client, world)
                await issued_invoice(client, world)
            async with api_client(app, token("client", client_id=invoice["client_id"])) as mine:
                events = await all_events(mine)
            assert {e["client_id"] for e in events} == {invoice["client_id"]}


@asynccontextmanager
async def receiver(fail_first: int = 0) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A real HTTP server on a local port recording what partners would receive."""
    received: list[dict[str, Any]] = []
    state = {"fail": fail_first}
    app = FastAPI()

    @app.post("/hook")
    async def hook(request: Request) -> Any:
        if state["fail"] > 0:
            state["fail"] -= 1
            return JSONResponse({"ok": False}, status_code=500)
        body = await request.body()
        received.append({"body": json.loads(body), "raw": body, "headers": dict(request.headers)})
        return {"ok": True}

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # wait for the port to listen (uvicorn has no started event)
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/hook", received
    finally:
        server.should_exit = True
        await task
