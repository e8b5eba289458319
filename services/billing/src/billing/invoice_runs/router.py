import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response, status

from billing.dependencies import BILLERS
from billing.errors import InvoiceRunNotFound
from billing.invoice_runs.models import InvoiceRun, ItemStatus
from billing.invoice_runs.repository import InvoiceRunRepository
from billing.invoice_runs.schemas import (
    InvoiceRunCreate,
    InvoiceRunPage,
    InvoiceRunRead,
    RunItemPage,
    RunItemRead,
    RunProgress,
)
from billing.invoice_runs.service import RunManager, create_or_resume
from billing.pricing.periods import Period
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.errors import Conflict
from shared.pagination import PageParamsDep
from shared.periods import CalendarMonth

router = APIRouter(prefix="/v1/invoice-runs", tags=["invoice runs"])

Runner = Annotated[Principal, Depends(require(*BILLERS))]
Watcher = Annotated[Principal, Depends(require(*BILLERS, Role.service))]


async def get_repository(session: SessionDep) -> InvoiceRunRepository:
    return InvoiceRunRepository(session)


RepoDep = Annotated[InvoiceRunRepository, Depends(get_repository)]


async def _read(runs: InvoiceRunRepository, run: InvoiceRun) -> InvoiceRunRead:
    counts = await runs.counts(run.id)
    return InvoiceRunRead(
        id=run.id,
        period=run.period,
        status=run.status,
        reason=run.reason,
        requested_by=run.requested_by,
        created_at=run.created_at,
        finished_at=run.finished_at,
        progress=RunProgress(total=sum(counts.values()), **counts),
    )


async def _start(request: Request, run_id: uuid.UUID) -> None:
    manager: RunManager = request.app.state.runs
    manager.start(run_id)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Start the run of a period (or resume its unfinished run: 200)",
    responses={
        200: {"model": InvoiceRunRead, "description": "The period's unfinished run, resumed"}
    },
    description=(
        "Creates or refreshes the draft of every contract active in the period, in the "
        "background. Safe to call twice: an unfinished run of the period is resumed (its "
        "failed contracts retried) instead of starting another."
    ),
)
async def create_invoice_run(
    data: InvoiceRunCreate,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    runs: RepoDep,
    principal: Runner,
) -> InvoiceRunRead:
    run, created = await create_or_resume(runs, Period.parse(data.period), principal.subject)
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"/v1/invoice-runs/{run.id}"
    background.add_task(_start, request, run.id)  # after the commit
    return await _read(runs, run)


@router.post("/{run_id}/resume", summary="Resume a run (retries its failed contracts)")
async def resume_invoice_run(
    run_id: uuid.UUID,
    request: Request,
    background: BackgroundTasks,
    runs: RepoDep,
    _: Runner,
) -> InvoiceRunRead:
    run = await runs.get(run_id, for_update=True)
    if run is None:
        raise InvoiceRunNotFound(f"no invoice run {run_id}")
    other = await runs.unfinished(run.period)
    if other is not None and other.id != run.id:
        raise Conflict(f"run {other.id} of {run.period} is unfinished: resume that one")
    await runs.retry_failed(run.id)
    counts = await runs.counts(run.id)
    if run.status != "completed" or counts.get("pending"):
        run.status, run.finished_at = "running", None
        background.add_task(_start, request, run.id)
    return await _read(runs, run)


@router.get("", summary="List invoice runs")
async def list_invoice_runs(
    runs: RepoDep, page: PageParamsDep, _: Watcher, period: CalendarMonth | None = None
) -> InvoiceRunPage:
    items, cursor = await runs.list_runs(page, period)
    return InvoiceRunPage(
        items=[await _read(runs, r) for r in items], next_cursor=cursor, limit=page.limit
    )


@router.get("/{run_id}", summary="A run and its progress (done / failed / skipped)")
async def get_invoice_run(run_id: uuid.UUID, runs: RepoDep, _: Watcher) -> InvoiceRunRead:
    run = await runs.get(run_id)
    if run is None:
        raise InvoiceRunNotFound(f"no invoice run {run_id}")
    return await _read(runs, run)


@router.get("/{run_id}/items", summary="Each contract of a run, with its outcome and reason")
async def list_invoice_run_items(
    run_id: uuid.UUID,
    runs: RepoDep,
    page: PageParamsDep,
    _: Watcher,
    status: ItemStatus | None = None,
) -> RunItemPage:
    if await runs.get(run_id) is None:
        raise InvoiceRunNotFound(f"no invoice run {run_id}")
    items, cursor = await runs.items(run_id, page, status.value if status else None)
    return RunItemPage(
        items=[RunItemRead.model_validate(i) for i in items], next_cursor=cursor, limit=page.limit
    )
