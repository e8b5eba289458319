"""The web console's server time per page, against the API calls the page makes.

    make up            # in another terminal: the platform with the demo quarter
    uv run python bench/bench_web.py [--gateway http://127.0.0.1:8000] [--requests 30]

Signs in through the development sign-in as a user of Acme Telecom, then requests each page
``--requests`` times one after another (the time to the whole answer, through the gateway),
and the API calls that page makes, alone, with the same token. Prints p50 and p95 of both and
the page's own cost (page minus API). Goal: every page's p95 under 300 ms on the demo quarter.
Needs a running platform; without one it says so and does nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

import httpx

CLOSED, OPEN = "2026-09", "2026-10"


def quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed(call: Callable[[], Awaitable[object]], times: int) -> list[float]:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    browser = httpx.AsyncClient(base_url=args.gateway, timeout=30)
    try:
        page = await browser.get("/sign-in")
    except httpx.HTTPError:
        print(f"no platform at {args.gateway}: start it with `make up` first (skipped)")
        return 0
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    ids = re.findall(r'name="client_id" value="([^"]+)"', page.text)
    if match is None or not ids:
        print("the sign-in page lists no demo client: load the demo quarter first (skipped)")
        return 0
    client_id = ids[0]  # the first client: Acme Telecom in the demo quarter
    await browser.post(
        "/sign-in/development",
        data={"csrf_token": match.group(1), "role": "client", "client_id": client_id},
    )
    # The token the console holds, to call the API the same way.
    api_token = await _token_of(browser)
    api = httpx.AsyncClient(
        base_url=args.gateway, timeout=30, headers={"authorization": f"Bearer {api_token}"}
    )
    contracts = (await api.get("/v1/contracts", params={"type": "SLA", "limit": 1})).json()
    contract = contracts["items"][0]
    invoices = (await api.get("/v1/invoices", params={"period": CLOSED, "limit": 1})).json()
    invoice = (await api.get(f"/v1/invoices/{invoices['items'][0]['id']}")).json()
    credit = next((ln for ln in invoice["lines"] if ln["kind"] == "credit"), None)
    full = await api.get(f"/v1/contracts/{contract['id']}")
    levels = full.json().get("service_levels") or []

    async def gather(*calls: Awaitable[httpx.Response]) -> None:
        await asyncio.gather(*calls)

    pages: dict[str, tuple[str, Callable[[], Awaitable[object]]]] = {
        "home": (
            "/",
            lambda: gather(
                api.get("/v1/invoices", params={"status": "issued", "limit": 500}),
                api.get("/v1/contracts/reminders", params={"within_days": 60, "limit": 100}),
            ),
        ),
        "home: at risk": (
            f"/home/risk?period={OPEN}",
            lambda: api.get("/v1/sla-risk/portfolio", params={"period": OPEN, "limit": 100}),
        ),
        "contracts": ("/contracts", lambda: api.get("/v1/contracts", params={"limit": 50})),
        "contract": (
            f"/contracts/{contract['id']}",
            lambda: api.get(f"/v1/contracts/{contract['id']}"),
        ),
        "service levels": (
            f"/contracts/{contract['id']}/service-levels?period={CLOSED}",
            lambda: gather(
                api.get(
                    "/v1/sla-reports", params={"contract_id": contract["id"], "period": CLOSED}
                ),
                *(
                    api.get(
                        "/v1/kpis",
                        params={
                            "contract_id": contract["id"],
                            "from": f"{CLOSED}-01",
                            "to": f"{OPEN}-01",
                            "granularity": "day",
                        },
                    )
                    for _ in levels
                ),
            ),
        ),
        "invoices": ("/invoices", lambda: api.get("/v1/invoices", params={"limit": 50})),
        "invoice": (f"/invoices/{invoice['id']}", lambda: api.get(f"/v1/invoices/{invoice['id']}")),
    }
    if credit:
        pages["credit"] = (
            f"/invoices/{invoice['id']}/credits/{credit['sla_key']}",
            lambda: gather(
                api.get(f"/v1/sla-reports/{credit['report_id']}"),
                api.get(
                    "/v1/kpis",
                    params={
                        "contract_id": invoice["contract_id"],
                        "from": f"{CLOSED}-01",
                        "to": f"{OPEN}-01",
                        "granularity": "day",
                    },
                ),
            ),
        )
    print(
        f"{'page':<16}{'page p50':>10}{'page p95':>10}{'API p50':>10}{'API p95':>10}{'own p50':>10}"
    )
    worst = 0.0
    for name, (path, api_calls) in pages.items():
        page_ms = await timed(lambda path=path: _ok(browser.get(path)), args.requests)
        api_ms = await timed(api_calls, args.requests)
        p50, p95 = statistics.median(page_ms), quantile(page_ms, 0.95)
        a50, a95 = statistics.median(api_ms), quantile(api_ms, 0.95)
        worst = max(worst, p95)
        print(f"{name:<16}{p50:>9.0f} {p95:>9.0f} {a50:>9.0f} {a95:>9.0f} {p50 - a50:>9.0f}")
    print(f"worst page p95: {worst:.0f} ms (goal < 300 ms)")
    await browser.aclose()
    await api.aclose()
    return 0


async def _ok(request: Awaitable[httpx.Response]) -> None:
    response = await request
    if response.status_code != 200:
        raise SystemExit(f"{response.request.url}: {response.status_code}")


async def _token_of(browser: httpx.AsyncClient) -> str:
    """The signed-in user's bearer: the session cookie's payload (signed, not encrypted)."""
    import base64
    import json

    from web.sessions import COOKIE

    payload = browser.cookies[COOKIE].split(".")[0]
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(body["d"]["user"]["token"])


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
