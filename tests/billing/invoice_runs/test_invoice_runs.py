"""Invoice runs against committed data (a run works in its own transactions)."""

import asyncio
import contextlib
import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from billing.invoice_runs.repository import InvoiceRunRepository
from billing.invoice_runs.service import Runner, create_or_resume
from billing.invoices.models import Invoice
from billing.main import create_app
from billing.pricing.periods import Period
from billing.settings import BillingSettings
from tests.billing.conftest import BillingFactory, BillingWorld, Network
from tests.conftest import TokenFactory, api_client, running_app

CHARGES = [
    {"key": "fee", "name": "Fee", "model": "fixed", "amount": "1000.00"},
    {
        "key": "min",
        "name": "Minutes",
        "model": "per_unit",
        "metric": "handled_minutes",
        "unit_price": "0.40",
    },
]


async def setup_contracts(
    client: httpx.AsyncClient, world: BillingWorld, period: str, n: int
) -> list[str]:
    ids = []
    for i in range(n):
        contract_id = await world.billed(start="2025-01-01")
        await world.handled(contract_id, period, [(1000 + i) * 60])  # 1000 + i minutes
        response = await client.post(
            "/v1/price-plans",
            json={
                "contract_id": contract_id,
                "name": "P",
                "version": {"effective_from": "2025-01-01", "charges": CHARGES},
            },
        )
        assert response.status_code == 201, response.text
        ids.append(contract_id)
    return ids


async def invoices_per_contract(app: FastAPI, ids: list[str]) -> dict[str, int]:
    async with app.state.database.sessionmaker() as session:
        rows = await session.execute(
            select(Invoice.contract_id, func.count())
            .where(Invoice.contract_id.in_([uuid.UUID(i) for i in ids]), Invoice.status != "void")
            .group_by(Invoice.contract_id)
        )
        return {str(c): n for c, n in rows.all()}


async def new_run(app: FastAPI, period: str) -> uuid.UUID:
    async with app.state.database.sessionmaker() as session, session.begin():
        run, _ = await create_or_resume(InvoiceRunRepository(session), Period.parse(period), "t")
        return run.id


class TestKillAndResume:
    async def test_a_run_killed_half_way_and_restarted_bills_each_contract_once(
        self, make_billing: BillingFactory, token: TokenFactory, world: BillingWorld
    ) -> None:
        period = "2025-03"
        async with make_billing() as app, api_client(app, token("finance")) as client:
            ids = await setup_contracts(client, world, period, 10)
            run_id = await new_run(app, period)
            finished: list[str] = []
            task: asyncio.Task[None]

            def kill_after_four(contract_id: uuid.UUID, outcome: str) -> None:
                finished.append(outcome)
                if len(finished) == 4:
                    task.cancel()  # the process dies mid-run, other claims in flight

            runner = Runner(
                app.state.database.sessionmaker,
                app.state.upstream,
                concurrency=3,
                on_item=kill_after_four,
            )
            task = asyncio.create_task(runner.execute(run_id))
            with contextlib.suppress(asyncio.CancelledError):
                await task
            halfway = await invoices_per_contract(app, ids)
            assert 4 <= len(halfway) < 10

            # Restart: a new worker takes over the dead one's expired claims.
            await Runner(
                app.state.database.sessionmaker, app.state.upstream, concurrency=1, lease_seconds=0
            ).execute(run_id)

            assert await invoices_per_contract(app, ids) == dict.fromkeys(ids, 1)
            run = (await client.get(f"/v1/invoice-runs/{run_id}")).json()
            assert run["status"] == "completed"
            assert run["progress"]["done"] == 10 and run["progress"]["total"] == 10

    async def test_a_run_whose_worker_was_killed_finishes_without_being_posted_again(
        self,
        billing_settings: BillingSettings,
        token: TokenFactory,
        world: BillingWorld,
        network: Network,
    ) -> None:
        """A worker in another process dies mid-run holding claims; this process's watch takes
        the run over once the claims' lease has expired, and the run completes by itself."""
        period = "2025-05"
        settings = billing_settings.model_copy(
            update={"run_watch_interval_seconds": 0.2, "run_claim_lease_seconds": 1.0}
        )
        transports = {"contracts": network.contracts, "metrics": network.metrics}
        app = create_app(settings, transports=transports)
        async with running_app(app), api_client(app, token("finance")) as client:
            ids = await setup_contracts(client, world, period, 6)
            run_id = await new_run(app, period)
            finished: list[str] = []
            task: asyncio.Task[None]

            def kill_after_two(contract_id: uuid.UUID, outcome: str) -> None:
                finished.append(outcome)
                if len(finished) == 2:
                    task.cancel()  # claims in flight stay claimed: nobody releases them

            elsewhere = Runner(
                app.state.database.sessionmaker,
                app.state.upstream,
                concurrency=3,
                lease_seconds=1.0,
                on_item=kill_after_two,
            )
            task = asyncio.create_task(elsewhere.execute(run_id))
            with contextlib.suppress(asyncio.CancelledError):
                await task
            for _ in range(150):
                run = (await client.get(f"/v1/invoice-runs/{run_id}")).json()
                if run["status"] == "completed":
                    break
                await asyncio.sleep(0.1)
            assert run["status"] == "completed", run
            assert run["progress"]["done"] == 6
            assert await invoices_per_contract(app, ids) == dict.fromkeys(ids, 1)

    async def test_two_workers_on_one_run_and_a_second_start(
        self, make_billing: BillingFactory, token: TokenFactory, world: BillingWorld
    ) -> None:
        period = "2025-04"
        async with make_billing() as app, api_client(app, token("finance")) as client:
            ids = await setup_contracts(client, world, period, 8)
            first = await client.post("/v1/invoice-runs", json={"period": period})
            second = await client.post("/v1/invoice-runs", json={"period": period})
            assert (first.status_code, second.status_code) == (201, 200)
            run_id = uuid.UUID(first.json()["id"])
            assert second.json()["id"] == str(run_id)
            extra = Runner(app.state.database.sessionmaker, app.state.upstream, concurrency=4)
            await asyncio.gather(extra.execute(run_id), app.state.runs.tasks[run_id])
            assert await invoices_per_contract(app, ids) == dict.fromkeys(ids, 1)
            run = (await client.get(f"/v1/invoice-runs/{run_id}")).json()
            assert run["progress"]["done"] == 8


