import uuid

from pydantic import AwareDatetime, BaseModel, Field


class ContractChangeRead(BaseModel):
    contract_id: uuid.UUID
    changed_at: AwareDatetime = Field(
        description="The latest write to the contract's contact records, agent activity or "
        "QA evaluations after `since`"
    )
