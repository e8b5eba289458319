import uuid

from billing.errors import TaxRateConflict, TaxRateNotFound
from billing.tax_rates.models import TaxRate
from billing.tax_rates.repository import TaxRateRepository
from billing.tax_rates.schemas import TaxRateCreate
from shared.pagination import PageParams


class TaxRateService:
    def __init__(self, repository: TaxRateRepository) -> None:
        self.repository = repository

    async def create(self, data: TaxRateCreate) -> TaxRate:
        # A rate change is a new row valid from a later date; an existing row never changes,
        # because issued invoices cite it.
        if await self.repository.find(data.code, data.valid_from) is not None:
            raise TaxRateConflict(f"{data.code} already has a rate valid from {data.valid_from}")
        return await self.repository.add(TaxRate(**data.model_dump()))

    async def get(self, tax_rate_id: uuid.UUID) -> TaxRate:
        tax_rate = await self.repository.get(tax_rate_id)
        if tax_rate is None:
            raise TaxRateNotFound(f"no tax rate {tax_rate_id}")
        return tax_rate

    async def list(
        self, params: PageParams, country: str | None, code: str | None
    ) -> tuple[list[TaxRate], str | None]:
        return await self.repository.list(params, country=country, code=code)
