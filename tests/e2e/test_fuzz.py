"""Schemathesis against the merged OpenAPI document, through the gateway, on a platform holding
the demo quarter (small), once as an admin and once as a client user.

Every check schemathesis has (what `--checks all` selects, enabled in ``schemathesis.toml`` so
that its exceptions hold: server errors, status codes, content types,
headers, response schemas, invalid input accepted, valid input refused, missing required
headers, undeclared methods, Allow headers, use after delete, resources missing after create,
ignored auth, object-level authorization), every phase (the schema's examples, coverage of its
constraints, random fuzzing, and stateful sequences following the links schemathesis infers
from Location headers and from which operation's answers supply which one's parameters).

The ids of the demo data go to schemathesis as dictionaries, so path, query and body
parameters named after them (``contract_id``, ``invoice_id`` …) mostly name real resources —
the operations reach their logic instead of answering 404 — and sometimes random ones.

Deterministic: one seed, a bounded number of examples per operation and no time budget (a
time budget makes schemathesis repeat fuzzing until it is spent, so the work done would depend
on the machine's speed). The seeded data is the same on every run except its ids.

Accepted exceptions, each with its reason, are in ``schemathesis.toml`` next to this file (a
finding is fixed, never excluded for good). A failure's report ends with the curl command that
reproduces it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, Keys, TokenFactory
from tests.e2e.conftest import Platform, launched

pytestmark = pytest.mark.e2e

CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 20261129
RECORDS = 4000  # contact records of the demo quarter: enough for KPIs, usage, invoices
MAX_EXAMPLES = 12
CLIENT = "Acme Telecom"  # the client whose user the second run acts as
PEER = "Globex Bank"  # another client, whose user must not reach what CLIENT's reaches

# Parameter name -> the list operation whose items give its values.
ID_SOURCES = {
    "organization_id": "/v1/organizations",
    "client_id": "/v1/organizations?kind=client",
    "contract_id": "/v1/contracts",
    "source_id": "/v1/sources",
    "report_id": "/v1/sla-reports",
    "price_plan_id": "/v1/price-plans",
    "invoice_id": "/v1/invoices",
    "credit_note_id": "/v1/credit-notes",
    "payment_id": "/v1/payments",
    "refund_id": "/v1/refunds",
    "run_id": "/v1/invoice-runs",
    "endpoint_id": "/v1/webhook-endpoints",
    "tax_rate_id": "/v1/tax-rates",
}
# How often a parameter with known ids takes one of them (otherwise whatever is generated).
KNOWN_ID_PROBABILITY = 0.8


@pytest.fixture(scope="module")
def fuzz_platform(
    pg_server_url: str, keys: Keys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """A platform of its own (the fuzzer leaves junk behind), holding the demo quarter."""
    log_path = tmp_path_factory.mktemp("fuzz") / "contrato-up.log"
    with launched(pg_server_url, keys, "e2efuzz_", log_path) as running:
        seed(running, keys)
        yield running


def seed(platform: Platform, keys: Keys) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "contrato.main", "seed", "--records", str(RECORDS),
         "--seed", "42", "--until", "2026-10", "--gateway", platform.base_url],
        env={"CONTRATO_JWT_PRIVATE_KEY_FILE": str(keys.private_path),
             "CONTRATO_JWT_ISSUER": "contrato-test", "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def known_ids(base_url: str, admin_token: str) -> dict[str, list[str]]:
    """The ids of what the demo data holds, by parameter name (up to 20 of each, in id order)."""
    ids: dict[str, list[str]] = {}
    with httpx.Client(
        base_url=base_url, headers={"authorization": f"Bearer {admin_token}"}, timeout=30
    ) as client:
        for name, path in ID_SOURCES.items():
            separator = "&" if "?" in path else "?"
            response = client.get(f"{path}{separator}limit=20")
            response.raise_for_status()
            ids[name] = [item["id"] for item in response.json()["items"]]
    return {name: values for name, values in ids.items() if values}


def client_id_of(base_url: str, admin_token: str, display_name: str) -> str:
    response = httpx.get(
        f"{base_url}/v1/organizations",
        params={"limit": 100},
        headers={"authorization": f"Bearer {admin_token}"},
        timeout=30,
    )
    response.raise_for_status()
    return next(o["id"] for o in response.json()["items"] if o["display_name"] == display_name)


def config_with_ids(
    ids: dict[str, list[str]], path: Path, users: dict[str, str] | None = None
) -> Path:
    """The committed configuration plus a dictionary of known ids per parameter name; with
    ``users`` (name -> bearer token; the first one acts), the object-level authorization
    check replays what one reads of its own as each of the others."""
    lines = [CONFIG.read_text(), "", "# Generated by tests/e2e/test_fuzz.py: the demo data's ids"]
    if users:
        auth = path.with_name("users.json")
        auth.write_text(json.dumps({"auth": [
            {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {bearer}"}]}
            for name, bearer in users.items()
        ]}))  # fmt: skip
        lines += [
            "[auth.wfc]",
            f"path = {json.dumps(str(auth))}",
            f"user = {json.dumps(next(iter(users)))}",
            f"peers = {json.dumps(list(users))}",
            "",
        ]
    for name, values in ids.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    for name in ids:
        binding = f'{{ dictionary = "{name}", probability = {KNOWN_ID_PROBABILITY} }}'
        lines += [f'"{name}" = {binding}', f'"body.{name}" = {binding}']
    path.write_text("\n".join(lines) + "\n")
    return path


# Schemathesis' entry point, with one workaround: on CPython 3.11, ast.parse deep in a call stack
# sometimes raises "SystemError: AST constructor recursion depth mismatch" (a CPython bug, not
# the API's), and hypothesis parses source files to describe a lambda when it builds the repr
# of a strategy, which the coverage phase does. The description is only a label: a plain one
# replaces it when parsing fails.
SCHEMATHESIS = """
import sys
from hypothesis.internal import lambda_sources

