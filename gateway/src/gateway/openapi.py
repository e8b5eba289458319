"""One OpenAPI document for the whole platform, merged from the services' own documents."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import structlog

log = structlog.get_logger("gateway.openapi")


REF_PREFIX = "#/components/"
# Component sections a service document may define; each name is namespaced by its service.
# Security schemes are not among them: the merged document declares the gateway's own.
NAMESPACED = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "links",
    "callbacks",
    "pathItems",
)


def namespaced(service: str, name: str) -> str:
    """The merged document's name of a service's component: ``contracts.EventRead``."""
    return f"{service}.{name}"


def _namespace_refs(node: Any, service: str) -> Any:
    """A copy of ``node`` whose local component references point at ``service``'s own
    components (``#/components/schemas/X`` becomes ``#/components/schemas/service.X``)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(REF_PREFIX):
                section, _, name = value[len(REF_PREFIX) :].partition("/")
                out[key] = f"{REF_PREFIX}{section}/{namespaced(service, name)}"
            else:
                out[key] = _namespace_refs(value, service)
        return out
    if isinstance(node, list):
        return [_namespace_refs(v, service) for v in node]
    return node


HEALTH_PATHS: dict[str, Any] = {
    "/healthz": {
        "get": {
            "summary": "Gateway liveness",
            "tags": ["health"],
            "security": [],
            "responses": {"200": {"description": "Alive"}},
        }
    },
    "/readyz": {
        "get": {
            "summary": "Every part of the platform ready",
            "tags": ["health"],
            "security": [],
            "responses": {
                "200": {"description": "Ready"},
                "503": {"description": "Something is not ready; the body says what"},
            },
        }
    },
}


def merge(documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Merge service documents. Every component is namespaced by its service
    (``billing.EventRead``, ``contracts.EventRead``) and every reference inside that service's
    paths and components rewritten to match, so no service's schema can replace another's,
    even when two happen to share a name (or an identical wrapper such as ``Page_EventRead_``
    whose inner schema differs)."""
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Contrato API",
            "version": "0.1.0",
            "description": (
                "Contracts, call metrics and SLA-aware invoicing for call-center outsourcing. "
                "Every `/v1` call needs a bearer token: `contrato token --role admin` in "
                "development, or the OAuth2 client-credentials grant at `/oauth/token`."
            ),
        },
        "paths": dict(HEALTH_PATHS),
        "components": {
            "schemas": {},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "clientCredentials": {
                    "type": "oauth2",
                    "description": "API clients: trade a client id and secret for a JWT",
                    "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {}}},
                },
            },
        },
        "security": [{"bearer": []}, {"clientCredentials": []}],
        "tags": [],
    }
    components: dict[str, dict[str, Any]] = merged["components"]
    methods = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
    for service, document in documents.items():
        for section in NAMESPACED:
            for name, component in document.get("components", {}).get(section, {}).items():
                components.setdefault(section, {})[namespaced(service, name)] = _namespace_refs(
                    component, service
                )
        for path, item in document.get("paths", {}).items():
            if not path.startswith(("/v1/", "/oauth/")):
                continue  # each service's health endpoints stay internal
            item = _namespace_refs(item, service)
            for method in methods:
                operation = item.get(method)
                if isinstance(operation, dict) and operation.get("security"):
                    # A service names its own scheme (FastAPI's ``HTTPBearer``); through the
                    # gateway the same token comes from either of the merged document's schemes.
                    operation["security"] = [dict(r) for r in merged["security"]]
            merged["paths"][path] = item
        merged["tags"] += [
            {**tag, "description": f"{tag.get('description', '')} ({service} service)".strip()}
            for tag in document.get("tags", [])
        ]
    return merged


class OpenAPICache:
    """Fetches and merges the services' documents; reuses a complete merge for a while, and
    never caches a partial one (a service that was down is asked again next time)."""

    def __init__(self, client: httpx.AsyncClient, upstreams: dict[str, str], ttl: float) -> None:
        self.client = client
        self.upstreams = upstreams
        self.ttl = ttl
        self._document: dict[str, Any] | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _fetch(self, service: str, base_url: str) -> dict[str, Any] | None:
        try:
            response = await self.client.get(f"{base_url}/openapi.json", timeout=5.0)
            response.raise_for_status()
            return dict(json.loads(response.content))
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("openapi.unavailable", upstream=service, error=type(exc).__name__)
            return None

    async def document(self, own: dict[str, Any]) -> dict[str, Any]:
        """The merged document; ``own`` is the gateway's own (token endpoint, API clients)."""
        async with self._lock:
            if self._document and time.monotonic() - self._fetched_at < self.ttl:
                return self._document
            fetched = await asyncio.gather(
                *(self._fetch(name, url) for name, url in self.upstreams.items())
            )
            documents = {
                name: doc for name, doc in zip(self.upstreams, fetched, strict=True) if doc
            }
            merged = merge({"gateway": own, **documents})
            missing = sorted(set(self.upstreams) - set(documents))
            if missing:
                merged["info"]["description"] += f"\n\n**Unavailable right now:** {missing}"
            else:
                self._document, self._fetched_at = merged, time.monotonic()
            return merged
