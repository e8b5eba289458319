"""The Compose file parses, names every app, and publishes only the gateway."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def load() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_app_and_the_database_are_services() -> None:
    assert set(load()["services"]) == {
        "postgres",
        "contracts",
        "metrics",
        "billing",
        "gateway",
        "web",
    }


def test_only_the_gateway_publishes_a_port() -> None:
    published = {name for name, spec in load()["services"].items() if spec.get("ports")}
    assert published == {"gateway"}


APPS = {"contracts", "metrics", "billing", "gateway"}


def test_each_app_builds_its_own_package_with_the_workspace_lock() -> None:
    for name, spec in load()["services"].items():
        if name == "postgres":
            continue
        dockerfile = ROOT / spec["build"]["dockerfile"]
        text = dockerfile.read_text()
        assert "uv sync --frozen" in text and "COPY pyproject.toml uv.lock" in text
        assert spec["build"]["args"] == {"PACKAGE": f"contrato-{name}", "MODULE": name}


def test_every_app_migrates_its_own_database_on_start() -> None:
    """The container runs ``python -m <app>``; each of them migrates before serving (the
    gateway too: its API clients table)."""
    for name in APPS:
        package = ROOT / ("gateway" if name == "gateway" else f"services/{name}")
        entry = (package / "src" / name / "__main__.py").read_text()
        assert "migrate_and_serve(" in entry, name


def test_every_setting_compose_passes_is_read_by_that_app() -> None:
    from billing.settings import BillingSettings
    from contracts.settings import ContractsSettings
    from gateway.settings import GatewaySettings
    from metrics.settings import MetricsSettings
    from web.settings import WebSettings

    classes = {
        "web": WebSettings,
        "contracts": ContractsSettings,
        "metrics": MetricsSettings,
        "billing": BillingSettings,
        "gateway": GatewaySettings,
    }
    for name, spec in load()["services"].items():
        if name == "postgres":
            continue
        settings = classes[name]
        prefix = settings.model_config.get("env_prefix", "")
        read = {"DATABASE_URL"}
        for field_name, field in settings.model_fields.items():
            alias = field.validation_alias
            choices = getattr(alias, "choices", None)
            read |= {str(c).upper() for c in choices} if choices else set()
            read.add(f"{prefix}{field_name}".upper())
        unread = set(spec["environment"]) - read
        assert not unread, f"{name} is given settings nothing reads: {sorted(unread)}"


def test_image_builds_send_no_local_state() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in (".venv", ".data", ".git", "deploy/keys"):
        assert path in ignored


def test_every_service_database_is_created_by_the_init_script() -> None:
    init = (ROOT / "deploy" / "postgres-init.sql").read_text()
    for name in ("contracts", "metrics", "billing"):
        assert f"CREATE DATABASE contrato_{name};" in init


def test_gateway_routes_only_to_known_services() -> None:
    from gateway.settings import DEFAULT_ROUTES

    assert set(DEFAULT_ROUTES.values()) <= {"contracts", "metrics", "billing"}
