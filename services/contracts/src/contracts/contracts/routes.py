"""The contracts API: the routes of each sub-domain, in the order they are matched and listed.

Each sub-domain declares its routes on its own router; this list puts them in one order, so
that the fixed paths (``/reminders``, ``/queue-lookup`` ...) are matched before
``/{contract_id}`` and the OpenAPI document lists the operations as a reader meets them.
"""

from fastapi import APIRouter
from fastapi.routing import APIRoute

from contracts.contracts.deps import PREFIX
from contracts.contracts.documents.router import router as documents
from contracts.contracts.published.router import router as published
from contracts.contracts.router import router as contract
from contracts.contracts.signing.router import router as signing

ORDER = [
    "",
    "/reminders",
    "/events",
    "/queue-lookup",
    "/queue-claims",
    "/status-refresh",
    "/{contract_id}",
    "/{contract_id}/actions/{action}",
    "/{contract_id}/amendments",
    "/{contract_id}/versions/{version}",
    "/{contract_id}/versions/{version}/signatures",
    "/{contract_id}/signatures",
    "/{contract_id}/termination",
    "/{contract_id}/events",
    "/{contract_id}/document",
    "/{contract_id}/service-terms",
    "/{contract_id}/billing-terms",
]


def _place(route: object) -> int:
    assert isinstance(route, APIRoute)
    return ORDER.index(route.path.removeprefix(PREFIX))  # a path missing here fails at import


router = APIRouter()
# Stable: the methods of one path keep the order their module declares them in.
router.routes.extend(
    sorted(
        (r for part in (contract, signing, documents, published) for r in part.routes), key=_place
    )
)
