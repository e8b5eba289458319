"""Every check the gateway makes of a caller, in one place, for its own routes and for the
proxied ones alike: the path, the token, revocation, the rate limit and the route's roles.

The roles come from the services' own declarations (``route_roles.py``, generated), so the
gateway refuses exactly what the service would, before anything is forwarded.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Response

from gateway.resilience import RateLimiter
from gateway.revocations import Revocations
from gateway.route_roles import ROUTE_ROLES
from shared.access import RouteTable
from shared.auth import Principal, TokenVerifier
from shared.errors import (
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    TooManyRequests,
    Unauthorized,
)

DOT_SEGMENTS = frozenset({".", ".."})


def check_path(path: str) -> None:
    """Refuse dot segments (also percent-encoded ones, which arrive here decoded): a proxy
    or an upstream that resolves them would serve another route than the one checked."""
    if any(segment in DOT_SEGMENTS for segment in path.split("/")):
        raise BadRequest(f"the path {path!r} has '.' or '..' segments; send the path they name")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


@dataclass(frozen=True)
class RateLimitPolicy:
    limiter: RateLimiter
    window: int

    def headers(self, key: str) -> dict[str, str]:
        """Count one request against ``key``: the RateLimit headers, or a 429."""
        decision = self.limiter.hit(key)
        headers = {
            "RateLimit-Limit": str(decision.limit),
            "RateLimit-Remaining": str(decision.remaining),
            "RateLimit-Reset": str(decision.reset_seconds),
            "RateLimit-Policy": f"{decision.limit};w={self.window}",
            "RateLimit": (
                f"limit={decision.limit}, remaining={decision.remaining}, "
                f"reset={decision.reset_seconds}"
            ),
        }
        if not decision.allowed:
            headers["Retry-After"] = str(decision.retry_after)
            raise TooManyRequests(
                f"rate limit of {decision.limit} requests reached; slow down", headers=headers
            )
        return headers


class Guard:
    def __init__(
        self,
        verifier: TokenVerifier,
        revocations: Revocations,
        requests: RateLimitPolicy,
        token_requests_per_client: RateLimiter,
        token_requests_per_address: RateLimiter,
    ) -> None:
        self.verifier = verifier
        self.revocations = revocations
        self.requests = requests
        self.token_requests_per_client = token_requests_per_client
        self.token_requests_per_address = token_requests_per_address
        self.routes = RouteTable(ROUTE_ROLES)

    async def principal(self, request: Request) -> tuple[Principal, dict[str, str]]:
        """The verified, unrevoked caller and its rate-limit headers. A failed attempt counts
        against the caller's address, so a flood of forged tokens is slowed down too."""
        try:
            principal = await self._authenticate(request)
        except Unauthorized:
            self.requests.headers(f"ip:{client_address(request)}")
            raise
        return principal, self.requests.headers(f"sub:{principal.subject}")

    async def _authenticate(self, request: Request) -> Principal:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("missing bearer token")
        principal = await self.verifier.verify(token)
        if principal.api_client_id and await self.revocations.is_revoked(principal.api_client_id):
            raise Unauthorized("this API client has been revoked")
        return principal

    def check_route(self, principal: Principal, method: str, path: str) -> None:
        """The service's own declaration of who may call ``method path``."""
        operations = self.routes.match(path)
        if not operations:
            raise NotFound(f"no API at {path}")
        wanted = "GET" if method == "HEAD" else method
        operation = next((o for o in operations if o.method == wanted), None)
        if operation is None:
            raise MethodNotAllowed(
                f"{method} is not allowed here",
                headers={"Allow": ", ".join(sorted(o.method for o in operations))},
            )
        if not operation.admits(principal.role):
            raise Forbidden(
                f"role {principal.role.value} may not {method} {operation.path}",
                allowed_roles=sorted({"admin", *operation.roles} - {"*"}),
            )

    def admit_token_request(self, request: Request, client_id: str) -> None:
        """Brute force on client secrets is throttled per client id and per address, before
        any secret is hashed: a throttled attempt costs the gateway next to nothing."""
        for limiter, key in (
            (self.token_requests_per_address, f"ip:{client_address(request)}"),
            (self.token_requests_per_client, f"client:{client_id}"),
        ):
            decision = limiter.hit(key)
            if not decision.allowed:
                raise TooManyRequests(
                    "too many token requests; wait before trying again",
                    headers={"Retry-After": str(decision.retry_after)},
                )


async def guarded_principal(request: Request, response: Response) -> Principal:
    """The gateway's own routes get their caller here (it replaces ``current_principal``), so
    they are checked exactly as proxied routes are."""
    guard: Guard = request.app.state.guard
    principal, headers = await guard.principal(request)
    response.headers.update(headers)
    return principal
