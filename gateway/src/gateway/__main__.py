"""`python -m gateway`: serve the gateway (what the container runs)."""

import os

import uvicorn

uvicorn.run(
    "gateway.main:create_app",
    factory=True,
    host=os.environ.get("HOST", "0.0.0.0"),  # noqa: S104 (inside a container)
    port=int(os.environ.get("PORT", "8000")),
    workers=int(os.environ.get("WEB_CONCURRENCY", "1")),  # worker processes in this container
    proxy_headers=True,
    access_log=False,
    timeout_graceful_shutdown=20,
)
