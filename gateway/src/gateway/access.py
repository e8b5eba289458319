"""The gateway's coarse access check, before anything reaches a service. Each service checks
the exact permission of each route again; this only stops what a role can never do."""

from __future__ import annotations

from shared.auth import Principal, Role
from shared.errors import Forbidden

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What a partner system may write: the contact platforms it registers and what they push.
PARTNER_WRITES = frozenset(
    {"sources", "contact-records", "agent-activity", "imports", "webhook-endpoints"}
)
# A client company may only subscribe its own systems to its own billing events.
CLIENT_WRITES = frozenset({"webhook-endpoints"})
FINANCE_WRITES = frozenset(
    {
        "tax-rates",
        "price-plans",
        "invoices",
        "credit-notes",
        "invoice-runs",
        "payments",
        "quotes",
        "sla-reports",
        "webhook-endpoints",
    }
)
ADMIN_ONLY = frozenset({"api-clients"})


def check_coarse_access(principal: Principal, method: str, segment: str) -> None:
    role = principal.role
    if role is Role.admin:
        return
    if segment in ADMIN_ONLY:
        raise Forbidden("only an admin may manage API clients")
    if method in READ_METHODS or role in (Role.operator, Role.service):
        return
    if role is Role.partner and segment in PARTNER_WRITES:
        return
    if role is Role.finance and segment in FINANCE_WRITES:
        return
    if role is Role.client and segment in CLIENT_WRITES:
        return
    raise Forbidden(f"role {role.value} may not {method} /v1/{segment}")
