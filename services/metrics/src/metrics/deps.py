"""Dependencies shared by the routers: the contracts client and the ingestion service."""

from typing import Annotated

from fastapi import Depends, Request

from metrics.contracts_client import ContractsClient
from metrics.ingestion.service import IngestService
from metrics.ingestion.store import ContactStore
from metrics.rollups.store import RollupStore
from metrics.settings import MetricsSettings
from metrics.sources.repository import SourceRepository
from shared.db import SessionDep


async def get_contracts(request: Request) -> ContractsClient:
    return request.app.state.contracts


async def get_settings_dep(request: Request) -> MetricsSettings:
    return request.app.state.settings


ContractsDep = Annotated[ContractsClient, Depends(get_contracts)]
SettingsDep = Annotated[MetricsSettings, Depends(get_settings_dep)]


async def get_ingest(
    session: SessionDep, contracts: ContractsDep, settings: SettingsDep
) -> IngestService:
    return IngestService(
        ContactStore(session),
        RollupStore(session),
        SourceRepository(session),
        contracts,
        secret=settings.customer_key_secret,
    )


IngestDep = Annotated[IngestService, Depends(get_ingest)]