class TestRestart:
    async def test_a_restarted_service_resumes_the_unfinished_run(
        self,
        billing_settings: BillingSettings,
        token: TokenFactory,
        world: BillingWorld,
        network: Network,
    ) -> None:
        period = "2025-10"
        transports = {"contracts": network.contracts, "metrics": network.metrics}
        async with running_app(create_app(billing_settings, transports=transports)) as first:
            async with api_client(first, token("finance")) as client:
                ids = await setup_contracts(client, world, period, 3)
            run_id = await new_run(first, period)  # the process stops before working on it
        restarted = create_app(
            billing_settings.model_copy(update={"run_resume_on_startup": True}),
            transports=transports,
        )
        async with running_app(restarted), api_client(restarted, token("finance")) as client:
            await restarted.state.runs.tasks[run_id]
            run = (await client.get(f"/v1/invoice-runs/{run_id}")).json()
            assert (run["status"], run["progress"]["done"]) == ("completed", 3)
            assert await invoices_per_contract(restarted, ids) == dict.fromkeys(ids, 1)


class TestFailures:
    async def test_unreachable_metrics_fails_that_contract_only_and_resume_retries(
        self, make_billing: BillingFactory, token: TokenFactory, world: BillingWorld
    ) -> None:
        period = "2025-05"
        async with make_billing() as app, api_client(app, token("finance")) as client:
            ids = await setup_contracts(client, world, period, 3)
            with world.metrics_down(ids[1]):
                response = await client.post("/v1/invoice-runs", json={"period": period})
                run_id = uuid.UUID(response.json()["id"])
                await app.state.runs.tasks[run_id]
            failed = (
                await client.get(f"/v1/invoice-runs/{run_id}/items", params={"status": "failed"})
            ).json()["items"]
            assert [i["contract_id"] for i in failed] == [ids[1]]
            assert failed[0]["reason"].startswith("metrics:")
            assert await invoices_per_contract(app, ids) == {ids[0]: 1, ids[2]: 1}

            resumed = await client.post(f"/v1/invoice-runs/{run_id}/resume")
            assert resumed.status_code == 200, resumed.text
            await app.state.runs.tasks[run_id]
            run = (await client.get(f"/v1/invoice-runs/{run_id}")).json()
            assert (run["status"], run["progress"]["done"], run["progress"]["failed"]) == (
                "completed",
                3,
                0,
            )
            assert await invoices_per_contract(app, ids) == dict.fromkeys(ids, 1)

    async def test_a_contract_without_a_plan_is_skipped_with_the_reason(
        self, make_billing: BillingFactory, token: TokenFactory, world: BillingWorld
    ) -> None:
        period = "2025-08"
        async with make_billing() as app, api_client(app, token("finance")) as client:
            ids = await setup_contracts(client, world, period, 1)
            planless = await world.billed(start="2025-01-01")
            response = await client.post("/v1/invoice-runs", json={"period": period})
            run_id = uuid.UUID(response.json()["id"])
            await app.state.runs.tasks[run_id]
            items = (await client.get(f"/v1/invoice-runs/{run_id}/items")).json()["items"]
            outcome = {i["contract_id"]: (i["status"], i["reason"]) for i in items}
            assert outcome[ids[0]] == ("done", "created")
            assert outcome[planless] == ("skipped", f"contract {planless} has no price plan")
            run = (await client.get(f"/v1/invoice-runs/{run_id}")).json()
            assert (run["status"], run["progress"]["skipped"]) == ("completed", 1)

    async def test_a_client_cannot_start_a_run(
        self, billing_app: FastAPI, token: TokenFactory
    ) -> None:
        async with api_client(billing_app, token("client", client_id=uuid.uuid4())) as client:
            response = await client.post("/v1/invoice-runs", json={"period": "2025-09"})
        assert response.status_code == 403

    async def test_contracts_down_fails_the_run_with_its_reason(
        self, billing_settings: BillingSettings, token: TokenFactory
    ) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        dead = httpx.MockTransport(refuse)  # nothing listening: a network failure, not a fake
        app = create_app(billing_settings, transports={"contracts": dead, "metrics": dead})
        async with running_app(app), api_client(app, token("finance")) as client:
            response = await client.post("/v1/invoice-runs", json={"period": "2025-07"})
            run_id = uuid.UUID(response.json()["id"])
            await app.state.runs.tasks[run_id]
            run = (await client.get(f"/v1/invoice-runs/{run_id}")).json()
            assert run["status"] == "failed"
            assert "contracts" in run["reason"] and "unreachable" in run["reason"]
            assert run["progress"]["total"] == 0


