"""The web console in a real browser: Debian's Chromium driven by Playwright, against the real
platform (`contrato up` on free ports, the test PostgreSQL, a small seeded demo quarter).

One platform and one browser for the whole session. Every page a journey visits is checked
with axe-core (no serious or critical violation), must log no console error, and is saved as
a screenshot at desktop (1280) and phone (390) width under .data/screenshots/ (git-ignored).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, Keys, TokenFactory
from tests.e2e.conftest import Platform, launched

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / ".data" / "screenshots"
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
OPEN_MONTH, CLOSED_MONTH = "2026-10", "2026-09"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def web_platform(
    pg_server_url: str, keys: Keys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """The platform, web console included, holding a small demo quarter."""
    log_path = tmp_path_factory.mktemp("web") / "contrato-up.log"
    with launched(pg_server_url, keys, "e2eweb_", log_path) as running:
        result = subprocess.run(
            [sys.executable, "-m", "contrato.main", "seed", "--records", "6000",
             "--until", OPEN_MONTH, "--gateway", running.base_url],
            env={"CONTRATO_JWT_PRIVATE_KEY_FILE": str(keys.private_path),
                 "CONTRATO_JWT_ISSUER": "contrato-test", "PATH": "/usr/bin:/bin"},
            capture_output=True, text=True, cwd=ROOT, timeout=600,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        yield running


@pytest.fixture(scope="session")
def admin_api(web_platform: Platform, token: TokenFactory) -> Iterator[httpx.Client]:
    """The API as an admin: for the tests to find ids, never to drive the pages."""
    headers = {"authorization": f"Bearer {token('admin', ttl_seconds=3600)}"}
    with httpx.Client(base_url=web_platform.base_url, headers=headers, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def browser(web_platform: Platform) -> Iterator[object]:
    """One Chromium for the journeys. Module-scoped, and started after the platform: while
    Playwright's synchronous API is running it holds the thread's event loop, which the
    platform's setup and the async tests elsewhere need."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `apt-get install -y chromium` (make test does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@dataclass
class Visitor:
    """A browser tab with the checks every page gets."""

    page: object
    base_url: str
    errors: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)

    def check(self, name: str) -> None:
        """axe-core (no serious or critical violation), then screenshots at both widths."""
        from axe_playwright_python.sync_playwright import Axe

        page = self.page
        page.wait_for_load_state("load")  # type: ignore[attr-defined]
        results = Axe().run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")
        ]
        assert not bad, f"{name}: accessibility violations:\n" + "\n".join(bad)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for label, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})  # type: ignore[attr-defined]
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)  # type: ignore[attr-defined]
        page.set_viewport_size({"width": 1280, "height": 800})  # type: ignore[attr-defined]
        assert not self.errors, f"{name}: console errors: {self.errors}"
        self.visited.append(name)

    def sign_in(self, button: str) -> None:
        page = self.page
        page.goto(f"{self.base_url}/")  # type: ignore[attr-defined]
        assert "/sign-in" in page.url  # type: ignore[attr-defined]
        page.get_by_role("button", name=re.compile(button)).click()  # type: ignore[attr-defined]
        page.wait_for_url(f"{self.base_url}/")  # type: ignore[attr-defined]


@pytest.fixture
def visitor(browser: object, web_platform: Platform) -> Iterator[Visitor]:
    """A fresh browser context (no cookies) per journey."""
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1280, "height": 800}, locale="en-US", accept_downloads=True
    )
    page = context.new_page()
    visitor = Visitor(page, web_platform.base_url)
    page.on("console", lambda m: visitor.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visitor.errors.append(str(e)))
    yield visitor
    context.close()
