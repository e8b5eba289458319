"""`python -m web`: serve the web console (what the container runs). It has no database."""

import os

import uvicorn

uvicorn.run(
    "web.main:create_app",
    factory=True,
    host=os.environ.get("HOST", "0.0.0.0"),  # noqa: S104 (inside a container)
    port=int(os.environ.get("PORT", "8000")),
    workers=int(os.environ.get("WEB_CONCURRENCY", "1")),
    proxy_headers=True,
    # Only the gateway reaches it; it says whether the user came over HTTPS.
    forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "*"),
    access_log=False,
    timeout_graceful_shutdown=20,
)
