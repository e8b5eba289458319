"""Invoice runs: the drafts of every active contract for a period.

Work is claimed per contract in the database (``FOR UPDATE SKIP LOCKED``), each contract is
drafted in its own transaction that also records the item's outcome, and a claim expires after
a lease, so a run can be started twice, run by several workers, killed at any point and resumed:
the unique index on (contract, period) and the draft's row lock leave exactly one invoice per
contract. An upstream failure fails that contract with its reason; nothing is priced as zero.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billing.invoice_runs.models import InvoiceRun, ItemStatus, RunStatus
from billing.invoice_runs.repository import InvoiceRunRepository
from billing.invoices.drafting import AlreadyIssued, Drafter, NotBillable
from billing.invoices.repository import InvoiceRepository
from billing.price_plans.repository import PricePlanRepository
from billing.pricing.periods import Period
from billing.settings import BillingSettings
from billing.upstream import Upstream
from shared.errors import AppError, NotFound, UpstreamError
from shared.ids import uuid7

log = structlog.get_logger("billing.runs")


@dataclass
class RunStats:
    """Where a worker's time went (the benchmark reads it)."""

    contracts: int = 0
    upstream_seconds: float = 0.0
    total_seconds: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)


class Runner:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        upstream: Upstream,
        *,
        concurrency: int = 4,
        lease_seconds: float = 300,
        on_item: Callable[[uuid.UUID, str], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.stats = RunStats()
        self.upstream = upstream
        self.concurrency = concurrency
        self.lease_seconds = lease_seconds
        self.on_item = on_item
        self.worker = f"w-{uuid7().hex[-12:]}"

    async def execute(self, run_id: uuid.UUID) -> None:
        started = time.perf_counter()
        try:
            async with self.sessions() as session, session.begin():
                runs = InvoiceRunRepository(session)
                run = await runs.get(run_id, for_update=True)
                if run is None or run.status == RunStatus.completed.value:
                    return
                period = Period.parse(run.period)
                if not run.enumerated:
                    try:
                        ids = await self._contracts_in_service(period)
                    except AppError as exc:
                        run.status, run.reason = RunStatus.failed.value, _reason(exc)
                        log.warning("invoice_run.enumeration_failed", reason=run.reason)
                        return
                    await runs.add_items(run.id, ids)
                    run.enumerated, run.status, run.reason = True, RunStatus.running.value, None
            await asyncio.gather(*(self._work(run_id, period) for _ in range(self.concurrency)))
            async with self.sessions() as session, session.begin():
                runs = InvoiceRunRepository(session)
                counts = await runs.counts(run_id)
                if not counts.get("pending") and not counts.get("claimed"):
                    run = await runs.get(run_id, for_update=True)
                    if run is not None and run.status != RunStatus.completed.value:
                        run.status = RunStatus.completed.value
                        run.finished_at = datetime.now(UTC)
        finally:
            self.stats.total_seconds += time.perf_counter() - started

    async def _contracts_in_service(self, period: Period) -> list[uuid.UUID]:
        # In force on any day of the period: those ending, terminated or starting during the
        # month, and one that starts and ends inside it.
        seen: dict[uuid.UUID, None] = {}
        started = time.perf_counter()
        try:
            listed = await self.upstream.contracts.contracts_in_service(period.start, period.end)
            for contract in listed:
                seen[uuid.UUID(str(contract.get("id") or contract.get("contract_id")))] = None
        finally:
            self.stats.upstream_seconds += time.perf_counter() - started
        return list(seen)

    async def _work(self, run_id: uuid.UUID, period: Period) -> None:
        while True:
            async with self.sessions() as session, session.begin():
                contract_id = await InvoiceRunRepository(session).claim(
                    run_id, self.worker, self.lease_seconds
                )
            if contract_id is None:
                return
            outcome = await self._draft_one(run_id, contract_id, period)
            self.stats.contracts += 1
            self.stats.outcomes[outcome] = self.stats.outcomes.get(outcome, 0) + 1
            if self.on_item is not None:
                self.on_item(contract_id, outcome)

    async def _draft_one(self, run_id: uuid.UUID, contract_id: uuid.UUID, period: Period) -> str:
        status, reason, invoice_id = ItemStatus.done, None, None
        try:
            async with self.sessions() as session, session.begin():
                invoices = InvoiceRepository(session)
                drafter = Drafter(invoices, PricePlanRepository(session), self.upstream)
                try:
                    result = await drafter.draft(contract_id, period)
                finally:
                    self.stats.upstream_seconds += drafter.waited
                invoice_id, reason = result.invoice.id, result.outcome
                if not await InvoiceRunRepository(session).finish_item(
                    run_id, contract_id, self.worker, status, reason, invoice_id
                ):
                    raise _LostClaim
            return status.value
        except _LostClaim:
            return "lost_claim"
        except (AlreadyIssued, NotBillable) as exc:
            status, reason = ItemStatus.skipped, exc.detail
            invoice_id = _maybe_uuid(exc.extra.get("invoice_id"))
        except (UpstreamError, NotFound) as exc:
            status, reason = ItemStatus.failed, _reason(exc)
        except AppError as exc:
            status, reason = ItemStatus.failed, _reason(exc)
        except Exception as exc:  # a bug pricing one contract must not stop the run
            log.exception("invoice_run.contract_error", contract_id=str(contract_id))
            status, reason = ItemStatus.failed, f"internal error: {type(exc).__name__}"
        async with self.sessions() as session, session.begin():
            await InvoiceRunRepository(session).finish_item(
                run_id, contract_id, self.worker, status, reason, invoice_id
            )
        return status.value


class _LostClaim(Exception):
    """Another worker took this item over (our lease expired): roll our draft back."""


def _reason(exc: AppError) -> str:
    upstream = getattr(exc, "upstream", None)
    return f"{upstream}: {exc.detail}" if upstream else exc.detail


def _maybe_uuid(value: object) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


class RunManager:
    """Starts runs in the background of the service process and keeps their tasks."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        upstream: Upstream,
        settings: BillingSettings,
    ) -> None:
        self.sessions = sessions
        self.upstream = upstream
        self.settings = settings
        self.tasks: dict[uuid.UUID, asyncio.Task[None]] = {}

    def runner(self) -> Runner:
        return Runner(
            self.sessions,
            self.upstream,
            concurrency=self.settings.run_concurrency,
            lease_seconds=self.settings.run_claim_lease_seconds,
        )

    def start(self, run_id: uuid.UUID) -> asyncio.Task[None]:
        task = self.tasks.get(run_id)
        if task is None or task.done():
            task = asyncio.create_task(self.runner().execute(run_id), name=f"invoice-run-{run_id}")
            self.tasks[run_id] = task
        return task

    async def resume_unfinished(self) -> list[uuid.UUID]:
        """Start a worker on every run still marked running (after a restart). Claims held by
        the dead process are taken over once their lease expires."""
        async with self.sessions() as session:
            ids = await InvoiceRunRepository(session).running_ids()
        for run_id in ids:
            self.start(run_id)
        return ids

    async def take_over_abandoned(self) -> list[uuid.UUID]:
        """Start a worker on every run that has work a worker could do now and none of this
        process's workers is doing: a worker elsewhere was killed and its claims expired, or
        it stopped before the run was done. Claims keep two processes off one contract."""
        async with self.sessions() as session:
            ids = await InvoiceRunRepository(session).ids_with_work_left(
                self.settings.run_claim_lease_seconds
            )
        started = []
        for run_id in ids:
            task = self.tasks.get(run_id)
            if task is None or task.done():
                self.start(run_id)
                started.append(run_id)
        if started:
            log.info("invoice_run.taken_over", runs=[str(r) for r in started])
        return started

    async def watch(self, interval_seconds: float) -> None:
        """Every process looks for abandoned runs now and then, so a run whose worker died
        finishes without anyone posting it again."""
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                await self.take_over_abandoned()
            except Exception as exc:  # the database is away for a moment: look again later
                log.warning("invoice_run.watch_failed", error=type(exc).__name__)

    async def shutdown(self) -> None:
        for task in self.tasks.values():
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)


async def create_or_resume(
    runs: InvoiceRunRepository, period: Period, requested_by: str
) -> tuple[InvoiceRun, bool]:
    """The period's unfinished run (resumed, failed items retried) or a new one."""
    created = await runs.create(uuid7(), str(period), requested_by)
    run = await runs.unfinished(str(period))
    assert run is not None
    if not created:
        await runs.retry_failed(run.id)
        if run.status == RunStatus.failed.value:
            run.status = RunStatus.running.value
    return run, created
