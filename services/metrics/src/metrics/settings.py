from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class MetricsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="METRICS_", extra="ignore")

    service_name: str = "metrics"


@lru_cache
def get_settings() -> MetricsSettings:
    return MetricsSettings()
