"""Erasing a customer (GDPR): the records the caller may erase, their share of the rollups and
the QA evaluations of those contacts, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from metrics.evaluations.repository import EvaluationRepository
from metrics.records.repository import RecordRepository
from metrics.rollups.deltas import RollupChange
from metrics.rollups.store import RollupStore, as_facts
from shared.auth import Principal


@dataclass(frozen=True, slots=True)
class Erased:
    records: int
    evaluations: int


class CustomerService:
    def __init__(
        self,
        records: RecordRepository,
        rollups: RollupStore,
        evaluations: EvaluationRepository,
    ) -> None:
        self.records = records
        self.rollups = rollups
        self.evaluations = evaluations

    async def erase(self, principal: Principal, key: str) -> Erased:
        """Tenant-scoped callers erase only their own client's records (another client's are
        left as if the key had none)."""
        removed = await self.records.erase_customer(key, principal)
        await self.rollups.add(RollupChange.of([], as_facts(removed)))
        erased_evaluations = await self.evaluations.erase_of_contacts(
            [(row["source_id"], row["external_id"]) for row in removed]
        )
        return Erased(records=len(removed), evaluations=erased_evaluations)
