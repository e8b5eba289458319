import uuid

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from metrics.sla.models import SlaReport
from shared.pagination import PageParams, keyset, page_from_rows


class SlaReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, report_id: uuid.UUID) -> SlaReport | None:
        return await self.session.get(SlaReport, report_id)

    async def lock(self, contract_id: uuid.UUID, period: str) -> None:
        """Serialize report creation for one contract and period (until the transaction ends)."""
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"sla_report:{contract_id}:{period}"},
        )

    async def latest(self, contract_id: uuid.UUID, period: str) -> SlaReport | None:
        stmt = (
            select(SlaReport)
            .where(SlaReport.contract_id == contract_id, SlaReport.period == period)
            .order_by(SlaReport.revision.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def next_revision(self, contract_id: uuid.UUID, period: str) -> int:
        stmt = select(func.coalesce(func.max(SlaReport.revision), 0) + 1).where(
            SlaReport.contract_id == contract_id, SlaReport.period == period
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def add(self, report: SlaReport) -> SlaReport:
        self.session.add(report)
        await self.session.flush()
        await self.session.refresh(report)
        return report

    async def list(
        self,
        params: PageParams,
        *,
        contract_id: uuid.UUID | None,
        period: str | None,
        client_id: uuid.UUID | None,
    ) -> tuple[list[SlaReport], str | None]:
        stmt = select(SlaReport)
        if contract_id is not None:
            stmt = stmt.where(SlaReport.contract_id == contract_id)
        if period is not None:
            stmt = stmt.where(SlaReport.period == period)
        if client_id is not None:
            stmt = stmt.where(SlaReport.client_id == client_id)
        rows = (await self.session.execute(keyset(stmt, params, [SlaReport.id]))).scalars().all()
        return page_from_rows(rows, params, ("id",))
