"""The real platform for the command-line tests: `contrato up` on free ports against the test
PostgreSQL (databases ``cli_*``), and a small month prepared through the gateway: a client, an
SLA contract signed and in force, a price plan, a source and a few October records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from contrato.main import app
from tests.conftest import Keys, TokenFactory
from tests.contracts.test_organizations import OPERATOR, client_body
from tests.e2e.conftest import Platform, launched

QUEUE = "acme-support"
SAMPLE_QUEUES = [QUEUE, "acme-sales", "acme-chat"]  # the queues of samples/ (not acme-billing)
SIGNERS = [
    {"name": "Ana Souza", "email": "ana@acme.example", "party": "client"},
    {"name": "Rui Lima", "email": "rui@bpo.example", "party": "operator"},
]


@pytest.fixture(scope="package")  # tests/cli only: stopped before the next package
def cli_platform(
    pg_server_url: str, keys: Keys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    log_path = tmp_path_factory.mktemp("cli") / "contrato-up.log"
    with launched(pg_server_url, keys, "cli_", log_path) as running:
        yield running


@dataclass
class Cli:
    """Runs `contrato …` in-process (typer's CliRunner) against the platform's gateway."""

    gateway: str
    env: dict[str, str | None]

    def __call__(self, *args: str, gateway: bool = True) -> Result:
        extra = ["--gateway", self.gateway] if gateway else []
        result = CliRunner().invoke(app, [*args, *extra], env=self.env, catch_exceptions=True)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception  # a traceback is a bug: show it
        return result

    def json(self, *args: str) -> Any:
        result = self(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture(scope="package")  # tests/cli only: stopped before the next package
def cli(cli_platform: Platform, keys: Keys) -> Cli:
    env = {
        "CONTRATO_JWT_PRIVATE_KEY_FILE": str(keys.private_path),
        "COLUMNS": "200",  # rich tables are not cut to 80 columns
        "CONTRATO_TOKEN": None,  # never a token from the shell running the tests
        "CONTRATO_GATEWAY_URL": None,
    }
    return Cli(cli_platform.base_url, env)


@dataclass
class Month:
    client_id: str
    contract_id: str
    contract_number: str
    source: str


def _call(api: httpx.Client, method: str, path: str, body: Any = None, ok: int = 201) -> Any:
    response = api.request(method, path, json=body)
    assert response.status_code == ok, f"{method} {path}: {response.text}"
    return response.json()


def _record(n: int, day: int, wait: int, outcome: str = "answered") -> dict[str, Any]:
    at = f"2026-10-{day:02d}T14:{n % 60:02d}:00Z"
    record: dict[str, Any] = {
        "external_id": f"oct-{n}",
        "queue": QUEUE,
        "channel": "voice",
        "enqueued_at": at,
        "wait_seconds": wait,
        "outcome": outcome,
    }
    if outcome == "answered":
        record.update(
            answered_at=f"2026-10-{day:02d}T14:{n % 60:02d}:{wait:02d}Z",
            talk_seconds=240,
            acw_seconds=30,
        )
    return record


@pytest.fixture(scope="package")  # tests/cli only: stopped before the next package
def month(cli_platform: Platform, token: TokenFactory) -> Month:
    """A client with an SLA contract in force since 2026-09-01 claiming the sample files'
    queue, a price plan from September, a source, and 40 October calls (service level 80/20
    met: 36 answered within 20 s)."""
    headers = {"authorization": f"Bearer {token('admin')}"}
    with httpx.Client(base_url=cli_platform.base_url, headers=headers, timeout=30) as api:
        _call(api, "POST", "/v1/organizations", OPERATOR)
        client = _call(api, "POST", "/v1/organizations", client_body("Acme"))
        contract = _call(
            api,
            "POST",
            "/v1/contracts",
            {
                "type": "SLA",
                "title": "Acme care",
                "client_id": client["id"],
                "currency": "BRL",
                "scope": {
                    "channels": ["voice"],
                    "queues": SAMPLE_QUEUES,
                    "hours": {"mon": [["08:00", "20:00"]]},
                },
                "pricing": {"payment_terms_days": 30},
                "term": {
                    "start_date": "2026-09-01",
                    "initial_term_months": 12,
                    "renewal_type": "auto_renew",
                    "renewal_term_months": 12,
                    "notice_days": 30,
                },
                "service_levels": [
                    {
                        "key": "voice_sl",
                        "metric": "service_level",
                        "threshold_seconds": 20,
                        "target": "0.80",
                        "pool_share": "0.5",
                    },
                    {"key": "voice_asa", "metric": "asa", "target": "30", "pool_share": "0.5"},
                ],
                "service_credit_terms": {"at_risk_percent": "10"},
            },
        )
        base = f"/v1/contracts/{contract['id']}"
        _call(api, "POST", f"{base}/actions/submit", {"reason": "ready"}, 200)
        _call(api, "POST", f"{base}/actions/approve", {"reason": "ok"}, 200)
        _call(api, "POST", f"{base}/actions/send_for_signature", {"signers": SIGNERS}, 200)
        for signer in SIGNERS:
            _call(api, "POST", f"{base}/signatures", {"email": signer["email"]})
        _call(
            api,
            "POST",
            "/v1/price-plans",
            {
                "contract_id": contract["id"],
                "name": "Acme 2026",
                "version": {
                    "effective_from": "2026-09-01",
                    "tax_rate_percent": "10",
                    "charges": [
                        {
                            "key": "fee",
                            "name": "Management fee",
                            "model": "fixed",
                            "amount": "1000.00",
                        },
                        {
                            "key": "contacts",
                            "name": "Handled contacts",
                            "model": "per_unit",
                            "metric": "handled_contacts",
                            "unit_price": "2.50",
                        },
                    ],
                },
            },
        )
        source = "cli-tests"
        _call(api, "POST", "/v1/sources", {"name": source, "kind": "api"})
        records = [_record(n, 1 + n % 28, 5 if n < 36 else 45) for n in range(40)]
        stored = _call(
            api, "POST", "/v1/contact-records", {"source": source, "records": records}, 200
        )
        assert stored["rejected"] == 0, stored
    return Month(client["id"], contract["id"], contract["number"], source)
