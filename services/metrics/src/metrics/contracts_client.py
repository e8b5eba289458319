"""What metrics reads from the contracts service: queue -> contract and a contract's service terms.

Both answers change rarely, so they are kept in an in-process cache for a short time (the TTL
comes from settings). A batch's queues are resolved with one ``queue-claims`` request for all
its queues and days (the spans in which a contract in force claims each queue), cached per
queue and UTC day; the single queue look-up, cached per queue and UTC hour, is asked only to
explain why no contract takes a record.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
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


@dataclass(frozen=True)
class ClaimSpan:
    """``contract`` claims its queue from ``begins`` (inclusive) to ``ends`` (exclusive)."""

    contract: QueueContract
    begins: datetime
    ends: datetime


# The contracts service answers at most this many queues and days per queue-claims request.
CLAIMS_MAX_QUEUES = 500
CLAIMS_MAX_DAYS = 400


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
        self.claim_days = TtlCache(ttl_seconds)

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

    async def queue_claims(
        self,
        queues: Iterable[str],
        days: tuple[date, date],
        *,
        client_id: uuid.UUID | None = None,
        tenant: uuid.UUID | None = None,
        token: str | None = None,
    ) -> dict[str, list[ClaimSpan]]:
        """For each queue, the spans of the UTC days ``days[0]``..``days[1]`` in which a
        contract in force claims it (of ``client_id`` when given; among the contracts the
        caller, whose tenant is ``tenant``, may see). Cached per queue, UTC day and tenant;
        what is not cached is asked for in as few requests as the contracts service allows."""
        all_days = [days[0] + timedelta(days=n) for n in range((days[1] - days[0]).days + 1)]
        spans: dict[str, set[ClaimSpan]] = {}
        missing: set[str] = set()
        for queue in set(queues):
            spans[queue] = set()
            for day in all_days:
                cached = self.claim_days.get((queue, day, client_id, tenant))
                if cached is None:
                    missing.add(queue)
                    break
                spans[queue].update(cached)
        ordered = sorted(missing)
        for q in range(0, len(ordered), CLAIMS_MAX_QUEUES):
            chunk = ordered[q : q + CLAIMS_MAX_QUEUES]
            for d in range(0, len(all_days), CLAIMS_MAX_DAYS):
                chunk_days = all_days[d : d + CLAIMS_MAX_DAYS]
                found = await self._fetch_claims(
                    chunk, chunk_days[0], chunk_days[-1], client_id, token
                )
                for queue in chunk:
                    for day in chunk_days:
                        begins = datetime.combine(day, clock(), UTC)
                        ends = begins + timedelta(days=1)
                        on_day = tuple(
                            s for s in found.get(queue, ()) if s.begins < ends and s.ends > begins
                        )
                        self.claim_days.put((queue, day, client_id, tenant), on_day)
                        spans[queue].update(on_day)
        return {queue: sorted(found, key=lambda s: s.begins) for queue, found in spans.items()}

    async def _fetch_claims(
        self,
        queues: list[str],
        first: date,
        last: date,
        client_id: uuid.UUID | None,
        token: str | None,
    ) -> dict[str, list[ClaimSpan]]:
        body: dict[str, Any] = {
            "queues": queues,
            "from": datetime.combine(first, clock(), UTC).isoformat(),
            "to": datetime.combine(last + timedelta(days=1), clock(), UTC).isoformat(),
        }
        if client_id is not None:
            body["client_id"] = str(client_id)
        path = "/v1/contracts/queue-claims"
        response = await self.client.request("POST", path, json=body, token=token)
        if response.status_code >= 400:
            raise UpstreamError(
                "contracts", f"contracts refused {path}: {response.text[:200]}", status=502
            )
        found: dict[str, list[ClaimSpan]] = {}
        for claim in response.json()["claims"]:
            contract = QueueContract(
                contract_id=uuid.UUID(claim["contract_id"]),
                client_id=uuid.UUID(claim["client_id"]),
                queue=claim["queue"],
            )
            found.setdefault(contract.queue, []).append(
                ClaimSpan(
                    contract,
                    datetime.fromisoformat(claim["from"]),
                    datetime.fromisoformat(claim["to"]),
                )
            )
        return found

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
