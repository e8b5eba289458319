import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from billing.tax_rates.models import TaxRate
from shared.pagination import PageParams, keyset, page_from_rows


class TaxRateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tax_rate_id: uuid.UUID) -> TaxRate | None:
        return await self.session.get(TaxRate, tax_rate_id)

    async def find(self, code: str, valid_from: date) -> TaxRate | None:
        stmt = select(TaxRate).where(TaxRate.code == code, TaxRate.valid_from == valid_from)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add(self, tax_rate: TaxRate) -> TaxRate:
        self.session.add(tax_rate)
        await self.session.flush()
        await self.session.refresh(tax_rate)
        return tax_rate

    async def list(
        self, params: PageParams, *, country: str | None, code: str | None
    ) -> tuple[list[TaxRate], str | None]:
        stmt = select(TaxRate)
        if country:
            stmt = stmt.where(TaxRate.country == country)
        if code:
            stmt = stmt.where(TaxRate.code == code)
        rows = (await self.session.execute(keyset(stmt, params, [TaxRate.id]))).scalars().all()
        return page_from_rows(rows, params, ("id",))
