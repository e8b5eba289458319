"""Benchmark: a month-end invoice run over 1,000 active contracts with a month of usage each,
against the real contracts, metrics and billing services.

    uv run python bench/bench_invoice_run.py [--contracts 1000] [--records-per-contract 200]
        [--agent-spans 20] [--concurrency 4] [--setup-concurrency 16]

Set-up (not timed as the result): a PostgreSQL (BENCH_DATABASE_URL, DATABASE_URL, or the
embedded one under .data/bench-pg), fresh ``bench_*`` databases migrated by each service's
Alembic history, and the three services as separate uvicorn processes started the way
``contrato up`` starts them (``contrato.platform``). Through their public APIs: an operator,
one client per ten contracts, ``--contracts`` SLA contracts created and signed (two service
levels with pool shares); a month (2026-01) of contact records per contract pushed to metrics in
10,000-record batches spanning many contracts, plus agent activity; a price plan per contract
(fixed fee, graduated voice minutes per 6 s, per-contact and per-agent-hour charges, minimum
commitment, tax); and each contract's SLA report for the month (metrics closes the month first,
as at a real month end).

Timed: one invoice run started with ``POST /v1/invoice-runs`` in the billing process, polled
until completed. Billing's run workers account for their own time (``RunStats``); the billing
process is launched through ``bench/_billing_probe.py``, which is the unchanged app plus a
read-only route returning those figures. Printed: contracts per second, and the share of the
workers' time spent waiting on contracts/metrics (wall time of the waits per contract: billing
terms, then usage and the SLA report concurrently, counted once), plus the upstream time per
route as the contracts and metrics processes measured it (their Prometheus histograms).

Baseline, measured in the same run: the same upstream reads for every contract (billing terms,
then the plan's usage queries and the SLA report concurrently), with the same number of
workers, the same HTTP client and nothing else: no database, no pricing. The ratio run /
baseline says what billing adds on top of fetching its inputs (1.0 would be free).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import random
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent

from billing.pricing.engine import usage_queries  # noqa: E402
from billing.pricing.periods import Period  # noqa: E402
from billing.pricing.plan import PlanTerms  # noqa: E402
from billing.upstream import ContractsClient, MetricsClient, Upstream  # noqa: E402
from contrato.pg import EmbeddedPostgres, database_url, ensure_databases  # noqa: E402
from contrato.platform import SERVICES, Processes, Service, wait_ready  # noqa: E402
from shared.auth import generate_key_pair, mint_token  # noqa: E402
from shared.http import ServiceClient, default_timeout  # noqa: E402
from shared.migrations import upgrade  # noqa: E402

T = TypeVar("T")
A = TypeVar("A")

ISSUER, AUDIENCE = "contrato-bench", "contrato"
PERIOD = "2026-01"
MONTH_START = datetime(2026, 1, 1, 3, tzinfo=UTC)  # midnight in São Paulo
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SIGNERS = [
    {"name": "Ana Souza", "email": "ana@client.example", "party": "client"},
    {"name": "Rui Lima", "email": "rui@bpo.example", "party": "operator"},
]
OPERATOR = {
    "kind": "operator",
    "legal_name": "Contact Partners Ltda.",
    "display_name": "Contact Partners",
    "country": "BR",
    "tax_id": "11.222.333/0001-44",
    "billing_email": "billing@contactpartners.example",
    "time_zone": "America/Sao_Paulo",
}
PLAN = {
    "effective_from": "2025-12-01",
    "charges": [
        {"key": "management", "name": "Management fee", "model": "fixed", "amount": "5000.00"},
        {
            "key": "minutes",
            "name": "Voice minutes",
            "model": "graduated",
            "metric": "handled_minutes",
            "channel": "voice",
            "increment_seconds": 6,
            "tiers": [
                {"up_to": "2000", "unit_price": "0.55"},
                {"up_to": "5000", "unit_price": "0.48"},
                {"up_to": None, "unit_price": "0.42"},
            ],
        },
        {
            "key": "contacts",
            "name": "Contacts",
            "model": "per_unit",
            "metric": "handled_contacts",
            "unit_price": "0.35",
        },
        {
            "key": "hours",
            "name": "Agent hours",
            "model": "per_unit",
            "metric": "productive_agent_hours",
            "unit_price": "2.10",
        },
    ],
    "minimum_commitment": "6000.00",
    "tax_rate_percent": "5",
}
QUEUES = ("support", "sales", "billing")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def check(response: httpx.Response, *expected: int) -> Any:
    if response.status_code not in (expected or (200, 201)):
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path} -> "
            f"{response.status_code}: {response.text[:500]}"
        )
    return response.json() if response.content else None


async def bounded(limit: int, job: Callable[[A], Awaitable[T]], items: Iterable[A]) -> list[T]:
    """``job(item)`` for every item, at most ``limit`` at once, answers in order."""
    gate = asyncio.Semaphore(limit)

    async def one(item: A) -> T:
        async with gate:
            return await job(item)

    return list(await asyncio.gather(*(one(i) for i in items)))


def contract_body(i: int, client_id: str) -> dict[str, Any]:
    queues = [f"k{i}-{q}" for q in QUEUES]
    return {
        "type": "SLA",
        "title": f"Customer care {i}",
        "client_id": client_id,
        "currency": "BRL",
        "time_zone": "America/Sao_Paulo",
        "scope": {
            "channels": ["voice", "chat"],
            "queues": queues,
            "hours": {day: [["00:00", "24:00"]] for day in DAYS},
            "holidays": [],
        },
        "term": {"start_date": "2025-12-01", "renewal_type": "evergreen"},
        "service_levels": [
            {
                "key": "voice_sl",
                "metric": "service_level",
                "threshold_seconds": 20,
                "target": "0.80",
                "channels": ["voice"],
                "short_abandon_seconds": 5,
                "pool_share": "0.6",
            },
            {
                "key": "asa",
                "metric": "asa",
                "target": "30",
                "channels": ["voice"],
                "pool_share": "0.4",
            },
        ],
        "service_credit_terms": {"at_risk_percent": "10"},
    }


def month_of_contacts(i: int, contract_id: str, count: int) -> list[dict[str, Any]]:
    """``count`` contacts of one contract spread over the month, in time order."""
    rng = random.Random(i)
    step = 30 * 86400 / max(count, 1)
    out = []
    for n in range(count):
        at = MONTH_START + timedelta(seconds=n * step + rng.random() * step)
        outcome = rng.choices(("answered", "abandoned", "flow_out"), (85, 12, 3))[0]
        answered = outcome == "answered"
        out.append(
            {
                "external_id": f"k{i}-c{n}",
                "contract_id": contract_id,
                "queue": f"k{i}-{rng.choice(QUEUES)}",
                "channel": rng.choice(("voice", "voice", "voice", "chat")),
                "enqueued_at": at.isoformat(),
                "wait_seconds": int(rng.expovariate(1 / 25)),
                "talk_seconds": rng.randrange(30, 600) if answered else 0,
                "acw_seconds": rng.randrange(0, 90) if answered else 0,
                "outcome": outcome,
                "agent": f"k{i}-agent-{rng.randrange(12)}" if answered else None,
            }
        )
    return out


def month_of_activity(i: int, contract_id: str, count: int) -> list[dict[str, Any]]:
    """``count`` productive spans of 2-6 hours, one a day from the 2nd, agents in turn."""
    rng = random.Random(10_000 + i)
    out = []
    for n in range(count):
        begin = MONTH_START + timedelta(days=1 + n % 28, hours=8 + (n // 28) % 8)
        out.append(
            {
                "external_id": f"k{i}-a{n}",
                "contract_id": contract_id,
                "agent": f"k{i}-agent-{n % 12}",
                "state": "on_contact",
                "started_at": begin.isoformat(),
                "ended_at": (begin + timedelta(minutes=rng.randrange(120, 360))).isoformat(),
            }
        )
    return out


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int, *, with_children: bool = False) -> float:
    """CPU time (user + system) a process used so far; with its live children's and its
    exited children's too (PostgreSQL: the postmaster and its backends). Linux only."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = _stat(pid)  # fields[11..14]: utime, stime, cutime, cstime
    except OSError:
        return 0.0
    total = sum(int(v) for v in fields[11 : 15 if with_children else 13])
    if with_children:
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    child = _stat(int(entry))
                except OSError:
                    continue
                if int(child[1]) == pid:
                    total += int(child[11]) + int(child[12])
    return total / tick


