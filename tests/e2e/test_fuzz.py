"""Schemathesis against the merged OpenAPI document, through the gateway, with a token.

Fails on any 5xx, any response that does not match its documented schema, status or content
type, any invalid input accepted, and any undeclared method not answered with 405. Bounded in
examples and time so CI stays fast.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TokenFactory
from tests.e2e.conftest import Platform

pytestmark = pytest.mark.e2e

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "unsupported_method",
    ]
)


def test_fuzzer_finds_nothing(platform: Platform, token: TokenFactory, tmp_path: Path) -> None:
    schemathesis = Path(sys.executable).parent / "schemathesis"
    result = subprocess.run(
        [
            str(schemathesis), "run", f"{platform.base_url}/openapi.json",
            "--header", f"Authorization: Bearer {token('admin', ttl_seconds=1800)}",
            "--checks", CHECKS,
            "--max-examples", "25",
            "--max-time", "90",
            "--workers", "2",
            "--request-timeout", "20",
            "--seed", "20261129",
            # The coverage phase crashes inside schemathesis on Python 3.11 with this seed
            # ("AST constructor recursion depth mismatch"): a tool bug, not a finding.
            "--phases", "examples,fuzzing,stateful",
        ],
        capture_output=True, text=True, timeout=400, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
