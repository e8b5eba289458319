import uuid
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.organizations.models import Organization, OrganizationKind, OrganizationStatus
from shared.db import escape_like
from shared.pagination import PageParams, keyset, page_from_rows

PAGE_KEYS = ("id",)  # uuid7: id order is creation order


@dataclass(frozen=True)
class OrganizationFilter:
    kind: OrganizationKind | None = None
    status: OrganizationStatus | None = None
    country: str | None = None
    q: str | None = None
    only_id: uuid.UUID | None = None  # tenant scope: a client caller sees only itself


class OrganizationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, organization_id: uuid.UUID, *, for_update: bool = False
    ) -> Organization | None:
        stmt = select(Organization).where(Organization.id == organization_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def first_operator(self) -> Organization | None:
        stmt = (
            select(Organization)
            .where(Organization.kind == OrganizationKind.operator)
            .order_by(Organization.created_at, Organization.id)
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add(self, organization: Organization) -> Organization:
        self.session.add(organization)
        await self.session.flush()
        await self.session.refresh(organization)
        return organization

    async def flush(self, organization: Organization) -> Organization:
        await self.session.flush()
        await self.session.refresh(organization)
        return organization

    async def list(
        self, filters: OrganizationFilter, params: PageParams
    ) -> tuple[list[Organization], str | None]:
        stmt = select(Organization)
        if filters.only_id is not None:
            stmt = stmt.where(Organization.id == filters.only_id)
        if filters.kind is not None:
            stmt = stmt.where(Organization.kind == filters.kind)
        if filters.status is not None:
            stmt = stmt.where(Organization.status == filters.status)
        if filters.country is not None:
            stmt = stmt.where(Organization.country == filters.country)
        if filters.q:
            pattern = f"%{escape_like(filters.q.lower())}%"
            stmt = stmt.where(
                or_(
                    func.lower(Organization.display_name).like(pattern, escape="\\"),
                    func.lower(Organization.legal_name).like(pattern, escape="\\"),
                    func.lower(func.coalesce(Organization.tax_id, "")).like(pattern, escape="\\"),
                )
            )
        stmt = keyset(stmt, params, [Organization.id])
        rows = (await self.session.execute(stmt)).scalars().all()
        return page_from_rows(rows, params, PAGE_KEYS)
