import uuid
from decimal import Decimal

from sqlalchemy import String, cast, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from billing.credit_balances.models import CreditEntry, Refund, RefundStatus
from shared.pagination import PageParams, keyset, page_from_rows


class CreditBalanceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, client_id: uuid.UUID, currency: str) -> None:
        """Serialise every movement of one client's balance in one currency until the
        transaction ends (a credit note adding to it, an invoice issue drawing on it), so two
        invoices issued at once cannot spend the same credit and ``balance_after`` is exact."""
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"client-credit:{client_id}:{currency}"},
        )

    async def balance(self, client_id: uuid.UUID, currency: str) -> Decimal:
        stmt = select(func.coalesce(func.sum(CreditEntry.amount), 0)).where(
            CreditEntry.client_id == client_id, CreditEntry.currency == currency
        )
        return Decimal((await self.session.execute(stmt)).scalar_one())

    async def balances(self, client_id: uuid.UUID) -> list[tuple[str, Decimal]]:
        stmt = (
            select(CreditEntry.currency, func.sum(CreditEntry.amount))
            .where(CreditEntry.client_id == client_id)
            .group_by(CreditEntry.currency)
            .order_by(CreditEntry.currency)
        )
        return [(c, Decimal(b)) for c, b in (await self.session.execute(stmt)).all()]

    async def open_credits(
        self, client_id: uuid.UUID, currency: str
    ) -> list[tuple[uuid.UUID, str, Decimal]]:
        """(credit note id, number, what is left of it) of every credit note with credit left,
        oldest first: applications draw on the oldest credit first."""
        left = func.sum(CreditEntry.amount)
        stmt = (
            select(CreditEntry.credit_note_id, CreditEntry.credit_note_number, left)
            .where(CreditEntry.client_id == client_id, CreditEntry.currency == currency)
            .group_by(CreditEntry.credit_note_id, CreditEntry.credit_note_number)
            .having(left > 0)
            # uuid7 ids sort by creation as text (PostgreSQL has no min() of uuid)
            .order_by(func.min(cast(CreditEntry.id, String)))
        )
        return [(i, n, Decimal(a)) for i, n, a in (await self.session.execute(stmt)).all()]

    async def entries(
        self, params: PageParams, *, client_id: uuid.UUID, currency: str | None
    ) -> tuple[list[CreditEntry], str | None]:
        stmt = select(CreditEntry).where(CreditEntry.client_id == client_id)
        if currency:
            stmt = stmt.where(CreditEntry.currency == currency)
        rows = (await self.session.execute(keyset(stmt, params, [CreditEntry.id]))).scalars().all()
        return page_from_rows(rows, params, ("id",))

    async def applied_to(self, invoice_id: uuid.UUID) -> list[CreditEntry]:
        stmt = (
            select(CreditEntry)
            .where(CreditEntry.invoice_id == invoice_id, CreditEntry.kind == "applied")
            .order_by(CreditEntry.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def refund(self, refund_id: uuid.UUID, *, for_update: bool = False) -> Refund | None:
        stmt = select(Refund).where(Refund.id == refund_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def refunds(
        self,
        params: PageParams,
        *,
        client_id: uuid.UUID | None,
        status: RefundStatus | None,
    ) -> tuple[list[Refund], str | None]:
        stmt = select(Refund)
        if client_id:
            stmt = stmt.where(Refund.client_id == client_id)
        if status:
            stmt = stmt.where(Refund.status == status)
        rows = (await self.session.execute(keyset(stmt, params, [Refund.id]))).scalars().all()
        return page_from_rows(rows, params, ("id",))

    async def add(self, *rows: object) -> None:
        self.session.add_all(rows)
        await self.session.flush()
