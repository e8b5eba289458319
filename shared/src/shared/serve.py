"""Production entry point of a service container: migrate to head, then serve with uvicorn.

Replicas starting together are safe: migrations take a PostgreSQL advisory lock, so one
replica migrates while the others wait and then find nothing to do.
"""

from __future__ import annotations

import os
from pathlib import Path

import uvicorn

from shared.migrations import upgrade
from shared.settings import ServiceSettings


def migrate_and_serve(
    service_dir: Path, settings: ServiceSettings, app: str, *, public: bool = False
) -> None:
    """``public``: the app faces callers directly (the gateway), so X-Forwarded-For is believed
    only from the proxies in FORWARDED_ALLOW_IPS (a caller could otherwise pick the address its
    rate limits count against); services are reached only through the gateway."""
    if os.environ.get("CONTRATO_SKIP_MIGRATIONS", "").lower() not in ("1", "true", "yes"):
        upgrade(service_dir, settings.sqlalchemy_url)
    uvicorn.run(
        app,
        factory=True,
        host=os.environ.get("HOST", "0.0.0.0"),  # noqa: S104 (inside a container)
        port=int(os.environ.get("PORT", "8000")),
        # Worker processes in this container (uvicorn's own variable). One by default: scale
        # with replicas; more when a container has the cores (background jobs are replica-safe).
        workers=int(os.environ.get("WEB_CONCURRENCY", "1")),
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1" if public else "*"),
        access_log=False,
        timeout_graceful_shutdown=20,
    )