@dataclass
class Urls:
    contracts: str
    metrics: str
    billing: str


class Bench:
    def __init__(
        self, args: argparse.Namespace, urls: Urls, private_pem: str, pids: dict[str, int]
    ) -> None:
        self.args = args
        self.urls = urls
        self.private_pem = private_pem
        self.pids = pids  # process of each service, and "postgres": the postmaster (if ours)

    def cpu(self) -> dict[str, float]:
        out = {n: cpu_seconds(p, with_children=n == "postgres") for n, p in self.pids.items()}
        out["benchmark"] = cpu_seconds(os.getpid())
        return out

    def token(self, role: str) -> str:
        return mint_token(
            self.private_pem,
            subject=f"bench-{role}",
            role=role,
            issuer=ISSUER,
            audience=AUDIENCE,
            ttl_seconds=4 * 3600,
        )

    def client(self, url: str, role: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=url,
            headers={"authorization": f"Bearer {self.token(role)}"},
            timeout=httpx.Timeout(300.0),
            limits=httpx.Limits(max_connections=64),
        )

    # --- set-up, through the public APIs ---

    async def signed_contracts(self, api: httpx.AsyncClient) -> list[str]:
        check(await api.post("/v1/organizations", json=OPERATOR), 201)
        n_clients = max(1, self.args.contracts // 10)

        async def new_client(k: int) -> str:
            body = {
                "legal_name": f"Client {k} S.A.",
                "display_name": f"Client {k}",
                "country": "BR",
                "tax_id": "12.345.678/0001-90",
                "billing_email": f"ap@client-{k}.example",
                "time_zone": "America/Sao_Paulo",
            }
            return str(check(await api.post("/v1/organizations", json=body), 201)["id"])

        clients = await bounded(self.args.setup_concurrency, new_client, range(n_clients))

        async def signed(i: int) -> str:
            body = contract_body(i, clients[i % n_clients])
            contract_id = check(await api.post("/v1/contracts", json=body), 201)["id"]
            base = f"/v1/contracts/{contract_id}"
            check(await api.post(f"{base}/actions/submit", json={"reason": "ready"}), 200)
            check(await api.post(f"{base}/actions/approve", json={"reason": "ok"}), 200)
            check(
                await api.post(f"{base}/actions/send_for_signature", json={"signers": SIGNERS}),
                200,
            )
            for signer in SIGNERS:
                check(await api.post(f"{base}/signatures", json={"email": signer["email"]}), 201)
            return str(contract_id)

        return await bounded(self.args.setup_concurrency, signed, range(self.args.contracts))

    async def usage(self, api: httpx.AsyncClient, ids: list[str]) -> int:
        check(await api.post("/v1/sources", json={"name": "pbx", "kind": "api"}), 201)
        per = self.args.records_per_contract
        pushed = 0

        async def push(path: str, records: list[dict[str, Any]]) -> None:
            answer = check(await api.post(path, json={"source": "pbx", "records": records}), 200)
            if answer["rejected"]:
                raise RuntimeError(f"{path} rejected records: {answer['rejections'][:3]}")

        for path, make, count in (
            ("/v1/contact-records", month_of_contacts, per),
            ("/v1/agent-activity", month_of_activity, self.args.agent_spans),
        ):
            if count <= 0:
                continue
            batches: list[list[dict[str, Any]]] = [[]]
            for i, contract_id in enumerate(ids):
                for record in make(i, contract_id, count):
                    if len(batches[-1]) == 10_000:
                        batches.append([])
                    batches[-1].append(record)
            pushed += sum(len(b) for b in batches)
            await bounded(2, functools.partial(push, path), batches)
        return pushed

    async def price_plans(self, api: httpx.AsyncClient, ids: list[str]) -> None:
        async def plan(item: tuple[int, str]) -> None:
            i, contract_id = item
            body = {"contract_id": contract_id, "name": f"Plan {i}", "version": PLAN}
            check(await api.post("/v1/price-plans", json=body), 201)

        await bounded(self.args.setup_concurrency, plan, enumerate(ids))

    async def sla_reports(self, api: httpx.AsyncClient, ids: list[str]) -> None:
        async def report(contract_id: str) -> None:
            body = {"contract_id": contract_id, "period": PERIOD, "recompute": False}
            check(await api.post("/v1/sla-reports", json=body), 200, 201)

        await bounded(self.args.setup_concurrency, report, ids)

    # --- the measurements ---

    async def upstream_histograms(self) -> dict[tuple[str, str], tuple[float, float]]:
        """(service, route) -> (seconds, count) served so far, from each process's /metrics."""
        out: dict[tuple[str, str], tuple[float, float]] = {}
        async with httpx.AsyncClient(timeout=30) as http:
            for service, url in (
                ("contracts", self.urls.contracts),
                ("metrics", self.urls.metrics),
            ):
                text = (await http.get(url + "/metrics")).text
                sums: dict[str, float] = defaultdict(float)
                counts: dict[str, float] = defaultdict(float)
                for family in text_string_to_metric_families(text):
                    if family.name != "http_request_duration_seconds":
                        continue
                    for sample in family.samples:
                        route = f"{sample.labels['method']} {sample.labels['route']}"
                        if sample.name.endswith("_sum"):
                            sums[route] += sample.value
                        elif sample.name.endswith("_count"):
                            counts[route] += sample.value
                for route in sums:
                    out[(service, route)] = (sums[route], counts[route])
        return out

    async def invoice_run(self, billing: httpx.AsyncClient) -> tuple[float, dict[str, Any], Any]:
        started = time.perf_counter()
        run = check(await billing.post("/v1/invoice-runs", json={"period": PERIOD}), 201)
        while run["status"] == "running":
            await asyncio.sleep(0.1)
            run = check(await billing.get(f"/v1/invoice-runs/{run['id']}"), 200)
        wall = time.perf_counter() - started
        async with httpx.AsyncClient(timeout=30) as http:
            [stats] = check(await http.get(self.urls.billing + "/bench/run-stats"), 200)
        return wall, stats, run

    async def portfolio(self, billing: httpx.AsyncClient) -> tuple[float, int]:
        """The SLA risk portfolio of the period, as of its 16th (every contract's service
        levels projected and priced): seconds, contracts."""
        started = time.perf_counter()
        page = check(
            await billing.get(
                "/v1/sla-risk/portfolio",
                params={"period": PERIOD, "as_of": "2026-01-16T03:00:00Z", "limit": 500},
            ),
            200,
        )
        return time.perf_counter() - started, int(page["contracts"])

    async def baseline(self, ids: list[str]) -> float:
        """The run's upstream reads alone, with as many workers as the run, same clients."""
        service_token = self.token("service")
        timeout = default_timeout(read=60.0)
        upstream = Upstream(
            ContractsClient(
                ServiceClient(
                    "contracts", self.urls.contracts, token_provider=lambda: service_token,
                    timeout=timeout,
                )
            ),
            MetricsClient(
                ServiceClient(
                    "metrics", self.urls.metrics, token_provider=lambda: service_token,
                    timeout=timeout,
                )
            ),
        )  # fmt: skip
        period = Period.parse(PERIOD)
        queries = usage_queries(
            PlanTerms.model_validate({k: v for k, v in PLAN.items() if k != "effective_from"})
        )
        todo = iter(ids)

        async def worker() -> None:
            for contract_id in todo:
                cid = uuid.UUID(contract_id)
                await upstream.contracts.billing_terms(cid, period.end)
                await asyncio.gather(
                    *(upstream.metrics.usage(cid, PERIOD, q) for q in queries),
                    upstream.metrics.sla_report(cid, PERIOD),
                )

        try:
            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(self.args.concurrency)))
            return time.perf_counter() - started
        finally:
            await upstream.aclose()

    async def run(self) -> None:
        async with (
            self.client(self.urls.contracts, "operator") as contracts,
            self.client(self.urls.metrics, "operator") as metrics,
            self.client(self.urls.billing, "finance") as billing,
        ):
            t = time.perf_counter()
            ids = await self.signed_contracts(contracts)
            print(
                f"setup: {len(ids)} contracts created and signed in {time.perf_counter() - t:.1f} s"
            )
            t = time.perf_counter()
            pushed = await self.usage(metrics, ids)
            print(f"setup: {pushed:,} contact records and agent spans ingested in "
                  f"{time.perf_counter() - t:.1f} s")  # fmt: skip
            t = time.perf_counter()
            await self.price_plans(billing, ids)
            print(f"setup: {len(ids)} price plans in {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            await self.sla_reports(metrics, ids)
            print(f"setup: {len(ids)} SLA reports for {PERIOD} in {time.perf_counter() - t:.1f} s")

            before = await self.upstream_histograms()
            cpu_before = self.cpu()
            wall, stats, run = await self.invoice_run(billing)
            cpu_run = {k: v - cpu_before[k] for k, v in self.cpu().items()}
            after = await self.upstream_histograms()
            portfolio = await self.portfolio(billing) if self.args.portfolio else None
        cpu_before = self.cpu()
        baseline = await self.baseline(ids)
        cpu_baseline = {k: v - cpu_before[k] for k, v in self.cpu().items()}

        concurrency = stats["concurrency"]
        worker_seconds = stats["total_seconds"] * concurrency
        print()
        print(f"invoice run {PERIOD}: {stats['contracts']} contracts, progress {run['progress']}")
        print(f"run time (workers)   {stats['total_seconds']:8.2f} s  (concurrency {concurrency}; "
              f"{wall:.2f} s as the API client saw it)")  # fmt: skip
        print(f"contracts per second {stats['contracts'] / stats['total_seconds']:8.1f}")
        share = stats["upstream_seconds"] / worker_seconds
        print(f"upstream wait        {stats['upstream_seconds']:8.2f} s summed over workers "
              f"= {100 * share:.0f} % of worker time")  # fmt: skip
        print("upstream time by route, as the services measured it during the run")
        print("(service-terms are metrics asking contracts while it answers billing):")
        for key in sorted(after):
            seconds = after[key][0] - before.get(key, (0.0, 0.0))[0]
            count = after[key][1] - before.get(key, (0.0, 0.0))[1]
            if count and "unmatched" not in key[1]:
                print(f"  {key[0]:9} {key[1]:45} {int(count):6} calls "
                      f"{seconds:7.2f} s  {1000 * seconds / count:6.1f} ms/call")  # fmt: skip
        print(f"baseline: the same upstream reads alone, {concurrency} workers: {baseline:.2f} s "
              f"({len(ids) / baseline:.1f} contracts/s)")  # fmt: skip
        print(f"CPU seconds used during the run ({wall:.1f} s, {os.cpu_count()} cores): "
              + ", ".join(f"{k} {v:.1f}" for k, v in cpu_run.items()))  # fmt: skip
        print(f"CPU seconds used during the baseline ({baseline:.1f} s): "
              + ", ".join(f"{k} {v:.1f}" for k, v in cpu_baseline.items()))  # fmt: skip
        print(
            f"ratio run / baseline {stats['total_seconds'] / baseline:8.2f}  "
            "(what billing adds on top of fetching its inputs; 1.0 would be free)"
        )
        if portfolio is not None:
            seconds, contracts = portfolio
            print(f"SLA risk portfolio of {contracts} contracts as of the 16th: {seconds:.1f} s "
                  f"({contracts / seconds:.1f} contracts/s)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--contracts", type=int, default=1000)
    parser.add_argument(
        "--portfolio", action="store_true", help="also time the SLA risk portfolio afterwards"
    )
    parser.add_argument("--records-per-contract", type=int, default=200)
    parser.add_argument("--agent-spans", type=int, default=20, help="per contract")
    parser.add_argument("--concurrency", type=int, default=4, help="BILLING_RUN_CONCURRENCY")
    parser.add_argument("--setup-concurrency", type=int, default=16)
    args = parser.parse_args()

    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    embedded = None
    if not server:
        embedded = EmbeddedPostgres(ROOT / ".data" / "bench-pg")
        server = embedded.start()
    processes = Processes()
    try:
        names = {s.name: f"bench_{s.name}" for s in SERVICES}
        ensure_databases(server, names.values(), fresh=True)
        db_urls = {name: database_url(server, db) for name, db in names.items()}
        for service in SERVICES:
            upgrade(service.directory, db_urls[service.name])
        private, public = generate_key_pair(ROOT / ".data" / "bench-invoice-run" / "keys")
        ports = {s.name: free_port() for s in SERVICES}
        urls = Urls(*(f"http://127.0.0.1:{ports[n]}" for n in ("contracts", "metrics", "billing")))
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("CONTRATO_JWT", "DATABASE_URL"))
        }
        env |= {
            "CONTRATO_ENV": "development",
            "CONTRATO_LOG_LEVEL": "WARNING",
            "CONTRATO_JWT_PRIVATE_KEY_FILE": str(private),
            "CONTRATO_JWT_PUBLIC_KEY_FILE": str(public),
            "CONTRATO_JWT_ISSUER": ISSUER,
            "CONTRATO_JWT_AUDIENCE": AUDIENCE,
            "METRICS_CONTRACTS_URL": urls.contracts,
            "BILLING_CONTRACTS_URL": urls.contracts,
            "BILLING_METRICS_URL": urls.metrics,
            "BILLING_RUN_CONCURRENCY": str(args.concurrency),
            "BILLING_RUN_RESUME_ON_STARTUP": "false",
            "BILLING_WEBHOOK_DISPATCH": "false",
            # The SLA alerts' pass (this month's projections) would share the machine with
            # the run it measures.
            "BILLING_SLA_ALERT_INTERVAL_SECONDS": "0",
            "BILLING_DATABASE_POOL_SIZE": str(max(10, args.concurrency + 4)),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH_DIR), env.get("PYTHONPATH")])),
        }
        for service in SERVICES:
            if service.name == "billing":
                service = Service(service.name, "_billing_probe:create_app", service.directory, 0)
            processes.start(
                service,
                "127.0.0.1",
                ports[service.name],
                {**env, f"{service.name.upper()}_DATABASE_URL": db_urls[service.name]},
            )
        for url in (urls.contracts, urls.metrics, urls.billing):
            wait_ready(url + "/readyz", processes)
        pids = {name: child.pid for name, child in processes.children.items()}
        postmaster = embedded.data_dir / "postmaster.pid" if embedded else None
        if postmaster is not None and postmaster.exists():
            pids["postgres"] = int(postmaster.read_text().split()[0])
        asyncio.run(Bench(args, urls, private.read_text(), pids).run())
    finally:
        processes.stop()
        if embedded is not None:
            embedded.stop()


if __name__ == "__main__":
    main()
