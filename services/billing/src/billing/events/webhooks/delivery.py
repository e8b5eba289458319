"""Delivery to API-registered endpoints: each endpoint's events in commit order, at least once.

One pass (``dispatch_endpoints``) leases the endpoints that are due, then for each, POSTs the
events after its cursor that it wants; the cursor advances past each accepted event. The first
failure stops that endpoint and backs it off exponentially (base x 2^(failures-1), capped), so
a broken receiver is not hammered on every tick; when its backoff has passed it resumes at the
failed event, so it catches up in order. An endpoint failing without a success for
``disable_after`` is disabled (and says why).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billing.events.models import OutboxEvent
from billing.events.schemas import EventRead
from billing.events.webhooks.models import WebhookEndpoint
from billing.events.webhooks.repository import WebhookRepository
from billing.events.webhooks.secrets import SecretBox, SecretUnreadable, signature
from billing.settings import BillingSettings

log = structlog.get_logger("billing.webhooks")

USER_AGENT = "Contrato-Webhooks/1"


@dataclass(frozen=True)
class DeliveryOptions:
    batch: int = 100
    lease: timedelta = timedelta(seconds=120)
    backoff_base: float = 10.0
    backoff_max: float = 3600.0
    disable_after: timedelta | None = timedelta(days=3)
    concurrency: int = 8  # endpoints delivered to at once
    # An endpoint's share of one pass: a slow receiver goes on next pass instead of holding
    # the whole pass (and so every other endpoint's next turn) for batch x timeout.
    pass_budget_seconds: float = 30.0
    endpoints_per_pass: int = 200
    # How long delivery attempts are kept (None: for ever); pruned at most once an hour.
    keep_attempts: timedelta | None = timedelta(days=30)

    @classmethod
    def from_settings(cls, settings: BillingSettings) -> DeliveryOptions:
        days = settings.webhook_disable_after_days
        keep = settings.webhook_attempts_retention_days
        return cls(
            lease=timedelta(seconds=settings.webhook_lease_seconds),
            backoff_base=settings.webhook_backoff_base_seconds,
            backoff_max=settings.webhook_backoff_max_seconds,
            disable_after=timedelta(days=days) if days > 0 else None,
            keep_attempts=timedelta(days=keep) if keep > 0 else None,
        )

    def backoff(self, failures: int) -> timedelta:
        """Wait before the next try after ``failures`` failures in a row (1, 2, ...)."""
        exponent = min(max(failures - 1, 0), 30)
        return timedelta(seconds=min(self.backoff_base * 2**exponent, self.backoff_max))


def body_of(event: OutboxEvent) -> bytes:
    return json.dumps(
        EventRead.model_validate(event).model_dump(mode="json"), separators=(",", ":")
    ).encode()


def signing_secrets(box: SecretBox, endpoint: WebhookEndpoint) -> list[str]:
    """The current secret, then the previous one while its grace period lasts."""
    secrets = [box.decrypt(endpoint.secret_encrypted)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires and expires > datetime.now(UTC):
        secrets.append(box.decrypt(endpoint.previous_secret_encrypted))
    return secrets


async def prune_attempts(
    sessions: async_sessionmaker[AsyncSession], keep: timedelta, *, chunk: int = 10_000
) -> int:
    """Delete the delivery attempts older than ``keep``, ``chunk`` per transaction, so no
    transaction holds many locks or a long snapshot; answers how many went."""
    cutoff = datetime.now(UTC) - keep
    total = 0
    while True:
        async with sessions() as session, session.begin():
            removed = await WebhookRepository(session).prune_attempts(cutoff, chunk)
        total += removed
        if removed < chunk:
            return total


async def dispatch_endpoints(
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    box: SecretBox,
    options: DeliveryOptions | None = None,
) -> int:
    """One pass over the due endpoints; returns how many deliveries succeeded. Endpoints are
    leased ``concurrency`` at a time (so a lease never runs out while its endpoint waits for a
    turn), each at most once per pass."""
    options = options or DeliveryOptions()
    seen: set[uuid.UUID] = set()
    delivered = 0
    while len(seen) < options.endpoints_per_pass:
        async with sessions() as session, session.begin():
            endpoints = await WebhookRepository(session).claim_due(
                min(options.concurrency, options.endpoints_per_pass - len(seen)),
                options.lease,
                exclude=seen,
            )
        if not endpoints:
            break
        seen.update(e.id for e in endpoints)
        results = await asyncio.gather(
            *(_deliver_and_release(sessions, http, box, e, options) for e in endpoints),
            return_exceptions=True,
        )
        for endpoint, result in zip(endpoints, results, strict=True):
            if isinstance(result, BaseException):  # one endpoint's trouble stops no other
                log.error("webhooks.endpoint_failed", endpoint_id=str(endpoint.id), exc_info=result)
            else:
                delivered += result
    return delivered


async def _deliver_and_release(
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    box: SecretBox,
    endpoint: WebhookEndpoint,
    options: DeliveryOptions,
) -> int:
    try:
        return await deliver_to(sessions, http, box, endpoint, options)
    finally:
        async with sessions() as session, session.begin():
            await WebhookRepository(session).release(endpoint.id)


async def deliver_to(
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    box: SecretBox,
    endpoint: WebhookEndpoint,
    options: DeliveryOptions,
) -> int:
    async with sessions() as session, session.begin():
        batch = await WebhookRepository(session).due_events(endpoint, options.batch)
    secrets: list[str] = []
    unreadable: str | None = None
    try:
        secrets = signing_secrets(box, endpoint) if batch.events else []
    except SecretUnreadable as exc:
        unreadable = str(exc)
    failures = endpoint.consecutive_failures
    delivered = 0
    budget_ends = time.monotonic() + options.pass_budget_seconds
    for event in batch.events:
        if time.monotonic() > budget_ends:
            return delivered  # the rest next pass (the cursor is where it should be)
        body = body_of(event)
        status: int | None = None
        error = unreadable
        started = time.perf_counter()
        if error is None:
            headers = {
                "content-type": "application/json",
                "user-agent": USER_AGENT,
                "Contrato-Event-Id": str(event.id),
                "Contrato-Event-Type": event.type,
                "Contrato-Webhook-Id": str(endpoint.id),
                "Contrato-Signature": ",".join(signature(s, body) for s in secrets),
            }
            try:
                response = await http.post(endpoint.url, content=body, headers=headers)
                status = response.status_code
                if not 200 <= status < 300:
                    error = f"answered {status}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
        elapsed = int((time.perf_counter() - started) * 1000)
        if error is not None:
            failures += 1
        async with sessions() as session, session.begin():
            still_there = await WebhookRepository(session).record(
                endpoint.id,
                event,
                status_code=status,
                error=error,
                duration_ms=elapsed,
                lease=options.lease,
                backoff=options.backoff(failures),
                disable_after=options.disable_after,
            )
        if error is not None:
            log.warning(
                "webhooks.delivery_failed", endpoint_id=str(endpoint.id), failures=failures,
                event_id=str(event.id), error=error,
            )  # fmt: skip
            return delivered
        if not still_there:  # deleted or disabled meanwhile
            return delivered
        delivered += 1
    if len(batch.events) < options.batch:
        async with sessions() as session, session.begin():
            await WebhookRepository(session).advance_to(endpoint.id, batch.horizon)
    return delivered
