"""Webhook delivery to partner systems, from the outbox (so nothing leaves before its commit).

``webhook_loop`` runs both kinds of delivery: to the endpoints registered through the API
(``billing.events.webhooks.delivery``: a secret each, filters, backoff) and, for backwards
compatibility, to the URLs of ``BILLING_WEBHOOK_URLS`` (below).

``dispatch_webhooks`` (settings URLs) delivers each committed event to each URL at least once,
in commit order, signed with HMAC-SHA256 over the body (``Contrato-Signature: sha256=<hex>``);
a failure is recorded and retried on the next call. Run it periodically (a loop, cron, or the CLI).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billing.events.repository import EventRepository
from billing.events.webhooks.delivery import (
    DeliveryOptions,
    body_of,
    dispatch_endpoints,
    prune_attempts,
)
from billing.events.webhooks.egress import GuardedTransport, Network
from billing.events.webhooks.secrets import SecretBox, signature

__all__ = ["dispatch_webhooks", "signature", "webhook_loop"]

log = structlog.get_logger("billing.webhooks")
PRUNE_EVERY_SECONDS = 3600.0


async def webhook_loop(
    sessions: async_sessionmaker[AsyncSession],
    urls: Sequence[str],
    *,
    secret: str | None,
    interval: float,
    box: SecretBox | None = None,
    options: DeliveryOptions | None = None,
    request_timeout: float = 10.0,
    allowed_networks: Sequence[Network] = (),
) -> None:
    """Deliver pending events every ``interval`` seconds until cancelled (the app's lifespan
    runs it): to the registered endpoints when ``box`` is given, and to ``urls``. Connections
    go to public addresses only, or to ``allowed_networks`` (``webhooks.egress``)."""
    options = options or DeliveryOptions()
    next_prune = 0.0  # monotonic time of the next pruning of old delivery attempts
    async with httpx.AsyncClient(
        transport=GuardedTransport(allowed_networks), timeout=httpx.Timeout(request_timeout)
    ) as http:
        while True:
            try:
                if box is not None:
                    await dispatch_endpoints(sessions, http, box, options)
                    if options.keep_attempts is not None and time.monotonic() >= next_prune:
                        next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
                        if pruned := await prune_attempts(sessions, options.keep_attempts):
                            log.info("webhooks.attempts_pruned", count=pruned)
                if urls:
                    await dispatch_webhooks(sessions, http, urls, secret=secret)
            except Exception:  # a database hiccup must not end delivery for good
                log.exception("webhooks.dispatch_failed")
            await asyncio.sleep(interval)


async def dispatch_webhooks(
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    urls: Sequence[str],
    *,
    secret: str | None = None,
    batch: int = 100,
) -> int:
    """Deliver pending events to every URL; returns how many deliveries succeeded. Stops at
    the first failure per URL so a partner receives events in order."""
    delivered = 0
    for url in urls:
        async with sessions() as session, session.begin():
            events = await EventRepository(session).undelivered(url, batch)
        for event in events:
            body = body_of(event)
            headers = {"content-type": "application/json", "Contrato-Event-Id": str(event.id)}
            if secret:
                headers["Contrato-Signature"] = signature(secret, body)
            status, error = None, None
            try:
                response = await http.post(url, content=body, headers=headers)
                status = response.status_code
                if not 200 <= status < 300:
                    error = f"answered {status}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
            async with sessions() as session, session.begin():
                await EventRepository(session).record_attempt(event.id, url, status, error)
            if error is not None:
                break
            delivered += 1
    return delivered
