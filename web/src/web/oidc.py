"""OpenID Connect sign-in: authorization code flow with PKCE (RFC 7636), state and nonce.

1. ``start``: discovery (``/.well-known/openid-configuration`` of the issuer the gateway
   trusts), a fresh state, nonce and PKCE verifier kept in the session, and the redirect to
   the provider's authorization endpoint with the S256 challenge.
2. ``finish``: the callback's state must be the session's; the code is exchanged at the token
   endpoint with the verifier; the ID token is verified (signature by the provider's JWKS,
   issuer, audience = our client id, expiry, nonce); the bearer token the gateway will see is
   verified the way the gateway verifies it (role and client mapped by the same settings), so
   the user is known before the first page.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from shared.auth import ALGORITHMS, TokenVerifier, TrustedIssuer
from shared.errors import Unauthorized
from web.settings import WebSettings


class OidcError(Exception):
    """Sign-in with the identity provider failed; the message says why, in words."""


@dataclass(frozen=True)
class SignedIn:
    bearer: str
    name: str
    role: str
    client_id: str | None
    expires_at: float


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class OidcClient:
    DISCOVERY_SECONDS = 3600.0

    def __init__(self, settings: WebSettings, http: httpx.AsyncClient) -> None:
        assert settings.idp_issuer and settings.oidc_client_id
        self.settings = settings
        self.issuer = settings.idp_issuer.rstrip("/")
        self.http = http
        self._metadata: dict[str, Any] | None = None
        self._fetched = 0.0
        self._verifier: TokenVerifier | None = None

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None or time.monotonic() - self._fetched > self.DISCOVERY_SECONDS:
            url = f"{self.issuer}/.well-known/openid-configuration"
            try:
                response = await self.http.get(url, timeout=5.0)
                response.raise_for_status()
                metadata = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise OidcError(f"the identity provider cannot be reached ({exc})") from exc
            if metadata.get("issuer", "").rstrip("/") != self.issuer:
                raise OidcError("the identity provider's discovery names another issuer")
            self._metadata, self._fetched = metadata, time.monotonic()
        return self._metadata

    def token_verifier(self, jwks_url: str) -> TokenVerifier:
        """The gateway's view of the provider's tokens: same audience, claims and maps."""
        if self._verifier is None:
            s = self.settings
            self._verifier = TokenVerifier(
                [
                    TrustedIssuer(
                        s.idp_issuer or self.issuer,
                        s.idp_audience or s.jwt_audience,
                        jwks_url=s.idp_jwks_url or jwks_url,
                        role_claim=s.idp_role_claim,
                        client_claim=s.idp_client_claim,
                        role_map={name: role.value for name, role in s.idp_role_map.items()},
                        client_map=dict(s.idp_client_map),
                    )
                ],
                leeway=s.jwt_leeway_seconds,
                http=self.http,
            )
        return self._verifier

    async def start(self, session: dict[str, Any], redirect_uri: str, next_url: str) -> str:
        """The URL to send the browser to; remembers what the callback must match."""
        metadata = await self.metadata()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)  # 64 characters of the unreserved set
        session["oidc"] = {
            "state": state,
            "nonce": nonce,
            "verifier": verifier,
            "redirect_uri": redirect_uri,
            "next": next_url,
        }
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.settings.oidc_client_id,
                "redirect_uri": redirect_uri,
                "scope": self.settings.oidc_scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": _challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        return f"{metadata['authorization_endpoint']}?{query}"

    async def finish(self, session: dict[str, Any], params: dict[str, str]) -> tuple[SignedIn, str]:
        """(the user, where they were going) from the provider's callback."""
        pending = session.pop("oidc", None)
        if not isinstance(pending, dict):
            raise OidcError("this sign-in was not started here, or it was already used")
        if error := params.get("error"):
            raise OidcError(
                f"the identity provider refused: {params.get('error_description') or error}"
            )
        if not secrets.compare_digest(params.get("state", ""), pending["state"]):
            raise OidcError("the sign-in answer does not match the request (state)")
        code = params.get("code")
        if not code:
            raise OidcError("the identity provider sent no authorization code")
        metadata = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": pending["redirect_uri"],
            "client_id": self.settings.oidc_client_id,
            "code_verifier": pending["verifier"],
        }
        auth: httpx.Auth | None = None
        if self.settings.oidc_client_secret:
            auth = httpx.BasicAuth(
                self.settings.oidc_client_id or "", self.settings.oidc_client_secret
            )
        try:
            response = await self.http.post(
                metadata["token_endpoint"],
                data=form,
                auth=auth or httpx.USE_CLIENT_DEFAULT,
                timeout=10.0,
            )
            tokens = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcError(f"the code could not be exchanged ({exc})") from exc
        if response.status_code != 200 or not isinstance(tokens, dict):
            reason = (
                tokens.get("error_description") or tokens.get("error")
                if isinstance(tokens, dict)
                else None
            )
            raise OidcError(f"the code could not be exchanged: {reason or response.status_code}")
        claims = await self._verify_id_token(
            str(tokens.get("id_token", "")), metadata, pending["nonce"]
        )
        bearer = tokens.get(self.settings.oidc_bearer) or tokens.get("id_token")
        try:
            principal = await self.token_verifier(metadata["jwks_uri"]).verify(str(bearer))
        except Unauthorized as exc:
            raise OidcError(f"your account cannot use Contrato: {exc.detail}") from exc
        unverified = jwt.decode(str(bearer), options={"verify_signature": False})
        user = SignedIn(
            bearer=str(bearer),
            name=str(claims.get("name") or claims.get("email") or claims["sub"]),
            role=principal.role.value,
            client_id=str(principal.client_id) if principal.client_id else None,
            expires_at=float(unverified.get("exp", time.time() + 300)),
        )
        return user, str(pending.get("next") or "/")

    async def _verify_id_token(
        self, id_token: str, metadata: dict[str, Any], nonce: str
    ) -> dict[str, Any]:
        try:
            response = await self.http.get(metadata["jwks_uri"], timeout=5.0)
            response.raise_for_status()
            keys = {k.key_id: k.key for k in jwt.PyJWKSet.from_dict(response.json()).keys}
            header = jwt.get_unverified_header(id_token)
            key = keys.get(header.get("kid")) or next(iter(keys.values()))
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=ALGORITHMS,
                audience=self.settings.oidc_client_id,
                issuer=metadata["issuer"],
                leeway=self.settings.jwt_leeway_seconds,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except (httpx.HTTPError, ValueError, jwt.PyJWKSetError, StopIteration) as exc:
            raise OidcError(f"the identity provider's keys could not be read ({exc})") from exc
        except jwt.InvalidTokenError as exc:
            raise OidcError(f"the identity provider's ID token is not valid ({exc})") from exc
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise OidcError("the ID token was not issued for this sign-in (nonce)")
        return claims
