"""Webhook delivery to partner systems, from the outbox (so nothing leaves before its commit).

``webhook_loop`` delivers to the endpoints registered through the API
(``billing.events.webhooks.delivery``: a secret each, filters, backoff), the one way events
leave billing by push.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billing.events.webhooks.delivery import DeliveryOptions, dispatch_endpoints, prune_attempts
from billing.events.webhooks.egress import GuardedTransport, Network
from billing.events.webhooks.secrets import SecretBox

log = structlog.get_logger("billing.webhooks")
PRUNE_EVERY_SECONDS = 3600.0


async def webhook_loop(
    sessions: async_sessionmaker[AsyncSession],
    box: SecretBox,
    *,
    interval: float,
    options: DeliveryOptions | None = None,
    request_timeout: float = 10.0,
    allowed_networks: Sequence[Network] = (),
) -> None:
    """Deliver pending events every ``interval`` seconds until cancelled (the app's lifespan
    runs it) to the registered endpoints. Connections go to public addresses only, or to
    ``allowed_networks`` (``webhooks.egress``)."""
    options = options or DeliveryOptions()
    next_prune = 0.0  # monotonic time of the next pruning of old delivery attempts
    async with httpx.AsyncClient(
        transport=GuardedTransport(allowed_networks), timeout=httpx.Timeout(request_timeout)
    ) as http:
        while True:
            try:
                await dispatch_endpoints(sessions, http, box, options)
                if options.keep_attempts is not None and time.monotonic() >= next_prune:
                    next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
                    if pruned := await prune_attempts(sessions, options.keep_attempts):
                        log.info("webhooks.attempts_pruned", count=pruned)
            except Exception:  # a database hiccup must not end delivery for good
                log.exception("webhooks.dispatch_failed")
            await asyncio.sleep(interval)