describe = lambda_sources.lambda_description


def lambda_description(f):
    try:
        return describe(f)
    except SystemError:
        return "lambda: <source unavailable>"


lambda_sources.lambda_description = lambda_description
from schemathesis.cli import schemathesis

sys.argv[0] = "schemathesis"
sys.exit(schemathesis())
"""


# The coverage phase (every constraint's edge of every operation) is the run's longest, and what
# it checks does not depend on who asks: the admin runs it; the client run, there to check
# tenancy and authorization, runs the other phases.
ADMIN_PHASES = "examples,coverage,fuzzing,stateful"
CLIENT_PHASES = "examples,fuzzing,stateful"


def fuzz(
    base_url: str, bearer: str | None, config: Path, workdir: Path, phases: str
) -> subprocess.CompletedProcess[str]:
    """Schemathesis as ``bearer`` (or as the users the configuration names)."""
    auth = ["--header", f"Authorization: Bearer {bearer}"] if bearer else []
    return subprocess.run(
        [
            sys.executable, "-c", SCHEMATHESIS,
            "--config-file", str(config), "run", f"{base_url}/openapi.json",
            *auth,
            "--phases", phases,
            "--max-examples", str(MAX_EXAMPLES),
            "--seed", str(SEED),
            # One worker: with two, the order in which requests reach the shared database (and
            # so what later cases find there) would change from run to run.
            "--workers", "1",
            "--request-timeout", "20",
            "--no-color",
        ],
        capture_output=True, text=True, timeout=600, cwd=workdir,
    )  # fmt: skip


@pytest.mark.parametrize("role", ["admin", "client"])
def test_fuzzer_finds_nothing(
    fuzz_platform: Platform, token: TokenFactory, tmp_path: Path, role: str
) -> None:
    admin = token("admin", ttl_seconds=1800)
    ids = known_ids(fuzz_platform.base_url, admin)
    if role == "client":
        # A client user, with another client's user as its peer: tenancy is checked twice,
        # by the ids of every client in the dictionaries and by replaying as the peer.
        users = {
            name: token("client", client_id=client_id_of(fuzz_platform.base_url, admin, name),
                        ttl_seconds=1800)
            for name in (CLIENT, PEER)
        }  # fmt: skip
        config = config_with_ids(ids, tmp_path / "schemathesis.toml", users)
        result = fuzz(fuzz_platform.base_url, None, config, tmp_path, CLIENT_PHASES)
    else:
        config = config_with_ids(ids, tmp_path / "schemathesis.toml")
        result = fuzz(fuzz_platform.base_url, admin, config, tmp_path, ADMIN_PHASES)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
