from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore")

    service_name: str = "billing"

    contracts_url: str = "http://127.0.0.1:8001"
    metrics_url: str = "http://127.0.0.1:8002"
    upstream_read_timeout_seconds: float = 15.0

    # Invoice runs: contracts priced at once per worker, and how long a claim on a contract
    # lasts before another worker may take it over (a killed worker's claims expire).
    run_concurrency: int = Field(4, ge=1, le=64)
    run_claim_lease_seconds: float = Field(300, ge=0)
    # Pick up runs left unfinished by a stopped or killed process when the service starts.
    run_resume_on_startup: bool = True

    # Partner webhooks: outbox events are POSTed to each URL, signed with the secret.
    webhook_urls: list[str] = Field(default_factory=list)
    webhook_secret: str | None = None
    webhook_interval_seconds: float = Field(5.0, gt=0)

    # PDF: TrueType/OpenType files drawing what the bundled DejaVu Sans lacks (e.g. Noto Sans
    # CJK for Chinese, Japanese, Korean names), tried in order. JSON list of paths.
    pdf_fallback_fonts: list[Path] = Field(default_factory=list)


@lru_cache
def get_settings() -> BillingSettings:
    return BillingSettings()
