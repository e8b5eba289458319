"""The real platform for end-to-end tests: `contrato up` starts the processes on free ports,
against the test PostgreSQL, and the tests call the gateway over TCP."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from contrato.pg import ensure_databases
from tests.conftest import ROOT, Keys


def free_port_block(size: int = 5) -> int:
    for _ in range(50):
        base = random.randint(20000, 60000)
        try:
            for port in range(base, base + size):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free block of ports")


@dataclass
class Platform:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def child(self, module: str) -> psutil.Process:
        for child in psutil.Process(self.process.pid).children(recursive=True):
            if any(module in part for part in child.cmdline()):
                return child
        raise LookupError(module)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def launched(
    pg_server_url: str,
    keys: Keys,
    prefix: str,
    log_path: Path,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Platform]:
    """`contrato up` on a free block of ports with databases named ``prefix``*; on exit,
    Ctrl-C (SIGINT) and a check that it stopped cleanly, leaving no process behind."""
    ensure_databases(
        pg_server_url,
        [f"{prefix}{s}" for s in ("contracts", "metrics", "billing", "gateway")],
        fresh=True,
    )
    env = {
        **os.environ,
        "DATABASE_URL": pg_server_url,
        "CONTRATO_DATABASE_PREFIX": prefix,
        "CONTRATO_JWT_PRIVATE_KEY_FILE": str(keys.private_path),
        "CONTRATO_LOG_JSON": "true",
        "CONTRATO_LOG_LEVEL": "INFO",
        "CONTRATO_SEED": "off",  # tests load the data they need themselves
        "CONTRATO_LOGS": "console",  # the tests read the apps' log lines from one file
        # The fuzzer sends thousands of requests; rate limits are tested on their own.
        "GATEWAY_RATE_LIMIT_PER_SECOND": "100000",
        "GATEWAY_RATE_LIMIT_BURST": "100000",
        **(extra_env or {}),
    }
    for _ in range(3):  # another process may take a port between our probe and the bind
        port = free_port_block()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "contrato.main", "up", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        platform = Platform(process, f"http://127.0.0.1:{port}", log_path)
        if wait_ready(platform):
            break
        process.kill()
        if "address already in use" not in platform.log():
            pytest.fail(f"contrato up did not become ready:\n{platform.log()[-3000:]}")
    else:
        pytest.fail(f"contrato up found no free ports:\n{platform.log()[-3000:]}")
    yield platform
    children = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    assert process.wait(30) == 0, platform.log()[-2000:]
    _, alive = psutil.wait_procs(children, timeout=5)
    assert alive == [], f"orphans left behind: {alive}"


def wait_ready(platform: Platform, timeout: float = 90) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and platform.process.poll() is None:
        # Ready means the gateway answers and `contrato up` itself has finished starting:
        # until it says so it still treats a service that dies as a failed start.
        try:
            ready = httpx.get(f"{platform.base_url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            ready = False
        if ready and "Contrato is up" in platform.log():
            return True
        time.sleep(0.3)
    return False


@pytest.fixture(scope="session")
def platform(
    pg_server_url: str, keys: Keys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """The platform most end-to-end tests share (none of them stops a part of it)."""
    log_path = tmp_path_factory.mktemp("e2e") / "contrato-up.log"
    with launched(pg_server_url, keys, "e2e_", log_path) as running:
        yield running