class TestWhoIsListed:
    async def test_every_contract_in_service_on_any_day_of_the_period_is_drafted(
        self, make_billing: BillingFactory, token: TokenFactory, world: BillingWorld
    ) -> None:
        """March 2025 (31 days): a contract from the 10th to the 20th (in force on neither the
        1st nor the 31st), one terminated on the 15th, one whose fixed term ended on the 12th,
        one starting on the 25th; one that ended in February and one starting in April are
        not listed at all."""
        period = "2025-03"
        contracts = {
            "inside": {"start": "2025-03-10", "end": "2025-03-20"},
            "terminated": {"start": "2025-01-01", "terminated_on": "2025-03-15"},
            "term_ended": {"start": "2024-03-13", "end": "2025-03-12"},
            "starts": {"start": "2025-03-25"},
            "ended_before": {"start": "2024-03-01", "end": "2025-02-28"},
            "starts_after": {"start": "2025-04-01"},
        }
        async with make_billing() as app, api_client(app, token("finance")) as client:
            ids = {}
            for name, dates in contracts.items():
                ids[name] = await world.billed(**dates)
                response = await client.post(
                    "/v1/price-plans",
                    json={
                        "contract_id": ids[name],
                        "name": name,
                        "version": {"effective_from": "2024-01-01", "charges": CHARGES},
                    },
                )
                assert response.status_code == 201, response.text
            response = await client.post("/v1/invoice-runs", json={"period": period})
            run_id = uuid.UUID(response.json()["id"])
            await app.state.runs.tasks[run_id]
            items = (await client.get(f"/v1/invoice-runs/{run_id}/items")).json()["items"]
            listed = {i["contract_id"]: i["status"] for i in items}
            in_service = ["inside", "terminated", "term_ended", "starts"]
            assert listed == {ids[name]: "done" for name in in_service}
            assert await invoices_per_contract(app, list(ids.values())) == {
                ids[name]: 1 for name in in_service
            }
            fees = {}
            for name in in_service:
                params = {"contract_id": ids[name], "period": period}
                (invoice,) = (await client.get("/v1/invoices", params=params)).json()["items"]
                full = (await client.get(f"/v1/invoices/{invoice['id']}")).json()
                (fee,) = [line for line in full["lines"] if line["key"] == "charge:fee"]
                fees[name] = fee["amount"]
            # 1000.00 x days in service / 31
            assert fees == {
                "inside": "354.84",  # 11 days
                "terminated": "483.87",  # 15 days
                "term_ended": "387.10",  # 12 days
                "starts": "225.81",  # 7 days
            }
