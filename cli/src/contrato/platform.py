"""What ``contrato up`` and ``contrato migrate`` do: find or start the database, create one
database per service, migrate each, and run the services and the gateway as child processes."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from contrato.pg import EmbeddedPostgres, database_url, ensure_databases
from shared.auth import generate_key_pair
from shared.migrations import upgrade

ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Service:
    name: str
    app: str  # uvicorn factory path
    directory: Path
    port_offset: int


SERVICES = [
    Service("contracts", "contracts.main:create_app", ROOT / "services" / "contracts", 1),
    Service("metrics", "metrics.main:create_app", ROOT / "services" / "metrics", 2),
    Service("billing", "billing.main:create_app", ROOT / "services" / "billing", 3),
]
GATEWAY = Service("gateway", "gateway.main:create_app", ROOT / "gateway", 0)
# The web console: no database; the gateway forwards every path outside the API to it.
WEB = Service("web", "web.main:create_app", ROOT / "web", 4)
# Every app with a database of its own, migrated by `contrato up` and `contrato migrate`.
WITH_DATABASE = [*SERVICES, GATEWAY]


@dataclass
class Platform:
    """The database side of a run: URLs per service and the embedded server, if we started one."""

    data_dir: Path
    database_prefix: str = "contrato_"
    urls: dict[str, str] = field(default_factory=dict)
    embedded: EmbeddedPostgres | None = None

    def prepare(self) -> None:
        """Resolve every service's database (starting the embedded server when no
        DATABASE_URL is set), create the missing ones, and migrate each to head."""
        server_url = os.environ.get("DATABASE_URL")
        if not server_url and not all(
            os.environ.get(f"{s.name.upper()}_DATABASE_URL") for s in WITH_DATABASE
        ):
            self.embedded = EmbeddedPostgres(self.data_dir / "pg")
            server_url = self.embedded.start()
        missing = []
        for service in WITH_DATABASE:
            own = os.environ.get(f"{service.name.upper()}_DATABASE_URL")
            if own:
                self.urls[service.name] = own
            else:
                assert server_url is not None
                name = f"{self.database_prefix}{service.name}"
                missing.append(name)
                self.urls[service.name] = database_url(server_url, name)
        if missing:
            assert server_url is not None
            ensure_databases(server_url, missing)
        for service in WITH_DATABASE:
            upgrade(service.directory, self.urls[service.name])

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()


def ensure_keys(data_dir: Path) -> dict[str, str]:
    """Development signing keys, made once under .data/keys, unless keys are configured."""
    if os.environ.get("CONTRATO_JWT_PUBLIC_KEY") or os.environ.get("CONTRATO_JWT_PUBLIC_KEY_FILE"):
        return {}
    private_path, public_path = generate_key_pair(data_dir / "keys")
    return {
        "CONTRATO_JWT_PRIVATE_KEY_FILE": str(private_path),
        "CONTRATO_JWT_PUBLIC_KEY_FILE": str(public_path),
    }


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM the child if ``contrato up`` dies, so nothing is left orphaned."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Processes:
    """The apps as child processes. Their log lines (one per request, and warnings) go to
    ``log_dir/<app>.log`` so the console keeps what a person needs; with no ``log_dir`` they
    share the console (``CONTRATO_LOGS=console``)."""

    def __init__(self, log_dir: Path | None = None) -> None:
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.log_dir = log_dir
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)

    def log_path(self, name: str) -> Path | None:
        return self.log_dir / f"{name}.log" if self.log_dir is not None else None

    def start(self, service: Service, host: str, port: int, env: dict[str, str]) -> None:
        command = [
            sys.executable, "-m", "uvicorn", service.app, "--factory",
            "--host", host, "--port", str(port),
            "--no-access-log", "--timeout-graceful-shutdown", "10",
        ]  # fmt: skip
        log_path = self.log_path(service.name)
        output = log_path.open("ab") if log_path is not None else None
        try:
            self.children[service.name] = subprocess.Popen(  # noqa: S603
                command,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT if output is not None else None,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        finally:
            if output is not None:
                output.close()  # the child holds its own copy

    def failures(self) -> list[str]:
        failed = []
        for name, child in self.children.items():
            if child.poll() is None:
                continue
            message = f"{name} exited with code {child.returncode}"
            if (log_path := self.log_path(name)) is not None:
                tail = log_path.read_text(errors="replace").splitlines()[-15:]
                message += f" (log: {log_path})\n" + "\n".join(tail)
            failed.append(message)
        return failed

    def stop(self, grace: float = 15.0) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in self.children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def wait_ready(url: str, processes: Processes, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if failures := processes.failures():
            raise RuntimeError("; ".join(failures))
        try:
            response = httpx.get(url, timeout=2.0)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:300]}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(0.3)
    raise RuntimeError(f"{url} not ready after {timeout:.0f}s: {last}")
