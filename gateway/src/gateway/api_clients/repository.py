import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.api_clients.models import ApiClient, ApiClientStatus
from shared.pagination import PageParams, keyset, page_from_rows

# Every gateway process LISTENs here; a revocation NOTIFYs it in its own transaction, so the
# notice goes out when (and only if) the revocation commits.
REVOKED_CHANNEL = "api_client_revoked"


class ApiClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, id_: uuid.UUID, *, for_update: bool = False) -> ApiClient | None:
        stmt = select(ApiClient).where(ApiClient.id == id_)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_client_id(self, client_id: str) -> ApiClient | None:
        stmt = select(ApiClient).where(ApiClient.client_id == client_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add(self, api_client: ApiClient) -> ApiClient:
        self.session.add(api_client)
        await self.session.flush()
        await self.session.refresh(api_client)
        return api_client

    async def flush(self, api_client: ApiClient) -> ApiClient:
        await self.session.flush()
        await self.session.refresh(api_client)
        return api_client

    async def touch(self, id_: uuid.UUID, at: datetime) -> None:
        await self.session.execute(
            update(ApiClient).where(ApiClient.id == id_).values(last_token_at=at)
        )

    async def announce_revoked(self, id_: uuid.UUID) -> None:
        await self.session.execute(select(func.pg_notify(REVOKED_CHANNEL, str(id_))))

    async def revoked_ids(self) -> set[uuid.UUID]:
        stmt = select(ApiClient.id).where(ApiClient.status == ApiClientStatus.revoked)
        return set((await self.session.execute(stmt)).scalars().all())

    async def list(
        self, params: PageParams, status: ApiClientStatus | None
    ) -> tuple[list[ApiClient], str | None]:
        stmt = select(ApiClient)
        if status is not None:
            stmt = stmt.where(ApiClient.status == status)
        rows = (await self.session.execute(keyset(stmt, params, [ApiClient.id]))).scalars().all()
        return page_from_rows(rows, params, ("id",))
