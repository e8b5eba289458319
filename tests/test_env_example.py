"""`.env.example` documents every setting an app reads, under the name the app reads it by."""

import re
from pathlib import Path

from billing.settings import BillingSettings
from contracts.settings import ContractsSettings
from gateway.settings import GatewaySettings
from metrics.settings import MetricsSettings
from shared.settings import ServiceSettings
from web.settings import WebSettings

ROOT = Path(__file__).resolve().parents[1]
# Read from DATABASE_URL by hand (see shared/settings.py), or fixed per app.
NOT_SETTINGS = {"server_database_url", "service_name"}
# The web console has no database: it inherits these settings and never reads them.
WITHOUT_DATABASE = {"database_url", "database_pool_size"}


def env_name(settings: type[ServiceSettings], field_name: str) -> str:
    alias = settings.model_fields[field_name].validation_alias
    choices = getattr(alias, "choices", None)
    if choices:
        return str(choices[0]).upper()
    return f"{settings.model_config.get('env_prefix', '')}{field_name}".upper()


def test_every_setting_is_documented() -> None:
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))
    missing = [
        env_name(settings, name)
        for settings in (
            ContractsSettings,
            MetricsSettings,
            BillingSettings,
            GatewaySettings,
            WebSettings,
        )
        for name in settings.model_fields
        if name not in NOT_SETTINGS
        and not (settings is WebSettings and name in WITHOUT_DATABASE)
        and env_name(settings, name) not in documented
    ]
    assert not missing, f".env.example does not document: {missing}"
