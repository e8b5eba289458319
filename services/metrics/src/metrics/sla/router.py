import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from metrics.base import idempotency
from metrics.deps import ContractsDep
from metrics.kpis.repository import KpiRepository
from metrics.sla.repository import SlaReportRepository
from metrics.sla.schemas import SlaReportPage, SlaReportRead, SlaReportRequest
from metrics.sla.service import SlaService
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.idempotency import IdempotencyKeyHeader
from shared.pagination import PageParamsDep
from shared.periods import CalendarMonth

router = APIRouter(prefix="/v1/sla-reports", tags=["sla reports"])

READERS = (Role.operator, Role.finance, Role.client, Role.partner, Role.service)
WRITERS = (Role.operator, Role.finance, Role.service)


async def get_service(session: SessionDep, contracts: ContractsDep) -> SlaService:
    return SlaService(SlaReportRepository(session), KpiRepository(session), contracts)


ServiceDep = Annotated[SlaService, Depends(get_service)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Evaluate a contract's service levels for a month (or return the stored report)",
    description="201 with a new report (or a new revision when `recompute` is true); 200 with "
    "the latest stored revision otherwise.",
    responses={
        200: {"description": "The stored report"},
        404: {"description": "No such contract (or not yours)"},
    },
)
async def create_sla_report(
    data: SlaReportRequest,
    response: Response,
    session: SessionDep,
    service: ServiceDep,
    principal: Annotated[Principal, Depends(require(*WRITERS))],
    idempotency_key: IdempotencyKeyHeader = None,
) -> SlaReportRead:

    async def create() -> tuple[SlaReportRead, int]:
        report, created = await service.report(
            principal, data.contract_id, data.period, recompute=data.recompute
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return SlaReportRead.model_validate(report), code

    read = await idempotency.run(
        session, response, scope=f"{principal.subject}:create_sla_report",
        key=idempotency_key, body=data.model_dump(mode="json"), answer=SlaReportRead,
        create=create,
    )  # fmt: skip
    response.headers["Location"] = f"/v1/sla-reports/{read.id}"
    return read


@router.get("/{report_id}", summary="Get a stored SLA report", responses={404: {}})
async def get_sla_report(
    report_id: uuid.UUID,
    service: ServiceDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
) -> SlaReportRead:
    return SlaReportRead.model_validate(await service.get(principal, report_id))


@router.get("", summary="List stored SLA reports (every revision)")
async def list_sla_reports(
    service: ServiceDep,
    page: PageParamsDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
    contract_id: uuid.UUID | None = None,
    period: Annotated[CalendarMonth | None, Query()] = None,
) -> SlaReportPage:
    items, next_cursor = await service.list(principal, page, contract_id=contract_id, period=period)
    return SlaReportPage(
        items=[SlaReportRead.model_validate(r) for r in items],
        next_cursor=next_cursor,
        limit=page.limit,
    )
