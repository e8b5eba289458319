from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from billing.events.webhooks.egress import LOOPBACK, Network, parse_networks
from shared.settings import Environment, ServiceSettings


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
    # How often each process looks for runs whose worker died elsewhere (claims past their
    # lease, or pending work nobody is doing) and takes them over; 0 turns the watch off.
    run_watch_interval_seconds: float = Field(30, ge=0)
    # SLA alerts (sla.at_risk, sla.lost, sla.recovered). Every ``sla_alert_debounce_seconds``
    # the contracts whose records, activity or QA evaluations arrived since the last look are
    # projected again, once each however many batches came (0: only the full passes). Every
    # ``sla_alert_interval_seconds`` every contract in service this month is, for what time
    # alone changes; a pass over 1,000 contracts keeps metrics busy about two minutes, hence
    # 15 minutes. An interval of 0 turns the alerts off.
    sla_alert_interval_seconds: float = Field(900, ge=0)
    sla_alert_debounce_seconds: float = Field(60, ge=0)

    # Partner webhooks: endpoints registered through /v1/webhook-endpoints, each with its own
    # secret. How often the delivery loop looks for events to deliver:
    webhook_interval_seconds: float = Field(5.0, gt=0)
    # Run the delivery loop in the app's lifespan (every replica may: a lease per endpoint
    # keeps two from delivering to one endpoint at once).
    webhook_dispatch: bool = True
    # Fernet keys that encrypt the endpoints' signing secrets: the first encrypts, all decrypt.
    # Empty: a key derived from the token signing key (CONTRATO_JWT_PRIVATE_KEY_FILE).
    webhook_secrets_keys: list[str] = Field(default_factory=list)
    webhook_timeout_seconds: float = Field(10.0, gt=0)
    # A failing endpoint is retried after base x 2^(failures-1) seconds, at most max.
    webhook_backoff_base_seconds: float = Field(10.0, gt=0)
    webhook_backoff_max_seconds: float = Field(3600.0, gt=0)
    # An endpoint failing without a single success for this long is disabled (0: never).
    webhook_disable_after_days: float = Field(3.0, ge=0)
    webhook_lease_seconds: float = Field(120.0, gt=0)
    # Delivery attempts (GET /v1/webhook-endpoints/{id}/attempts) older than this are deleted
    # (0: kept for ever).
    webhook_attempts_retention_days: float = Field(30.0, ge=0)
    # Networks endpoints may reach although they are not public (JSON list of CIDR blocks, e.g.
    # an ERP on the company network). Unset: loopback outside production, none in production.
    webhook_private_networks: list[str] | None = None

    @field_validator("webhook_private_networks")
    @classmethod
    def _networks_parse(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            parse_networks(value)  # a typo fails at startup, naming the variable
        return value

    def webhook_allowed_networks(self) -> tuple[Network, ...]:
        if self.webhook_private_networks is not None:
            return parse_networks(self.webhook_private_networks)
        return () if self.environment is Environment.production else LOOPBACK

    # PDF: TrueType/OpenType files drawing what the bundled DejaVu Sans lacks (e.g. Noto Sans
    # CJK for Chinese, Japanese, Korean names), tried in order. JSON list of paths.
    pdf_fallback_fonts: list[Path] = Field(default_factory=list)


@lru_cache
def get_settings() -> BillingSettings:
    return BillingSettings()
