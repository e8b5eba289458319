"""What metrics reads from the contracts service: queue -> contract and a contract's service terms.

Both answers change rarely, so they are kept in an in-process cache for a short time (the TTL
comes from settings). Queue look-ups are cached per queue and UTC hour: contracts start and end
on dates, so an answer holds for the whole hour (time zones whose offset is not whole hours can
be off at a boundary hour; see the README).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.errors import UpstreamError
from shared.http import ServiceClient


@dataclass(frozen=True)
class QueueContract:
    contract_id: uuid.UUID
    client_id: uuid.UUID
    queue: str


@dataclass(frozen=True)
class QueueUnclaimed:
    """No contract in force claims the queue then: ``reason`` is ``unclaimed`` (no contract
    the caller may see lists it) or ``not_in_force`` (one does, but is unsigned, not started,
    ended or no longer lists it; ``explanation`` says which, e.g. "CT-2026-0009 starts on
    2026-11-01")."""

    reason: str
    explanation: str | None = None


class TtlCache:
    """A small dict with per-entry expiry; misses are not cached."""

    def __init__(self, ttl_seconds: float, max_entries: int = 100_000) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._entries: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if time.monotonic() >= expires_at:
            del self._entries[key]
            return None
        return value

    def put(self, key: Any, value: Any) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self.ttl, value)

    def clear(self) -> None:
        self._entries.clear()


class ContractsClient:
    def __init__(self, client: ServiceClient, *, ttl_seconds: float = 300.0) -> None:
        self.client = client
        self.queues = TtlCache(ttl_seconds)
        self.terms = TtlCache(ttl_seconds)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def queue_lookup(
        self,
        queue: str,
        at: datetime,
        *,
        client_id: uuid.UUID | None = None,
        tenant: uuid.UUID | None = None,
        token: str | None = None,
    ) -> QueueContract | QueueUnclaimed:
        """The contract claiming ``queue`` at ``at`` (of ``client_id`` when given), or why
        none does. ``token`` is the caller's, whose tenant (``tenant``, None for operator-wide
        callers) limits which contracts the contracts service considers: answers are cached
        per tenant, so no tenant is ever answered from what another could see."""
        hour = at.replace(minute=0, second=0, microsecond=0)
        key = (queue, hour, client_id, tenant)
        cached = self.queues.get(key)
        if cached is not None:
            return cached
        params = {"queue": queue, "at": at.isoformat()}
        if client_id is not None:
            params["client_id"] = str(client_id)
        answer: QueueContract | QueueUnclaimed
        path = "/v1/contracts/queue-lookup"
        response = await self.client.request("GET", path, params=params, token=token)
        if response.status_code == 404:
            # The problem's extension members say why (``get_json`` keeps only its detail).
            problem = response.json()
            answer = QueueUnclaimed(
                reason=str(problem.get("reason") or "unclaimed"),
                explanation=problem.get("explanation"),
            )
        elif response.status_code >= 400:
            raise UpstreamError(
                "contracts", f"contracts refused {path}: {response.text[:200]}", status=502
            )
        else:
            body = response.json()
            answer = QueueContract(
                contract_id=uuid.UUID(body["contract_id"]),
                client_id=uuid.UUID(body["client_id"]),
                queue=body.get("queue", queue),
            )
        self.queues.put(key, answer)
        return answer

    async def service_terms(
        self, contract_id: uuid.UUID, start: date, end: date, *, token: str | None = None
    ) -> dict[str, Any]:
        """``GET /v1/contracts/{id}/service-terms`` as plain data (NotFound if not visible).

        Cached per caller token, so a tenant never reads terms cached for someone else."""
        key = (contract_id, start, end, token)
        cached = self.terms.get(key)
        if cached is not None:
            return cached
        body = await self.client.get_json(
            f"/v1/contracts/{contract_id}/service-terms",
            params={"from": start.isoformat(), "to": end.isoformat()},
            token=token,
        )
        self.terms.put(key, body)
        return body
