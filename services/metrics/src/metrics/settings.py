from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import Environment, ServiceSettings

DEVELOPMENT_CUSTOMER_KEY = "development-only-customer-key-secret"


class MetricsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="METRICS_", extra="ignore")

    service_name: str = "metrics"

    contracts_url: str = "http://127.0.0.1:8001"
    # How long a queue -> contract answer and a contract's service terms are reused.
    contracts_cache_ttl_seconds: float = Field(300.0, ge=0)
    # Key of the HMAC that pseudonymizes customer identifiers (phone numbers, e-mails).
    # Set METRICS_CUSTOMER_KEY_SECRET in every real deployment; rotating it unlinks old keys.
    customer_key_secret: str = Field(DEVELOPMENT_CUSTOMER_KEY, min_length=16)
    max_batch_records: int = 10_000
    # The lifespan job that pre-creates contact_record's monthly partitions (UTC months): the
    # current month and this many after it, checked at startup and then every interval.
    partitions_ahead_months: int = Field(2, ge=0, le=24)
    partition_check_interval_seconds: float = Field(3600.0, gt=0)

    @model_validator(mode="after")
    def _production_needs_its_own_customer_key(self) -> MetricsSettings:
        # With the published default anyone could recompute a phone number's pseudonym.
        production = self.environment is Environment.production
        if production and self.customer_key_secret == DEVELOPMENT_CUSTOMER_KEY:
            raise ValueError("production needs METRICS_CUSTOMER_KEY_SECRET")
        return self


@lru_cache
def get_settings() -> MetricsSettings:
    return MetricsSettings()
