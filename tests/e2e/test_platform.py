"""The real thing: `contrato up` starts the processes; we call the gateway over TCP."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, Keys, TokenFactory
from tests.e2e.conftest import Platform, launched

pytestmark = pytest.mark.e2e


def test_ready_and_documented(platform: Platform) -> None:
    assert httpx.get(f"{platform.base_url}/readyz").json()["status"] == "ready"
    document = httpx.get(f"{platform.base_url}/openapi.json").json()
    for path in ("/v1/organizations", "/v1/sources", "/v1/tax-rates"):
        assert path in document["paths"]
    assert httpx.get(f"{platform.base_url}/docs").status_code == 200


def test_tokens_are_checked(platform: Platform) -> None:
    for headers in ({}, {"authorization": "Bearer forged.token.here"}):
        response = httpx.get(f"{platform.base_url}/v1/organizations", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"


def test_create_and_read_through_the_gateway(platform: Platform, token: TokenFactory) -> None:
    headers = {"authorization": f"Bearer {token('operator')}", "x-request-id": "e2e-create-1"}
    body = {
        "kind": "operator",
        "legal_name": "E2E Ops Ltd",
        "display_name": "E2E Ops",
        "country": "PT",
        "time_zone": "Europe/Lisbon",
    }
    with httpx.Client(base_url=platform.base_url, headers=headers) as client:
        created = client.post("/v1/organizations", json=body)
        assert created.status_code == 201, created.text
        again = client.get(f"/v1/organizations/{created.json()['id']}")
        assert again.json()["display_name"] == "E2E Ops"
        # the gateway's server sets these; the service's copies are not passed on as well
        for name in ("date", "server", "x-request-id"):
            assert len(again.headers.get_list(name)) == 1, (name, again.headers.raw)
    time.sleep(0.5)  # let the access log lines reach the file
    lines = [line for line in platform.log().splitlines() if "e2e-create-1" in line]
    services = {
        service
        for line in lines
        for service in ("gateway", "contracts")
        if f'"service": "{service}"' in line
    }
    assert services == {"gateway", "contracts"}, lines


def test_the_console_keeps_to_what_a_person_needs(
    pg_server_url: str, keys: Keys, tmp_path: Path, token: TokenFactory
) -> None:
    """By default the apps' log lines go to files under the data directory; the console gets
    the banner, short enough not to wrap."""
    data_dir = ROOT / ".data" / "e2e-quiet"  # under the checkout, as the default is
    shutil.rmtree(data_dir, ignore_errors=True)
    extra = {"CONTRATO_LOGS": "file", "CONTRATO_DATA_DIR": str(data_dir)}
    with launched(pg_server_url, keys, "e2equiet_", tmp_path / "up.log", extra) as running:
        headers = {"authorization": f"Bearer {token('admin')}", "x-request-id": "quiet-1"}
        for _ in range(20):
            httpx.get(f"{running.base_url}/v1/organizations", headers=headers)
        time.sleep(0.5)
        console = running.log()
        gateway_log = (data_dir / "logs" / "gateway.log").read_text()
    assert "quiet-1" not in console and "quiet-1" in gateway_log
    banner = console[console.index("Contrato is up") :].splitlines()
    assert any("./contrato token" in line for line in banner)
    assert max(len(line) for line in banner) <= 80, banner


@pytest.fixture
def own_platform(pg_server_url: str, keys: Keys, tmp_path: Path) -> Iterator[Platform]:
    """A platform of its own, for a test that stops one of its services."""
    with launched(pg_server_url, keys, "e2efault_", tmp_path / "contrato-up.log") as running:
        yield running


def test_stopped_service_answers_503_not_500_nor_hang(
    own_platform: Platform, token: TokenFactory
) -> None:
    platform = own_platform
    billing = platform.child("billing.main")
    billing.kill()
    billing.wait(10)
    started = time.monotonic()
    response = httpx.get(
        f"{platform.base_url}/v1/tax-rates",
        headers={"authorization": f"Bearer {token('admin')}"},
        timeout=10,
    )
    assert time.monotonic() - started < 5
    assert response.status_code in (502, 503)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["upstream"] == "billing"
    # the others keep working
    assert (
        httpx.get(
            f"{platform.base_url}/v1/organizations",
            headers={"authorization": f"Bearer {token('admin')}"},
        ).status_code
        == 200
    )


def test_partner_credentials_from_the_command_line(platform: Platform, keys: Keys) -> None:
    env = {**os.environ, "CONTRATO_JWT_PRIVATE_KEY_FILE": str(keys.private_path)}
    created = subprocess.run(
        [sys.executable, "-m", "contrato.main", "clients", "create", "--name", "E2E PBX",
         "--role", "operator", "--gateway", platform.base_url, "--json"],
        env=env, capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    client = json.loads(created.stdout)
    response = httpx.post(
        f"{platform.base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
    )
    assert response.status_code == 200, response.text
    bearer = response.json()["access_token"]
    listed = httpx.get(
        f"{platform.base_url}/v1/organizations", headers={"authorization": f"Bearer {bearer}"}
    )
    assert listed.status_code == 200
