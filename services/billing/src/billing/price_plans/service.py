"""Price plans: one per contract, content in immutable effective-dated versions."""

import uuid
from datetime import timedelta

from billing.errors import PricePlanConflict, PricePlanNotFound
from billing.price_plans.models import PricePlan, PricePlanVersion
from billing.price_plans.repository import PricePlanRepository
from billing.price_plans.schemas import PricePlanCreate, PricePlanRead, VersionCreate, VersionRead
from billing.pricing.plan import PlanTerms, check_terms
from billing.tax_rates.repository import TaxRateRepository
from billing.upstream import ContractsClient
from shared.auth import Principal
from shared.errors import NotFound, ValidationFailed
from shared.pagination import PageParams


class PricePlanService:
    def __init__(
        self,
        repository: PricePlanRepository,
        tax_rates: TaxRateRepository,
        contracts: ContractsClient,
    ) -> None:
        self.repository = repository
        self.tax_rates = tax_rates
        self.contracts = contracts

    async def create(self, principal: Principal, data: PricePlanCreate) -> PricePlanRead:
        if await self.repository.by_contract(data.contract_id) is not None:
            raise PricePlanConflict(
                f"contract {data.contract_id} already has a price plan; add a version to it"
            )
        try:
            contract = await self.contracts.billing_terms(
                data.contract_id, data.version.effective_from, token=principal.token
            )
        except NotFound as exc:
            raise ValidationFailed.on("contract_id", "no such contract") from exc
        plan = PricePlan(
            contract_id=data.contract_id,
            client_id=uuid.UUID(str(contract["client_id"])),
            operator_id=uuid.UUID(str(contract["operator_id"])),
            currency=str(contract["currency"]),
            name=data.name,
        )
        await self.repository.add(plan)
        version = await self._new_version(principal, plan, data.version, 1, "version.")
        return _read(plan, [version])

    async def add_version(
        self, principal: Principal, plan_id: uuid.UUID, data: VersionCreate
    ) -> VersionRead:
        plan = await self.repository.get(plan_id, for_update=True)  # serialises version numbers
        if plan is None or not principal.can_see_client(plan.client_id):
            raise PricePlanNotFound(f"no price plan {plan_id}")
        versions = await self.repository.versions([plan.id])
        if any(v.effective_from == data.effective_from for v in versions):
            raise PricePlanConflict(f"a version already starts on {data.effective_from}")
        issued_until = await self.repository.last_issued_period_end(plan.contract_id)
        if issued_until is not None and data.effective_from <= issued_until:
            raise ValidationFailed.on(
                "effective_from",
                f"invoices are issued up to {issued_until}; a new version can only start later",
            )
        version = await self._new_version(
            principal, plan, data, max(v.version for v in versions) + 1, ""
        )
        return _read(plan, [*versions, version]).versions[-1]

    async def _new_version(
        self,
        principal: Principal,
        plan: PricePlan,
        data: VersionCreate,
        number: int,
        prefix: str,
    ) -> PricePlanVersion:
        terms = PlanTerms.model_validate(data.model_dump(exclude={"effective_from", "tax_rate_id"}))
        check_terms(terms, prefix)
        if data.tax_rate_id is not None:
            if terms.tax_rate_percent is not None:
                raise ValidationFailed.on(
                    f"{prefix}tax_rate_percent", "give tax_rate_id or tax_rate_percent, not both"
                )
            rate = await self.tax_rates.get(data.tax_rate_id)
            if rate is None:
                raise ValidationFailed.on(f"{prefix}tax_rate_id", "no such tax rate")
            terms = terms.model_copy(update={"tax_rate_percent": rate.rate})
        version = PricePlanVersion(
            price_plan_id=plan.id,
            version=number,
            effective_from=data.effective_from,
            terms=terms.model_dump(mode="json"),
            tax_rate_id=data.tax_rate_id,
            created_by=principal.subject,
        )
        await self.repository.add(version)
        return version

    async def get(self, principal: Principal, plan_id: uuid.UUID) -> PricePlanRead:
        plan = await self.repository.get(plan_id)
        if plan is None or not principal.can_see_client(plan.client_id):
            raise PricePlanNotFound(f"no price plan {plan_id}")
        return _read(plan, await self.repository.versions([plan.id]))

    async def list(
        self,
        principal: Principal,
        params: PageParams,
        client_id: uuid.UUID | None,
        contract_id: uuid.UUID | None,
    ) -> tuple[list[PricePlanRead], str | None]:
        if principal.tenant_client_id is not None:
            if client_id not in (None, principal.tenant_client_id):
                return [], None
            client_id = principal.tenant_client_id
        plans, cursor = await self.repository.list_plans(
            params, client_id=client_id, contract_id=contract_id
        )
        versions = await self.repository.versions([p.id for p in plans]) if plans else []
        return [_read(p, [v for v in versions if v.price_plan_id == p.id]) for p in plans], cursor


def _read(plan: PricePlan, versions: list[PricePlanVersion]) -> PricePlanRead:
    ordered = sorted(versions, key=lambda v: v.effective_from)
    out = []
    for i, v in enumerate(ordered):
        nxt = ordered[i + 1].effective_from - timedelta(days=1) if i + 1 < len(ordered) else None
        out.append(
            VersionRead(
                id=v.id,
                price_plan_id=v.price_plan_id,
                version=v.version,
                effective_from=v.effective_from,
                effective_to=nxt,
                terms=PlanTerms.model_validate(v.terms),
                tax_rate_id=v.tax_rate_id,
                created_by=v.created_by,
                created_at=v.created_at,
            )
        )
    return PricePlanRead(
        id=plan.id,
        contract_id=plan.contract_id,
        client_id=plan.client_id,
        operator_id=plan.operator_id,
        currency=plan.currency,
        name=plan.name,
        created_at=plan.created_at,
        versions=out,
    )
