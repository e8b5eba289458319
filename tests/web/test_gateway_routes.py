"""One origin for the console and the API: the gateway forwards every path outside the API to
the web console, and keeps its own (the API, OAuth, docs, health) exactly as they were."""

from __future__ import annotations

import re

import httpx

from tests.e2e.conftest import Platform


def test_the_console_is_served_at_the_gateway_origin_with_its_own_policy(
    web_platform: Platform,
) -> None:
    page = httpx.get(f"{web_platform.base_url}/sign-in")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    script = httpx.get(f"{web_platform.base_url}/static/htmx.min.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    home = httpx.get(f"{web_platform.base_url}/")
    assert home.status_code == 303 and home.headers["location"].startswith("/sign-in")


def test_the_gateway_keeps_its_own_paths(web_platform: Platform) -> None:
    base = web_platform.base_url
    missing = httpx.get(f"{base}/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.headers["content-security-policy"].startswith("default-src 'none'")
    wrong_method = httpx.get(f"{base}/oauth/token")
    assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["allow"]
    assert httpx.post(f"{base}/healthz").status_code == 405
    assert httpx.get(f"{base}/healthz").json()["service"] == "gateway"
    assert httpx.get(f"{base}/openapi.json").status_code == 200
    assert httpx.get(f"{base}/docs").status_code == 200
    assert httpx.get(f"{base}/gateway/nothing").status_code == 404


def test_one_users_session_never_reaches_another(web_platform: Platform) -> None:
    """The gateway's pooled client keeps no cookie the console sets: a request without a
    session is never answered as someone else."""
    with httpx.Client(base_url=web_platform.base_url) as alice:
        alice.get("/sign-in")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', alice.get("/sign-in").text)
        assert csrf is not None
        signed = alice.post(
            "/sign-in/development", data={"csrf_token": csrf.group(1), "role": "admin"}
        )
        assert signed.status_code == 303
        assert alice.get("/").status_code == 200
    stranger = httpx.get(f"{web_platform.base_url}/")
    assert stranger.status_code == 303 and stranger.headers["location"].startswith("/sign-in")
    assert "no-store" in stranger.headers["cache-control"]
