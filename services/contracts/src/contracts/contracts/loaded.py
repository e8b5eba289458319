"""A contract with its versions, as loaded for one request."""

from dataclasses import dataclass

from contracts.contracts.models import Contract, ContractVersion
from contracts.errors import ContractNotFound


@dataclass
class Loaded:
    contract: Contract
    versions: list[ContractVersion]

    def version(self, number: int) -> ContractVersion:
        for v in self.versions:
            if v.version == number:
                return v
        raise ContractNotFound(f"contract {self.contract.number} has no version {number}")
