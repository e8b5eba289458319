"""OpenAPI post-processing every app shares: errors are documented as what they are —
RFC 9457 problem details — instead of FastAPI's default validation-error shape."""

from __future__ import annotations

from typing import Any

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Each invalid field, by its JSON path",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status"],
    "additionalProperties": True,
}

COMMON = {
    "401": "Missing, invalid, expired or revoked token",
    "403": "The caller's role may not do this",
    "422": "Invalid input; `errors` names each field",
    "429": "Rate limit reached; see Retry-After",
}
BY_ID = {"404": "No such resource, or not the caller's"}
FALLBACK = "Any other error, as problem details (e.g. 409 conflict, 413 too large, 503 unavailable)"


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": PROBLEM_REF}},
    }


def document_problems(schema: dict[str, Any], *, public: bool = True) -> dict[str, Any]:
    """Rewrite every operation's error responses as problem+json, in place."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete") or not isinstance(
                operation, dict
            ):
                continue
            responses = operation.setdefault("responses", {})
            for code, response in list(responses.items()):
                if code.startswith(("4", "5")):
                    responses[code] = _problem(response.get("description") or FALLBACK)
            if public and operation.get("security") != []:
                for code, text in COMMON.items():
                    responses.setdefault(code, _problem(text))
            if "{" in path:
                for code, text in BY_ID.items():
                    responses.setdefault(code, _problem(text))
            responses.setdefault("default", _problem(FALLBACK))
    return schema
