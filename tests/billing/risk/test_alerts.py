"""SLA alerts: a change of a level's projected status is announced once, in the outbox (so
through the webhook endpoints), to the contract's client and the operator only."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import delete, select

from billing.events.models import OutboxEvent
from billing.events.webhooks.models import WebhookEndpoint
from billing.price_plans.models import PricePlan, PricePlanVersion
from billing.pricing.periods import Period
from billing.risk.alerts import SlaAlerts, announcement
from billing.risk.models import SlaLevelStatus
from tests.billing.conftest import BillingFactory, WorldFactory
from tests.billing.events.test_webhook_endpoints import Partners, deliver, register
from tests.billing.risk.test_sla_risk import contract_with_a_missed_month
from tests.conftest import TokenFactory, api_client

OCTOBER = Period.parse("2026-10")
TENTH = datetime(2026, 10, 11, 3, tzinfo=UTC)  # the evening of the 10th in São Paulo
MONTH_END = datetime(2026, 11, 1, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("previous", "current", "event"),
    [
        (None, "on_track", None),
        (None, "secured", None),
        (None, "not_projected", None),
        (None, "at_risk", "sla.at_risk"),
        (None, "lost", "sla.lost"),
        ("on_track", "at_risk", "sla.at_risk"),
        ("at_risk", "lost", "sla.lost"),
        ("lost", "at_risk", "sla.at_risk"),
        ("at_risk", "on_track", "sla.recovered"),
        ("lost", "secured", "sla.recovered"),
        ("on_track", "secured", None),
        ("at_risk", "at_risk", None),
    ],
)
def test_which_change_announces_what(previous: str | None, current: str, event: str | None) -> None:
    assert announcement(previous, current) == event


@pytest.fixture
async def app(make_billing: BillingFactory) -> AsyncIterator[FastAPI]:
    """A billing app whose writes commit (the alerts write outside any request); its webhook
    endpoints are deleted before and after (the dispatcher delivers to every one)."""
    async with make_billing() as app:
        sessions = app.state.database.sessionmaker
        async with sessions() as session, session.begin():
            await session.execute(delete(WebhookEndpoint))
        try:
            yield app
        finally:
            async with sessions() as session, session.begin():
                await session.execute(delete(WebhookEndpoint))


async def events_of(app: FastAPI, contract_id: str) -> list[OutboxEvent]:
    async with app.state.database.sessionmaker() as session:
        rows = await session.execute(
            select(OutboxEvent)
            .where(OutboxEvent.subject_id == uuid.UUID(contract_id))
            .order_by(OutboxEvent.txid, OutboxEvent.id)
        )
        return list(rows.scalars())


async def test_a_level_at_risk_then_recovered_is_announced_once_each(
    app: FastAPI, make_world: WorldFactory, token: TokenFactory
) -> None:
    alerts = app.state.sla_alerts
    async with api_client(app, token("finance")) as finance, make_world() as world:
        contract_id, _ = await contract_with_a_missed_month(finance, world)
        client_id = await world.client_of(contract_id)
        try:
            await alerts.evaluate(OCTOBER, TENTH)
            first = await events_of(app, contract_id)
            assert [e.type for e in first] in (["sla.at_risk"], ["sla.lost"])
            (event,) = first
            assert str(event.client_id) == client_id
            assert event.payload["service_level"] == "sl"
            assert event.payload["month_to_date"]["numerator"] == 70
            assert event.payload["previous_status"] is None
            assert event.payload["recovery"]["outlook"] in ("reachable", "unreachable")

            await alerts.evaluate(OCTOBER, TENTH)  # nothing changed: nothing announced
            assert len(await events_of(app, contract_id)) == 1

            # The rest of the month goes well: every contact answered within 20 s.
            for day in range(11, 32):
                calls = [{"wait": 5, "handle": 60}] * 30
                await world.contacts(contract_id, "2026-10", calls, day=day)
            await alerts.evaluate(OCTOBER, MONTH_END)
            types = [e.type for e in await events_of(app, contract_id)]
            assert types[-1] == "sla.recovered" and len(types) == 2
        finally:
            async with app.state.database.sessionmaker() as session, session.begin():
                await session.execute(
                    delete(SlaLevelStatus).where(
                        SlaLevelStatus.contract_id == uuid.UUID(contract_id)
                    )
                )


async def test_the_clients_webhook_endpoint_receives_the_alert_and_no_one_elses(
    app: FastAPI, make_world: WorldFactory, token: TokenFactory
) -> None:
    partners = Partners()
    owner_url, other_url = "https://owner.example/h", "https://other.example/h"
    async with api_client(app, token("finance")) as finance:
        async with make_world() as world:
            contract_id, _ = await contract_with_a_missed_month(finance, world)
            owner = await world.client_of(contract_id)
            other = str(await world.client("Globex"))
            async with api_client(app, token("client", client_id=owner)) as theirs:
                await register(theirs, owner_url, event_types=["sla.at_risk", "sla.lost"])
            async with api_client(app, token("client", client_id=other)) as others:
                await register(others, other_url)
            try:
                await app.state.sla_alerts.evaluate(OCTOBER, TENTH)
            finally:
                async with app.state.database.sessionmaker() as session, session.begin():
                    await session.execute(
                        delete(SlaLevelStatus).where(
                            SlaLevelStatus.contract_id == uuid.UUID(contract_id)
                        )
                    )
        # Billing shows an event once the older transactions (the world's) have ended.
        await deliver(app, partners)
    ((kind, subject),) = partners.subjects(owner_url)
    assert kind in ("sla.at_risk", "sla.lost") and subject == contract_id
    (received,) = partners.at(owner_url)
    assert received["body"]["payload"]["service_level"] == "sl"
    assert partners.at(other_url) == []


async def test_the_portfolio_of_many_priced_contracts_on_real_sessions(
    app: FastAPI, make_world: WorldFactory, token: TokenFactory
) -> None:
    """More priced contracts than the portfolio projects at once, on an app whose requests
    have real database sessions (not a test's one transaction). The contracts' risks were once
    computed concurrently over the request's one session: a 500 when two queries overlapped,
    which the fuzzer met on a loaded machine; billing's reads now come first, one at a time."""
    contract_ids: list[str] = []
    try:
        async with api_client(app, token("finance")) as finance, make_world() as world:
            for _ in range(6):
                contract_ids.append((await contract_with_a_missed_month(finance, world))[0])
            response = await finance.get(
                "/v1/sla-risk/portfolio", params={"period": "2026-10", "as_of": TENTH.isoformat()}
            )
            assert response.status_code == 200, response.text
            ours = [i for i in response.json()["items"] if i["contract_id"] in contract_ids]
            assert len(ours) == 6
            assert all(i["money_at_risk"] not in (None, "0.00") for i in ours)
    finally:
        ids = [uuid.UUID(c) for c in contract_ids]
        async with app.state.database.sessionmaker() as session, session.begin():
            plans = select(PricePlan.id).where(PricePlan.contract_id.in_(ids))
            await session.execute(
                delete(PricePlanVersion).where(PricePlanVersion.price_plan_id.in_(plans))
            )
            await session.execute(delete(PricePlan).where(PricePlan.contract_id.in_(ids)))


async def test_records_arriving_get_their_contract_judged_again_once(
    app: FastAPI, make_world: WorldFactory, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record-driven side: after a first full look, only contracts whose records arrived
    since are projected again, once each however many batches came."""
    alerts = SlaAlerts(app.state.database.sessionmaker, app.state.upstream)
    projected: list[uuid.UUID] = []
    project = alerts.upstream.metrics.sla_projection

    async def counting(contract_id: uuid.UUID, *args: object, **kwargs: object) -> dict:
        projected.append(contract_id)
        return await project(contract_id, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(alerts.upstream.metrics, "sla_projection", counting)
    async with api_client(app, token("finance")) as finance, make_world() as world:
        contract_id, _ = await contract_with_a_missed_month(finance, world)
        mine = uuid.UUID(contract_id)
        try:
            await alerts.evaluate_changed(OCTOBER, TENTH)  # the first look is a full pass
            assert mine in projected
            assert [e.type for e in await events_of(app, contract_id)] in (
                ["sla.at_risk"],
                ["sla.lost"],
            )
            projected.clear()
            assert await alerts.evaluate_changed(OCTOBER, TENTH) == 0
            assert mine not in projected  # nothing arrived: not projected again

            # The rest of the month goes well, in 21 batches: judged once, and recovered.
            for day in range(11, 32):
                await world.contacts(
                    contract_id, "2026-10", [{"wait": 5, "handle": 60}] * 30, day=day
                )
            await alerts.evaluate_changed(OCTOBER, MONTH_END)
            assert projected.count(mine) == 1
            types = [e.type for e in await events_of(app, contract_id)]
            assert types[-1] == "sla.recovered" and len(types) == 2

            projected.clear()
            await alerts.evaluate_changed(OCTOBER, MONTH_END)
            assert mine not in projected  # those batches were judged already
        finally:
            async with app.state.database.sessionmaker() as session, session.begin():
                await session.execute(
                    delete(SlaLevelStatus).where(SlaLevelStatus.contract_id == mine)
                )
