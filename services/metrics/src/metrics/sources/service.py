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
        if source is None or not may_read(principal, source):
            raise SourceNotFound(f"no source {source_id}")
        return source

    async def list(
        self, principal: Principal, params: PageParams
    ) -> tuple[list[Source], str | None]:
        return await self.repository.list(params, client_id=principal.tenant_client_id)

    async def writable(self, principal: Principal, name: str) -> Source:
        """The source a caller pushes through, by name; another tenant's source (or the
        operator's, for a tenant) answers exactly as a missing one."""
        source = await self.repository.by_name(name)
        if source is None or not may_write(principal, source):
            raise SourceNotFound(f"no source named {name!r}")
        return source


def may_write(principal: Principal, source: Source) -> bool:
    """A tenant-scoped caller writes only through its client's sources; an operator-wide
    source (client None) carries many clients' records, so only operator-wide callers may
    write through it. Operator-wide callers may write through any source."""
    tenant = principal.tenant_client_id
    return tenant is None or source.client_id == tenant


def may_read(principal: Principal, source: Source) -> bool:
    """A tenant sees the sources it may write through, and no other tenant's or the
    operator's (their names and descriptions are theirs)."""
    return may_write(principal, source)
