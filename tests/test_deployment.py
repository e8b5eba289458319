"""The Compose file parses, names every app, and publishes only the gateway."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def load() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_app_and_the_database_are_services() -> None:
    assert set(load()["services"]) == {"postgres", "contracts", "metrics", "billing", "gateway"}


def test_only_the_gateway_publishes_a_port() -> None:
    published = {name for name, spec in load()["services"].items() if spec.get("ports")}
    assert published == {"gateway"}


def test_each_app_builds_from_its_own_dockerfile_with_the_workspace_lock() -> None:
    for name, spec in load()["services"].items():
        if name == "postgres":
            continue
        dockerfile = ROOT / spec["build"]["dockerfile"]
        assert dockerfile.exists(), dockerfile
        text = dockerfile.read_text()
        assert "uv sync --frozen" in text and "COPY pyproject.toml uv.lock" in text
        assert f"ARG MODULE={name}" in text


def test_every_service_database_is_created_by_the_init_script() -> None:
    init = (ROOT / "deploy" / "postgres-init.sql").read_text()
    for name in ("contracts", "metrics", "billing"):
        assert f"CREATE DATABASE contrato_{name};" in init


def test_gateway_routes_only_to_known_services() -> None:
    from gateway.settings import DEFAULT_ROUTES

    assert set(DEFAULT_ROUTES.values()) <= {"contracts", "metrics", "billing"}
