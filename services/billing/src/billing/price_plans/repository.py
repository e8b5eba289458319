from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from billing.invoices.models import Invoice, InvoiceStatus
from billing.price_plans.models import PricePlan, PricePlanVersion
from billing.tax_rates.models import TaxRate
from shared.pagination import PageParams, keyset, page_from_rows


class PricePlanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, plan_id: uuid.UUID, *, for_update: bool = False) -> PricePlan | None:
        return await self.session.get(PricePlan, plan_id, with_for_update=for_update)

    async def tax_rate(self, tax_rate_id: uuid.UUID) -> TaxRate | None:
        """The tax rate a plan version applies (its name goes on the invoice)."""
        return await self.session.get(TaxRate, tax_rate_id)

    async def by_contract(self, contract_id: uuid.UUID) -> PricePlan | None:
        stmt = select(PricePlan).where(PricePlan.contract_id == contract_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def versions(self, plan_ids: list[uuid.UUID]) -> list[PricePlanVersion]:
        stmt = (
            select(PricePlanVersion)
            .where(PricePlanVersion.price_plan_id.in_(plan_ids))
            .order_by(PricePlanVersion.price_plan_id, PricePlanVersion.version)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def version_on(self, plan_id: uuid.UUID, day: date) -> PricePlanVersion | None:
        stmt = (
            select(PricePlanVersion)
            .where(
                PricePlanVersion.price_plan_id == plan_id, PricePlanVersion.effective_from <= day
            )
            .order_by(PricePlanVersion.effective_from.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def last_issued_period_end(self, contract_id: uuid.UUID) -> date | None:
        stmt = (
            select(Invoice.period_end)
            .where(
                Invoice.contract_id == contract_id,
                Invoice.status.in_([InvoiceStatus.issued, InvoiceStatus.paid]),
            )
            .order_by(Invoice.period_end.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add(self, *rows: object) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def list_plans(
        self,
        params: PageParams,
        *,
        client_id: uuid.UUID | None,
        contract_id: uuid.UUID | None,
    ) -> tuple[list[PricePlan], str | None]:
        stmt = select(PricePlan)
        if client_id:
            stmt = stmt.where(PricePlan.client_id == client_id)
        if contract_id:
            stmt = stmt.where(PricePlan.contract_id == contract_id)
        rows = (await self.session.execute(keyset(stmt, params, [PricePlan.id]))).scalars().all()
        return page_from_rows(rows, params, ("id",))
