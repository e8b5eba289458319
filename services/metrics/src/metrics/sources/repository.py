import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics.sources.models import Source
from shared.pagination import PageParams, keyset, page_from_rows


class SourceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, source_id: uuid.UUID) -> Source | None:
        return await self.session.get(Source, source_id)

    async def by_name(self, name: str) -> Source | None:
        return (
            await self.session.execute(select(Source).where(Source.name == name))
        ).scalar_one_or_none()

    async def add(self, source: Source) -> Source:
        self.session.add(source)
        await self.session.flush()
        await self.session.refresh(source)
        return source

    async def list(
        self, params: PageParams, *, client_id: uuid.UUID | None
    ) -> tuple[list[Source], str | None]:
        stmt = select(Source)
        if client_id is not None:
            # A client's caller sees only its own sources (``service.may_read``).
            stmt = stmt.where(Source.client_id == client_id)
        rows = (await self.session.execute(keyset(stmt, params, [Source.id]))).scalars().all()
        return page_from_rows(rows, params, ("id",))
