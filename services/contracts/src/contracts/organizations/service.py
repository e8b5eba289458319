"""Organizations: the operator and its clients. Rules live here; SQL lives in the repository."""

import uuid

from contracts.errors import OrganizationNotFound
from contracts.organizations.models import Organization, OrganizationKind
from contracts.organizations.repository import OrganizationFilter, OrganizationRepository
from contracts.organizations.schemas import OrganizationCreate, OrganizationUpdate
from shared.auth import Principal
from shared.errors import ValidationFailed
from shared.etag import check_if_match
from shared.pagination import PageParams


class OrganizationService:
    def __init__(self, repository: OrganizationRepository) -> None:
        self.repository = repository

    async def create(self, data: OrganizationCreate) -> Organization:
        operator_id = data.operator_id
        if data.kind is OrganizationKind.operator:
            if operator_id is not None:
                raise ValidationFailed.on("operator_id", "an operator belongs to no operator")
        else:
            _no_client_remittance(data.remittance)
            if operator_id is None:
                operator = await self.repository.first_operator()
                if operator is None:
                    raise ValidationFailed.on(
                        "operator_id", "no operator exists yet: create the operator first"
                    )
                operator_id = operator.id
            else:
                operator = await self.repository.get(operator_id)
                if operator is None or operator.kind is not OrganizationKind.operator:
                    raise ValidationFailed.on("operator_id", "no operator with this id")
        organization = Organization(
            **data.model_dump(exclude={"operator_id"}), operator_id=operator_id
        )
        return await self.repository.add(organization)

    async def get(self, principal: Principal, organization_id: uuid.UUID) -> Organization:
        organization = await self.repository.get(organization_id)
        # Another tenant's organization answers exactly like a missing one.
        if organization is None or not _visible(principal, organization):
            raise OrganizationNotFound(f"no organization {organization_id}")
        return organization

    async def update(
        self,
        principal: Principal,
        organization_id: uuid.UUID,
        data: OrganizationUpdate,
        if_match: str | None,
    ) -> Organization:
        organization = await self.repository.get(organization_id, for_update=True)
        if organization is None or not _visible(principal, organization):
            raise OrganizationNotFound(f"no organization {organization_id}")
        check_if_match(if_match, organization.revision)
        changes = data.model_dump(exclude_unset=True)
        for field in ("legal_name", "display_name", "country", "time_zone", "status"):
            if field in changes and changes[field] is None:
                raise ValidationFailed.on(field, "may not be null")
        if organization.kind is OrganizationKind.client:
            _no_client_remittance(changes.get("remittance"))
        for field, value in changes.items():
            setattr(organization, field, value)
        organization.revision += 1
        return await self.repository.flush(organization)

    async def list(
        self, principal: Principal, filters: OrganizationFilter, params: PageParams
    ) -> tuple[list[Organization], str | None]:
        if principal.tenant_client_id is not None:
            filters = OrganizationFilter(
                **{**filters.__dict__, "only_id": principal.tenant_client_id}
            )
        return await self.repository.list(filters, params)


def _visible(principal: Principal, organization: Organization) -> bool:
    return principal.operator_wide or organization.id == principal.client_id


def _no_client_remittance(remittance: object) -> None:
    # Remittance details say where the operator's invoices are paid; a client issues none.
    if remittance is not None:
        raise ValidationFailed.on("remittance", "only the operator has remittance details")
