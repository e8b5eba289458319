import uuid

from metrics.errors import SourceConflict, SourceNotFound
from metrics.sources.models import Source
from metrics.sources.repository import SourceRepository
from metrics.sources.schemas import SourceCreate
from shared.auth import Principal
from shared.errors import ValidationFailed
from shared.pagination import PageParams


class SourceService:
    def __init__(self, repository: SourceRepository) -> None:
        self.repository = repository

    async def create(self, principal: Principal, data: SourceCreate) -> Source:
        client_id = data.client_id
        if principal.tenant_client_id is not None:
            if client_id not in (None, principal.tenant_client_id):
                raise ValidationFailed.on("client_id", "you may only register your own sources")
            client_id = principal.tenant_client_id
        if await self.repository.by_name(data.name) is not None:
            raise SourceConflict(f"a source named {data.name!r} exists")
        return await self.repository.add(Source(**{**data.model_dump(), "client_id": client_id}))

    async def get(self, principal: Principal, source_id: uuid.UUID) -> Source:
        source = await self.repository.get(source_id)
        if source is None or not (
            source.client_id is None or principal.can_see_client(source.client_id)
        ):
            raise SourceNotFound(f"no source {source_id}")
        return source

    async def list(
        self, principal: Principal, params: PageParams
    ) -> tuple[list[Source], str | None]:
        return await self.repository.list(params, client_id=principal.tenant_client_id)
