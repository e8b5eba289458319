from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class MetricsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="METRICS_", extra="ignore")

    service_name: str = "metrics"

    contracts_url: str = "http://127.0.0.1:8001"
    # How long a queue -> contract answer and a contract's service terms are reused.
    contracts_cache_ttl_seconds: float = Field(300.0, ge=0)
    # Key of the HMAC that pseudonymizes customer identifiers (phone numbers, e-mails).
    # Set METRICS_CUSTOMER_KEY_SECRET in every real deployment; rotating it unlinks old keys.
    customer_key_secret: str = Field("development-only-customer-key-secret", min_length=16)
    max_batch_records: int = 10_000
    # The lifespan job that pre-creates contact_record's monthly partitions (UTC months): the
    # current month and this many after it, checked at startup and then every interval.
    partitions_ahead_months: int = Field(2, ge=0, le=24)
    partition_check_interval_seconds: float = Field(3600.0, gt=0)


@lru_cache
def get_settings() -> MetricsSettings:
    return MetricsSettings()
