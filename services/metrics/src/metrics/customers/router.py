from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from metrics.customers.service import CustomerService
from metrics.deps import SettingsDep
from metrics.evaluations.repository import EvaluationRepository
from metrics.ingestion.normalize import customer_key
from metrics.records.repository import RecordRepository
from metrics.rollups.store import RollupStore
from shared.auth import Principal, Role, require
from shared.db import SessionDep
from shared.types import Text

router = APIRouter(prefix="/v1/customers", tags=["customers"])


class EraseRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"customer": "+55 11 99000-0001"}]}
    )

    customer: Text = Field(
        min_length=1, max_length=320, description="The raw phone number or e-mail"
    )


class EraseResult(BaseModel):
    customer_key: str
    erased_records: int
    erased_evaluations: int = Field(description="QA evaluations of the erased contacts")


@router.post(
    "/erase",
    summary="Erase one customer's contact records (GDPR)",
    description="The identifier is hashed here with the same keyed hash as at ingestion; every "
    "record with that key is deleted and its share taken out of the rollups in the same "
    "transaction. The record keys stay as tombstones so a platform resending them cannot "
    "bring them back. The QA evaluations of those contacts are deleted with them (a QA tool "
    "resending one is refused: its contact is gone). Tenant-scoped callers erase only their "
    "own client's records.",
)
async def erase_customer(
    data: EraseRequest,
    session: SessionDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require(Role.operator, Role.partner, Role.service))],
) -> EraseResult:
    key = customer_key(data.customer, settings.customer_key_secret)
    service = CustomerService(
        RecordRepository(session), RollupStore(session), EvaluationRepository(session)
    )
    erased = await service.erase(principal, key)
    return EraseResult(
        customer_key=key, erased_records=erased.records, erased_evaluations=erased.evaluations
    )
