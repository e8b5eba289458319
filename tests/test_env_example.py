"""`.env.example` documents every setting an app reads, under the name the app reads it by,
and nothing else: each variable it names is a field of a settings class or is read by name in
the code listed below. Numbers and switches show their defaults."""

import importlib
import re
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
# Every app's settings: the services' and the other apps' (gateway …). ``shared`` holds the
# base class, whose fields are checked through each app's class under that app's names.
SETTINGS_FILES = sorted(
    {*ROOT.glob("services/*/src/*/settings.py"), *ROOT.glob("*/src/*/settings.py")}
    - {ROOT / "shared" / "src" / "shared" / "settings.py"}
)
# Fixed per app: a field, but nothing to configure.
NOT_SETTINGS = {"service_name"}
# Inherited by every app, read only by those with a database (an Alembic history of their own).
DATABASE_SETTINGS = {"database_url", "database_pool_size"}
# Read by hand rather than by pydantic-settings (see shared/settings.py).
BY_HAND = {"server_database_url": "DATABASE_URL"}
# Variables read outside the settings classes, and the file that reads each.
ELSEWHERE = {
    "DATABASE_URL": "cli/src/contrato/platform.py",
    "CONTRATO_DATA_DIR": "cli/src/contrato/main.py",
    "CONTRATO_HOST": "cli/src/contrato/main.py",
    "CONTRATO_PORT": "cli/src/contrato/main.py",
    "CONTRATO_LOGS": "cli/src/contrato/main.py",
    "CONTRATO_SEED": "cli/src/contrato/main.py",
    "CONTRATO_SEED_RECORDS": "cli/src/contrato/main.py",
    "CONTRATO_GATEWAY_URL": "cli/src/contrato/commands/api.py",
    "CONTRATO_TOKEN": "cli/src/contrato/commands/api.py",
    "HOST": "shared/src/shared/serve.py",
    "PORT": "shared/src/shared/serve.py",
    "WEB_CONCURRENCY": "shared/src/shared/serve.py",
    "FORWARDED_ALLOW_IPS": "shared/src/shared/serve.py",
    "CONTRATO_SKIP_MIGRATIONS": "shared/src/shared/serve.py",
    "TEST_DATABASE_URL": "tests/conftest.py",
    "POSTGRES_PASSWORD": "docker-compose.yml",
    "GATEWAY_PORT": "docker-compose.yml",
}


def settings_classes() -> dict[type[BaseSettings], bool]:
    """Each app's settings class, and whether the app has a database."""
    found: dict[type[BaseSettings], bool] = {}
    for path in SETTINGS_FILES:
        module = importlib.import_module(f"{path.parent.name}.settings")
        has_database = (path.parents[2] / "alembic.ini").exists()
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseSettings)
                and value.__module__ == module.__name__
            ):
                found[value] = has_database
    return found


def env_name(settings: type[BaseSettings], field_name: str) -> str:
    if field_name in BY_HAND:
        return BY_HAND[field_name]
    alias = settings.model_fields[field_name].validation_alias
    choices = getattr(alias, "choices", None)
    if choices:
        return str(choices[0]).upper()
    return f"{settings.model_config.get('env_prefix', '')}{field_name}".upper()


def settings_names() -> dict[str, tuple[type[BaseSettings], str]]:
    return {
        env_name(settings, name): (settings, name)
        for settings, has_database in settings_classes().items()
        for name in settings.model_fields
        if name not in NOT_SETTINGS and (has_database or name not in DATABASE_SETTINGS)
    }


def documented() -> dict[str, str]:
    text = (ROOT / ".env.example").read_text()
    return dict(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=(.*)$", text, re.MULTILINE))


def test_every_app_has_its_settings_class() -> None:
    classes = settings_classes()
    assert len(classes) == len(SETTINGS_FILES) >= 4
    # The platform-wide fields are checked through each app's class.
    assert all(issubclass(c, ServiceSettings) for c in classes)


def test_every_setting_is_documented() -> None:
    missing = sorted(settings_names().keys() - documented().keys())
    assert not missing, f".env.example does not document: {missing}"


def test_nothing_else_is_documented() -> None:
    unknown = sorted(documented().keys() - settings_names().keys() - ELSEWHERE.keys())
    assert not unknown, f".env.example names variables no app reads: {unknown}"


@pytest.mark.parametrize("name", sorted(ELSEWHERE))
def test_the_others_are_read_where_listed(name: str) -> None:
    assert name in documented(), f".env.example does not document {name}"
    assert re.search(rf"\b{name}\b", (ROOT / ELSEWHERE[name]).read_text())


def test_numbers_and_switches_show_their_defaults() -> None:
    wrong = []
    for name, value in documented().items():
        if name not in settings_names():
            continue
        settings, field_name = settings_names()[name]
        default = settings.model_fields[field_name].default
        if isinstance(default, bool):
            shown: object = value.strip().lower() in ("true", "1", "yes", "on")
        elif isinstance(default, int | float):
            shown = float(value)
        else:
            continue
        if shown != default:
            wrong.append(f"{name}={value} (default {default})")
    assert not wrong, wrong
