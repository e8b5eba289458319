import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import array, insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.contracts.models import (
    Contract,
    ContractEvent,
    ContractNumberCounter,
    ContractSigner,
    ContractType,
    ContractVersion,
)
from contracts.contracts.rules.lifecycle import FINAL, Stage, Status
from contracts.organizations.models import Organization
from shared.db import escape_like
from shared.pagination import PageParams, keyset, page_from_rows


@dataclass(frozen=True)
class ContractFilter:
    client_id: uuid.UUID | None = None
    type: ContractType | None = None
    stage: Stage | None = None
    status: Status | None = None
    parent_id: uuid.UUID | None = None
    in_force_on: date | None = None
    in_service_between: tuple[date, date] | None = None  # any day in force in the range
    due_between: tuple[date, date] | None = None  # notice deadline or end within
    q: str | None = None
    matches_nothing: bool = False

    def scoped_to(self, client_id: uuid.UUID | None) -> "ContractFilter":
        """Limit to the caller's client. Asking for another client's contracts is asking for
        contracts the caller cannot see: an empty answer, not the caller's own."""
        if client_id is None:
            return self
        return replace(
            self,
            client_id=client_id,
            matches_nothing=self.matches_nothing
            or (self.client_id is not None and self.client_id != client_id),
        )


@dataclass(frozen=True)
class ContractRow:
    """A contract with its client's name, as lists show it."""

    contract: Contract
    client_name: str

    @property
    def id(self) -> uuid.UUID:
        return self.contract.id


class ContractRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- contracts ---

    async def get(self, contract_id: uuid.UUID, *, for_update: bool = False) -> Contract | None:
        stmt = select(Contract).where(Contract.id == contract_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def next_number(self, year: int) -> int:
        """The next number of ``year``; the row stays locked until commit, so numbers are
        gapless (a rolled-back create gives its number back)."""
        stmt = (
            insert(ContractNumberCounter)
            .values(year=year, last=1)
            .on_conflict_do_update(
                index_elements=[ContractNumberCounter.year],
                set_={"last": ContractNumberCounter.last + 1},
            )
            .returning(ContractNumberCounter.last)
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def add(self, *rows: Any) -> None:
        self.session.add_all(rows)
        await self.session.flush()
        for row in rows:  # load server defaults (created_at ...) now, not lazily later
            await self.session.refresh(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def search(
        self, filters: ContractFilter, params: PageParams
    ) -> tuple[list[ContractRow], str | None]:
        if filters.matches_nothing:
            return [], None
        stmt = select(Contract, Organization.display_name).join(
            Organization, Organization.id == Contract.client_id
        )
        if filters.client_id is not None:
            stmt = stmt.where(Contract.client_id == filters.client_id)
        if filters.type is not None:
            stmt = stmt.where(Contract.type == filters.type)
        if filters.stage is not None:
            stmt = stmt.where(Contract.stage == filters.stage)
        if filters.status is not None:
            stmt = stmt.where(Contract.status == filters.status)
        if filters.parent_id is not None:
            stmt = stmt.where(Contract.parent_id == filters.parent_id)
        if (day := filters.in_force_on) is not None:
            stmt = stmt.where(
                Contract.stage == Stage.signed,
                Contract.start_date <= day,
                or_(Contract.final_end.is_(None), Contract.final_end >= day),
                or_(Contract.superseded_on.is_(None), Contract.superseded_on > day),
            )
        if filters.in_service_between is not None:
            # final_end is the last day in force (termination and hand-over included)
            low, high = filters.in_service_between
            stmt = stmt.where(
                Contract.stage == Stage.signed,
                Contract.start_date <= high,
                or_(Contract.final_end.is_(None), Contract.final_end >= low),
                or_(Contract.superseded_on.is_(None), Contract.superseded_on > low),
            )
        if filters.due_between is not None:
            low, high = filters.due_between
            stmt = stmt.where(
                Contract.stage == Stage.signed,
                Contract.status.not_in(list(FINAL)),
                or_(
                    Contract.notice_deadline.between(low, high),
                    Contract.final_end.between(low, high),
                ),
            )
        if filters.q:
            pattern = f"%{escape_like(filters.q.lower())}%"
            stmt = stmt.where(
                or_(
                    func.lower(Contract.number).like(pattern, escape="\\"),
                    func.lower(Contract.title).like(pattern, escape="\\"),
                    func.lower(Organization.display_name).like(pattern, escape="\\"),
                    func.lower(Organization.legal_name).like(pattern, escape="\\"),
                )
            )
        stmt = keyset(stmt, params, [Contract.id])
        rows = [ContractRow(c, name) for c, name in (await self.session.execute(stmt)).all()]
        return page_from_rows(rows, params, ("id",))

    async def client_name(self, client_id: uuid.UUID) -> str:
        stmt = select(Organization.display_name).where(Organization.id == client_id)
        return str((await self.session.execute(stmt)).scalar_one())

    async def claiming_queue(self, queue: str) -> list[Contract]:
        """Contracts with a signed version whose scope lists ``queue`` (ended ones too: the
        callers decide by dates, so a lookup for last month still finds last month's)."""
        claims = ContractVersion.elements["scope"]["queues"].contains([queue])
        stmt = (
            select(Contract)
            .join(ContractVersion, ContractVersion.contract_id == Contract.id)
            .where(ContractVersion.stage == Stage.signed, claims)
            .order_by(Contract.start_date, Contract.id)
            .distinct()
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def listing_queue(self, queue: str) -> list[Contract]:
        """Contracts any of whose versions (signed or not) lists ``queue``: what a queue
        look-up that finds no contract in force explains its answer from."""
        claims = ContractVersion.elements["scope"]["queues"].contains([queue])
        stmt = (
            select(Contract)
            .join(ContractVersion, ContractVersion.contract_id == Contract.id)
            .where(claims)
            .order_by(Contract.start_date, Contract.id)
            .distinct()
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def listing_queues(self, queues: Sequence[str]) -> list[Contract]:
        """Contracts any of whose versions lists any of ``queues``: one query for a batch."""
        lists_one = ContractVersion.elements["scope"]["queues"].has_any(array(list(queues)))
        stmt = (
            select(Contract)
            .join(ContractVersion, ContractVersion.contract_id == Contract.id)
            .where(lists_one)
            .order_by(Contract.start_date, Contract.id)
            .distinct()
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def versions_of(self, contract_ids: Sequence[uuid.UUID]) -> list[ContractVersion]:
        stmt = (
            select(ContractVersion)
            .where(ContractVersion.contract_id.in_(contract_ids))
            .order_by(ContractVersion.contract_id, ContractVersion.version)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def ids_to_refresh(self, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
        stmt = select(Contract.id).where(
            Contract.stage == Stage.signed,
            or_(Contract.status.is_(None), Contract.status.not_in(list(FINAL))),
        )
        if after is not None:
            stmt = stmt.where(Contract.id > after)
        stmt = stmt.order_by(Contract.id).limit(limit)
        return list((await self.session.execute(stmt)).scalars().all())

    # --- versions and signers ---

    async def versions(self, contract_id: uuid.UUID) -> list[ContractVersion]:
        stmt = (
            select(ContractVersion)
            .where(ContractVersion.contract_id == contract_id)
            .order_by(ContractVersion.version)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def signers(
        self, contract_id: uuid.UUID, version: int | None = None
    ) -> Sequence[ContractSigner]:
        stmt = select(ContractSigner).where(ContractSigner.contract_id == contract_id)
        if version is not None:
            stmt = stmt.where(ContractSigner.version == version)
        stmt = stmt.order_by(ContractSigner.version, ContractSigner.id)
        return (await self.session.execute(stmt)).scalars().all()

    async def frozen_document(self, version: ContractVersion) -> tuple[str | None, bytes | None]:
        """The HTML and PDF frozen when the version went out for signature."""
        await self.session.refresh(version, ["document_html", "document_pdf"])
        return version.document_html, version.document_pdf

    async def delete_signers(self, contract_id: uuid.UUID, version: int) -> None:
        for signer in await self.signers(contract_id, version):
            await self.session.delete(signer)
        await self.session.flush()

    # --- events ---

    async def events(
        self,
        params: PageParams,
        *,
        contract_id: uuid.UUID | None = None,
        client_id: uuid.UUID | None = None,
        type: str | None = None,
    ) -> tuple[list[ContractEvent], str | None]:
        stmt = select(ContractEvent)
        if contract_id is not None:
            stmt = stmt.where(ContractEvent.contract_id == contract_id)
        if client_id is not None:
            stmt = stmt.where(ContractEvent.client_id == client_id)
        if type is not None:
            stmt = stmt.where(ContractEvent.type == type)
        stmt = keyset(stmt, params, [ContractEvent.id])
        rows = (await self.session.execute(stmt)).scalars().all()
        return page_from_rows(rows, params, ("id",))
