"""Who is calling: JWT verification, roles and the tenant the caller is scoped to.

The gateway checks the token first; every service checks it again (defence in depth) and
scopes its queries with the ``Principal`` it gets from here.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Forbidden, Unauthorized

ALGORITHMS = ["RS256", "ES256", "EdDSA"]


class Role(StrEnum):
    admin = "admin"  # everything
    operator = "operator"  # all clients of its operator
    finance = "finance"  # billing of all clients of its operator
    client = "client"  # read-only, one client
    partner = "partner"  # ingestion and reading for its client (or operator)
    service = "service"  # service-to-service


# Roles that see every client of the operator; the others are scoped to one client.
OPERATOR_WIDE = frozenset({Role.admin, Role.operator, Role.finance, Role.service})


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    client_id: uuid.UUID | None = None
    token: str | None = None
    api_client_id: uuid.UUID | None = None  # set on tokens from the client-credentials grant

    @property
    def operator_wide(self) -> bool:
        return self.role in OPERATOR_WIDE or self.client_id is None

    def can_see_client(self, client_id: uuid.UUID | None) -> bool:
        return self.operator_wide or (client_id is not None and client_id == self.client_id)

    @property
    def tenant_client_id(self) -> uuid.UUID | None:
        """The client every query must be limited to, or None for operator-wide callers."""
        return None if self.operator_wide else self.client_id


@dataclass
class TrustedIssuer:
    """An issuer whose tokens we accept: our own (static PEM keys) or an identity provider's
    (keys from its JWKS URL, claims mapped by name)."""

    issuer: str
    audience: str
    public_keys: list[str] = field(default_factory=list)
    jwks_url: str | None = None
    role_claim: str = "role"
    client_claim: str = "client_id"
    # An identity provider speaks its own names: groups for roles ("contrato-finance" ->
    # "finance"; the claim may be a list, as Okta's and Entra's groups are) and its own ids
    # for organizations ("0oa1b2c3..." -> the client's UUID here).
    role_map: dict[str, str] = field(default_factory=dict)
    client_map: dict[str, uuid.UUID] = field(default_factory=dict)


class TokenVerifier:
    """Verifies JWTs from the trusted issuers. JWKS keys are fetched on first use and again
    when a token names a key id we do not know (at most once a minute), so an identity
    provider's key rotation needs no restart."""

    JWKS_REFRESH_SECONDS = 60.0

    def __init__(
        self,
        issuers: Iterable[TrustedIssuer],
        *,
        leeway: int = 30,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.issuers = {i.issuer: i for i in issuers}
        self.leeway = leeway
        self.http = http
        self._static = {
            i.issuer: [serialization.load_pem_public_key(k.encode()) for k in i.public_keys]
            for i in self.issuers.values()
        }
        self._jwks: dict[str, dict[str, Any]] = {}
        self._jwks_fetched: dict[str, float] = {}
        # Verified tokens, until they expire: a client sends the same token many times, and a
        # signature check costs more than everything else the gateway does per request.
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self.cache_size = 10_000

    async def _jwks_key(self, issuer: TrustedIssuer, kid: str | None) -> Any:
        keys = self._jwks.get(issuer.issuer, {})
        stale = time.monotonic() - self._jwks_fetched.get(issuer.issuer, -1e9)
        if (kid not in keys) and stale > self.JWKS_REFRESH_SECONDS and issuer.jwks_url:
            self._jwks_fetched[issuer.issuer] = time.monotonic()
            http = self.http or httpx.AsyncClient(timeout=5.0)
            try:
                response = await http.get(issuer.jwks_url, timeout=5.0)
                response.raise_for_status()
                jwk_set = jwt.PyJWKSet.from_dict(response.json())
                keys = {k.key_id: k.key for k in jwk_set.keys if k.key_id}
                self._jwks[issuer.issuer] = keys
            except (httpx.HTTPError, jwt.PyJWKSetError, ValueError) as exc:
                raise Unauthorized(f"cannot fetch the identity provider's keys: {exc}") from exc
            finally:
                if self.http is None:
                    await http.aclose()
        if kid not in keys:
            raise Unauthorized("token signed with an unknown key")
        return keys[kid]

    async def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            principal, expires_at = cached
            if time.time() < expires_at + self.leeway:
                return principal
            del self._verified[token]
        principal, expires_at = await self._verify(token)
        self._verified[token] = (principal, expires_at)
        if len(self._verified) > self.cache_size:
            self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("malformed token") from exc
        issuer = self.issuers.get(str(unverified.get("iss", "")))
        if issuer is None:
            raise Unauthorized("token from an untrusted issuer")
        keys = list(self._static[issuer.issuer])
        if issuer.jwks_url:
            keys.append(await self._jwks_key(issuer, header.get("kid")))
        last_error: Exception | None = None
        for key in keys:
            try:
                claims = jwt.decode(
                    token,
                    key=key,  # type: ignore[arg-type]  # only signature key types are loaded
                    algorithms=ALGORITHMS,
                    audience=issuer.audience,
                    issuer=issuer.issuer,
                    leeway=self.leeway,
                    options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                )
            except jwt.ExpiredSignatureError as exc:
                raise Unauthorized("token expired") from exc
            except jwt.InvalidTokenError as exc:
                last_error = exc
                continue
            return principal_from_claims(claims, token, issuer), float(claims["exp"])
        raise Unauthorized(f"invalid token: {last_error}")


def _role_of(claims: dict[str, Any], issuer: TrustedIssuer) -> Role:
    value = claims.get(issuer.role_claim)
    names = value if isinstance(value, list) else [value]
    for name in names:
        if not isinstance(name, str):
            continue
        mapped = issuer.role_map.get(name, name)
        if mapped in Role.__members__:
            return Role(mapped)
    raise Unauthorized(f"token has no role Contrato knows in its {issuer.role_claim!r} claim")


def _client_of(claims: dict[str, Any], issuer: TrustedIssuer) -> uuid.UUID | None:
    value = claims.get(issuer.client_claim)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Unauthorized(f"token's {issuer.client_claim!r} client claim must be one string")
    if value in issuer.client_map:
        return issuer.client_map[value]
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Unauthorized(
            f"token names client {value[:64]!r}, which is not a client id here and not mapped "
            "to one (CONTRATO_IDP_CLIENT_MAP)"
        ) from None


def _api_client_of(claims: dict[str, Any]) -> uuid.UUID | None:
    """The gateway's API client that the token was issued to (client-credentials tokens)."""
    value = claims.get("cid")
    if value is None:
        return None
    refusal = Unauthorized("token's API client claim (cid) is not one of ours")
    if not isinstance(value, str):
        raise refusal
    try:
        return uuid.UUID(value)
    except ValueError:
        raise refusal from None


def principal_from_claims(
    claims: dict[str, Any], token: str | None = None, issuer: TrustedIssuer | None = None
) -> Principal:
    """Who the verified claims name; a 401 with the reason for anything we cannot map."""
    issuer = issuer or TrustedIssuer(issuer="", audience="")
    role = _role_of(claims, issuer)
    client_id = _client_of(claims, issuer)
    if role is Role.client and client_id is None:
        raise Unauthorized("a client token must name its client")
    return Principal(
        subject=str(claims["sub"]),
        role=role,
        client_id=client_id,
        token=token,
        api_client_id=_api_client_of(claims),
    )


_bearer = HTTPBearer(auto_error=False, description="JWT from `/oauth/token` or `contrato token`")


async def current_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing bearer token")
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.verify(credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting only the given roles (admin is always admitted)."""
    allowed = frozenset(roles) | {Role.admin}

    async def dependency(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(
                f"role {principal.role.value} may not do this",
                allowed_roles=sorted(r.value for r in allowed),
            )
        return principal

    dependency.allowed_roles = allowed  # type: ignore[attr-defined]
    return dependency


# --- keys and tokens (development, the command line, the gateway's token endpoint) ---


def generate_key_pair(directory: Path) -> tuple[Path, Path]:
    """Create an RSA key pair in ``directory`` unless one is there; return (private, public)."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / "jwt-private.pem", directory / "jwt-public.pem"
    if not private_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        private_path.chmod(0o600)
        public_path.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return private_path, public_path


def mint_token(
    private_key_pem: str,
    *,
    subject: str,
    role: Role | str,
    issuer: str,
    audience: str,
    client_id: uuid.UUID | str | None = None,
    ttl_seconds: int = 3600,
    extra: dict[str, Any] | None = None,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "role": Role(role).value,
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    if client_id:
        claims["client_id"] = str(client_id)
    claims.update(extra or {})
    return jwt.encode(claims, private_key_pem, algorithm="RS256")


class ServiceTokens:
    """Bearer tokens for calls this service makes on its own behalf (scheduled jobs, runs).

    Calls made while serving a request forward the caller's own token instead, so the
    callee scopes its answer to the same tenant. With a signing key configured (development,
    or a deployment that gives each service one) tokens are minted and renewed before they
    expire; otherwise a provisioned ``CONTRATO_SERVICE_TOKEN`` is used as it is.
    """

    def __init__(
        self,
        *,
        service: str,
        issuer: str,
        audience: str,
        private_key_pem: str | None = None,
        static_token: str | None = None,
        ttl_seconds: int = 900,
    ) -> None:
        self.service = service
        self.issuer = issuer
        self.audience = audience
        self.private_key_pem = private_key_pem
        self.static_token = static_token
        self.ttl = ttl_seconds
        self._token: str | None = None
        self._expires_at = 0.0

    def __call__(self) -> str:
        if self.private_key_pem is None:
            if not self.static_token:
                raise Unauthorized(
                    f"{self.service} has no service credentials "
                    "(set CONTRATO_JWT_PRIVATE_KEY_FILE or CONTRATO_SERVICE_TOKEN)"
                )
            return self.static_token
        if self._token is None or time.time() > self._expires_at - 60:
            self._token = mint_token(
                self.private_key_pem,
                subject=f"service:{self.service}",
                role=Role.service,
                issuer=self.issuer,
                audience=self.audience,
                ttl_seconds=self.ttl,
            )
            self._expires_at = time.time() + self.ttl
        return self._token
