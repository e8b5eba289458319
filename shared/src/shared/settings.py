"""Settings every service shares: environment, logging, database, token verification.

Each service subclasses `ServiceSettings` with its own env prefix (``CONTRACTS_``, ``METRICS_`` …).
Variables that the whole platform shares (``DATABASE_URL``, ``CONTRATO_JWT_*``) are read under
their own names so one value configures every process.
"""

from __future__ import annotations

import os
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from shared.auth import Role, ServiceTokens, TokenVerifier, TrustedIssuer


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


def shared_field(name: str, default: Any = None, **kwargs: Any) -> Any:
    """A setting read from one platform-wide variable, whatever the service prefix."""
    return Field(default, validation_alias=AliasChoices(name), **kwargs)


class ServiceSettings(BaseSettings):
    """Base for every service's settings. Subclasses set ``service_name`` and an env prefix."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "service"

    environment: Environment = shared_field("CONTRATO_ENV", Environment.development)
    log_level: str = shared_field("CONTRATO_LOG_LEVEL", "INFO")
    # JSON logs outside development; a developer reading a terminal gets the console renderer.
    log_json: bool | None = shared_field("CONTRATO_LOG_JSON", None)

    # Server-level URL; each service uses its own database on it (contrato_<service>) unless
    # its own ``<SERVICE>_DATABASE_URL`` is set.
    # Read by hand: an alias of DATABASE_URL would also capture ``database_url=`` passed to the
    # constructor (pydantic-settings matches names case-insensitively).
    server_database_url: str | None = Field(default_factory=lambda: os.environ.get("DATABASE_URL"))
    database_url: str | None = None
    database_prefix: str = shared_field("CONTRATO_DATABASE_PREFIX", "contrato_")
    database_pool_size: int = 10

    jwt_public_key_file: Path | None = shared_field("CONTRATO_JWT_PUBLIC_KEY_FILE", None)
    jwt_public_key: str | None = shared_field("CONTRATO_JWT_PUBLIC_KEY", None)
    jwt_private_key_file: Path | None = shared_field("CONTRATO_JWT_PRIVATE_KEY_FILE", None)
    jwt_issuer: str = shared_field("CONTRATO_JWT_ISSUER", "contrato-dev")
    jwt_audience: str = shared_field("CONTRATO_JWT_AUDIENCE", "contrato")
    jwt_leeway_seconds: int = shared_field("CONTRATO_JWT_LEEWAY_SECONDS", 30)

    service_token: str | None = shared_field("CONTRATO_SERVICE_TOKEN", None)

    # People's tokens from the organisation's identity provider (optional).
    idp_issuer: str | None = shared_field("CONTRATO_IDP_ISSUER", None)
    idp_audience: str | None = shared_field("CONTRATO_IDP_AUDIENCE", None)
    idp_jwks_url: str | None = shared_field("CONTRATO_IDP_JWKS_URL", None)
    idp_role_claim: str = shared_field("CONTRATO_IDP_ROLE_CLAIM", "role")
    idp_client_claim: str = shared_field("CONTRATO_IDP_CLIENT_CLAIM", "client_id")
    # JSON objects: the provider's group (or role) names -> Contrato roles, and its
    # organization ids -> client UUIDs, e.g. {"contrato-finance": "finance"}.
    idp_role_map: dict[str, Role] = shared_field("CONTRATO_IDP_ROLE_MAP", {})
    idp_client_map: dict[str, uuid.UUID] = shared_field("CONTRATO_IDP_CLIENT_MAP", {})

    def token_verifier(self, http: httpx.AsyncClient | None = None) -> TokenVerifier:
        """Our own tokens (development, the gateway's client-credentials grant, service
        tokens) and, when configured, the identity provider's."""
        issuers = [TrustedIssuer(self.jwt_issuer, self.jwt_audience, [self.public_key_pem()])]
        if self.idp_issuer and self.idp_jwks_url:
            issuers.append(
                TrustedIssuer(
                    self.idp_issuer,
                    self.idp_audience or self.jwt_audience,
                    jwks_url=self.idp_jwks_url,
                    role_claim=self.idp_role_claim,
                    client_claim=self.idp_client_claim,
                    role_map={name: role.value for name, role in self.idp_role_map.items()},
                    client_map=dict(self.idp_client_map),
                )
            )
        return TokenVerifier(issuers, leeway=self.jwt_leeway_seconds, http=http)

    def service_tokens(self) -> ServiceTokens:
        """Credentials for calls this service makes on its own behalf."""
        return ServiceTokens(
            service=self.service_name,
            issuer=self.jwt_issuer,
            audience=self.jwt_audience,
            private_key_pem=self.private_key_pem(),
            static_token=self.service_token,
        )

    @property
    def json_logs(self) -> bool:
        if self.log_json is not None:
            return self.log_json
        return self.environment is Environment.production

    @property
    def database_name(self) -> str:
        return f"{self.database_prefix}{self.service_name}"

    @property
    def sqlalchemy_url(self) -> str:
        """The asyncpg URL of this service's own database."""
        if self.database_url:
            return to_asyncpg_url(self.database_url)
        if self.server_database_url:
            url = make_url(to_asyncpg_url(self.server_database_url))
            return url.set(database=self.database_name).render_as_string(hide_password=False)
        raise ValueError(
            f"no database configured for {self.service_name}: set DATABASE_URL or "
            f"{self.service_name.upper()}_DATABASE_URL (or run `contrato up`, which starts one)"
        )

    def private_key_pem(self) -> str | None:
        if self.jwt_private_key_file and self.jwt_private_key_file.exists():
            return self.jwt_private_key_file.read_text()
        return None

    def public_key_pem(self) -> str:
        if self.jwt_public_key:
            return self.jwt_public_key
        if self.jwt_public_key_file:
            return self.jwt_public_key_file.read_text()
        raise ValueError("no token verification key: set CONTRATO_JWT_PUBLIC_KEY(_FILE)")

    @model_validator(mode="after")
    def _production_needs_real_keys(self) -> ServiceSettings:
        if self.environment is Environment.production and not (
            self.jwt_public_key or self.jwt_public_key_file
        ):
            raise ValueError("production needs CONTRATO_JWT_PUBLIC_KEY or _FILE")
        return self


def to_asyncpg_url(url: str) -> str:
    """Accept the usual postgres:// spellings and return the asyncpg dialect form."""
    for prefix in (
        "postgresql+asyncpg://",
        "postgresql+psycopg://",
        "postgresql://",
        "postgres://",
    ):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url.split('@')[-1]}")
