from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

# Which service owns each first path segment under /v1. Adding a resource to a service means
# adding its segment here (or in GATEWAY_ROUTES).
DEFAULT_ROUTES: dict[str, str] = {
    "organizations": "contracts",
    "contracts": "contracts",
    "sources": "metrics",
    "contact-records": "metrics",
    "agent-activity": "metrics",
    "quality-evaluations": "metrics",
    "imports": "metrics",
    "kpis": "metrics",
    "sla-reports": "metrics",
    "sla-projections": "metrics",
    "sla-input-changes": "metrics",
    "usage": "metrics",
    "staffing": "metrics",
    "customers": "metrics",
    "tax-rates": "billing",
    "price-plans": "billing",
    "invoices": "billing",
    "credit-notes": "billing",
    "invoice-runs": "billing",
    "payments": "billing",
    "credit-balances": "billing",
    "refunds": "billing",
    "quotes": "billing",
    "sla-risk": "billing",
    "billing-events": "billing",
    "webhook-endpoints": "billing",
}


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service_name: str = "gateway"

    contracts_url: str = "http://127.0.0.1:8001"
    metrics_url: str = "http://127.0.0.1:8002"
    billing_url: str = "http://127.0.0.1:8003"
    routes: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_ROUTES))
    # The web console (``web/``): every path outside the API and the gateway's own routes is
    # forwarded to it, so the console and the API share one origin. Unset: those paths 404.
    web_url: str | None = None

    connect_timeout_seconds: float = 2.0
    read_timeout_seconds: float = 30.0
    # How long the merged OpenAPI document is reused before the services are asked again.
    openapi_cache_seconds: float = 60.0

    # Token bucket per principal (or per IP for unauthenticated calls).
    rate_limit_per_second: float = 50.0
    rate_limit_burst: int = 200
    # /oauth/token, checked before any secret is hashed: per client id (a real client asks
    # once per token lifetime) and per address (one integration server may hold many ids).
    token_requests_per_client_burst: int = 10
    token_requests_per_client_per_minute: float = 2.0
    token_requests_per_address_burst: int = 60
    token_requests_per_address_per_minute: float = 60.0
    # Request bodies: bulk ingestion gets a larger limit than everything else.
    max_body_bytes: int = 1_048_576
    max_bulk_body_bytes: int = 64 * 1_048_576
    bulk_segments: list[str] = Field(
        default_factory=lambda: [
            "contact-records",
            "agent-activity",
            "quality-evaluations",
            "imports",
        ]
    )
    # Circuit breaker per upstream.
    breaker_failure_threshold: int = 5
    breaker_cooldown_seconds: float = 10.0
    cors_origins: list[str] = Field(default_factory=list)

    @property
    def token_rate_limits(self) -> dict[str, tuple[float, int]]:
        """(refill per second, burst) of the token endpoint's two buckets."""
        return {
            "client": (
                self.token_requests_per_client_per_minute / 60,
                self.token_requests_per_client_burst,
            ),
            "address": (
                self.token_requests_per_address_per_minute / 60,
                self.token_requests_per_address_burst,
            ),
        }

    @property
    def upstreams(self) -> dict[str, str]:
        return {
            "contracts": self.contracts_url,
            "metrics": self.metrics_url,
            "billing": self.billing_url,
        }


@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()
