"""The web console's settings (``WEB_`` prefix). The platform-wide ones (``CONTRATO_ENV``,
the development signing key, the identity provider's issuer) come from ``ServiceSettings``."""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import Environment, ServiceSettings


class WebSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="WEB_", extra="ignore")

    service_name: str = "web"

    # The gateway's public API: the only thing this app calls.
    gateway_url: str = "http://127.0.0.1:8000"
    # Signs the session cookie (HMAC-SHA256). Required in production; in development it is
    # derived from the local signing key, so sessions survive a restart.
    session_secret: str | None = None
    session_max_age_seconds: int = 8 * 3600
    # Lifetime of the tokens the development sign-in mints.
    dev_token_ttl_seconds: int = 8 * 3600
    # OpenID Connect (authorization code + PKCE) against the identity provider the gateway
    # trusts (CONTRATO_IDP_ISSUER); this app is registered there as a client.
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid profile email"
    # Which of the provider's tokens is sent to the gateway as the bearer.
    oidc_bearer: str = "access_token"
    # Where users reach the console (for the OIDC redirect URI); by default the request's own.
    public_url: str | None = None
    api_timeout_seconds: float = 30.0

    @property
    def development_sign_in(self) -> bool:
        return self.environment is not Environment.production

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.idp_issuer and self.oidc_client_id)

    def session_key(self) -> bytes:
        if self.session_secret:
            return self.session_secret.encode()
        if pem := self.private_key_pem():
            return hashlib.sha256(b"contrato-web-session:" + pem.encode()).digest()
        return secrets.token_bytes(32)

    @model_validator(mode="after")
    def _production_needs_a_session_secret(self) -> WebSettings:
        if self.environment is Environment.production and not self.session_secret:
            raise ValueError("production needs WEB_SESSION_SECRET (32+ random characters)")
        return self

    # ServiceSettings' own check asks for the token verification key, which this app, holding
    # no token of its own to verify, does not need.
    @model_validator(mode="after")
    def _production_needs_real_keys(self) -> WebSettings:
        return self


@lru_cache
def get_settings() -> WebSettings:
    return WebSettings()
