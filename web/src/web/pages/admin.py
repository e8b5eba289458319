"""Admin: API clients (partner systems' OAuth2 client credentials) — create, rotate the
secret, revoke. A secret is shown once, on the page that answers the create or the rotate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from web.api import ApiError, Gateway
from web.auth import Api, CsrfChecked, require_roles
from web.pages.common import check_id
from web.templating import render

router = APIRouter(dependencies=[require_roles("admin")])

ROLES = ["partner", "client", "operator", "finance", "admin"]


async def _page(request: Request, api: Gateway, status_code: int = 200, **context: Any) -> Response:
    clients, organizations = (
        await api.get("/v1/api-clients", limit=200),
        await api.all("/v1/organizations", kind="client", pages=2),
    )
    response = render(
        request,
        "api_clients.html",
        status_code,
        clients=clients["items"],
        organizations=organizations,
        names={o["id"]: o["display_name"] for o in organizations},
        roles=ROLES,
        **context,
    )
    response.headers["cache-control"] = "no-store"  # a secret may be on it
    return response


@router.get("/admin/api-clients")
async def api_clients(request: Request, api: Api) -> Response:
    return await _page(request, api)


@router.post("/admin/api-clients", dependencies=[CsrfChecked])
async def create_api_client(
    request: Request,
    api: Api,
    name: Annotated[str, Form()],
    role: Annotated[str, Form()],
    tenant_client_id: Annotated[str, Form()] = "",
) -> Response:
    body: dict[str, Any] = {"name": name.strip(), "role": role}
    if tenant_client_id:
        body["tenant_client_id"] = check_id(tenant_client_id)
    try:
        created = await api.post("/v1/api-clients", body)
    except ApiError as exc:
        if exc.status != 422:
            raise
        return await _page(request, api, 422, error=exc, form=body)
    return await _page(request, api, 201, secret=created)


@router.post("/admin/api-clients/{api_client_id}/rotate", dependencies=[CsrfChecked])
async def rotate_api_client(request: Request, api: Api, api_client_id: str) -> Response:
    rotated = await api.post(
        f"/v1/api-clients/{check_id(api_client_id)}/rotate-secret", {"grace_seconds": 0}
    )
    return await _page(request, api, secret=rotated, rotated=True)


@router.post("/admin/api-clients/{api_client_id}/revoke", dependencies=[CsrfChecked])
async def revoke_api_client(request: Request, api: Api, api_client_id: str) -> Response:
    revoked = await api.post(f"/v1/api-clients/{check_id(api_client_id)}/revoke", {})
    request.session["flash"] = f"API client {revoked.get('name')} revoked."
    return RedirectResponse("/admin/api-clients", status_code=303)
