"""The gateway in front of the real service apps (in-process), and in front of a dead one."""

from typing import Any

from fastapi import FastAPI

from gateway.openapi import merge
from shared.openapi import document_problems
from tests.conftest import TokenFactory, api_client, running_app

DEAD = "http://127.0.0.1:9"  # discard port: nothing listens there


class TestAuthentication:
    async def test_no_token_is_401_problem(self, gateway: FastAPI) -> None:
        async with api_client(gateway) as anonymous:
            response = await anonymous.get("/v1/organizations")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")

    async def test_bad_token_is_401(self, gateway: FastAPI) -> None:
        async with api_client(gateway, "not.a.jwt") as client:
            assert (await client.get("/v1/organizations")).status_code == 401

    async def test_health_needs_no_token(self, gateway: FastAPI) -> None:
        async with api_client(gateway) as anonymous:
            assert (await anonymous.get("/healthz")).status_code == 200


class TestRouting:
    async def test_each_prefix_reaches_its_service(
        self, gateway: FastAPI, token: TokenFactory
    ) -> None:
        async with api_client(gateway, token("admin")) as client:
            for path in ("/v1/organizations", "/v1/sources", "/v1/tax-rates"):
                response = await client.get(path)
                assert response.status_code == 200, (path, response.text)
                assert "items" in response.json()

    async def test_body_and_status_pass_through(
        self, gateway: FastAPI, token: TokenFactory
    ) -> None:
        body = {
            "kind": "operator",
            "legal_name": "Op Ltd",
            "display_name": "Op",
            "country": "PT",
            "time_zone": "Europe/Lisbon",
        }
        async with api_client(gateway, token("operator")) as client:
            created = await client.post("/v1/organizations", json=body)
            assert created.status_code == 201, created.text
            assert created.headers["location"].startswith("/v1/organizations/")
            invalid = await client.post("/v1/organizations", json={**body, "country": "Portugal"})
            assert invalid.status_code == 422
            assert invalid.headers["content-type"] == "application/problem+json"

    async def test_query_string_is_forwarded(self, gateway: FastAPI, token: TokenFactory) -> None:
        async with api_client(gateway, token("admin")) as client:
            response = await client.get("/v1/organizations", params={"limit": 0})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "limit"

    async def test_unknown_prefix_is_404_problem(
        self, gateway: FastAPI, token: TokenFactory
    ) -> None:
        async with api_client(gateway, token("admin")) as client:
            response = await client.get("/v1/nowhere")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"

    async def test_request_id_travels_to_the_service_and_back(
        self, gateway: FastAPI, token: TokenFactory
    ) -> None:
        async with api_client(gateway, token("admin")) as client:
            response = await client.get("/v1/organizations", headers={"x-request-id": "trace-me-1"})
        assert response.headers["x-request-id"] == "trace-me-1"


class TestUpstreamFailure:
    async def test_stopped_service_is_503_naming_it(
        self, make_gateway, token: TokenFactory
    ) -> None:
        async with running_app(make_gateway(billing_url=DEAD)) as gateway:
            async with api_client(gateway, token("admin")) as client:
                response = await client.get("/v1/tax-rates")
                assert response.status_code == 503
                assert response.headers["content-type"] == "application/problem+json"
                assert response.json()["upstream"] == "billing"
                ready = await client.get("/readyz")
                assert ready.status_code == 503
                assert ready.json()["upstreams"]["billing"].startswith("unreachable")
                assert ready.json()["upstreams"]["contracts"] == "ready"


class TestOpenAPI:
    async def test_merged_document_lists_every_service(self, gateway: FastAPI) -> None:
        async with api_client(gateway) as client:
            document = (await client.get("/openapi.json")).json()
            docs = await client.get("/docs")
        paths = set(document["paths"])
        assert {"/v1/organizations", "/v1/sources", "/v1/tax-rates"} <= paths
        assert "bearer" in document["components"]["securitySchemes"]
        # every $ref points at a schema that exists in the merged document
        import json
        import re

        refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document)))
        assert refs <= set(document["components"]["schemas"])
        assert docs.status_code == 200
        assert "swagger" in docs.text.lower()

    async def test_every_operation_answers_with_its_own_services_schemas(
        self, gateway: FastAPI, services: dict[str, FastAPI]
    ) -> None:
        """Each operation's responses (and request body) in the merged document, with every
        reference followed, are exactly what its own service documents: a schema another
        service defines under the same name cannot take its place."""
        async with api_client(gateway) as client:
            merged = (await client.get("/openapi.json")).json()
        own = {name: app.openapi() for name, app in services.items()}
        own["gateway"] = document_problems(gateway.openapi())
        compared, wrong = 0, []
        for service, document in own.items():
            for path, item in document["paths"].items():
                if not path.startswith(("/v1/", "/oauth/")):
                    continue
                for method, operation in item.items():
                    theirs = merged["paths"][path][method]
                    for code, response in operation.get("responses", {}).items():
                        for media, content in response.get("content", {}).items():
                            expected = resolved(content.get("schema", {}), document)
                            got = resolved(
                                theirs["responses"][code]["content"][media].get("schema", {}),
                                merged,
                            )
                            compared += 1
                            if got != expected:
                                wrong.append(f"{service}: {method.upper()} {path} {code} {media}")
                    body = operation.get("requestBody", {}).get("content", {})
                    for media, content in body.items():
                        merged_body = theirs["requestBody"]["content"][media]
                        if resolved(merged_body.get("schema", {}), merged) != resolved(
                            content.get("schema", {}), document
                        ):
                            wrong.append(f"{service}: {method.upper()} {path} request {media}")
        assert compared > 100
        assert wrong == []

    async def test_same_named_schemas_of_two_services_both_survive(self) -> None:
        def document(event: dict[str, Any]) -> dict[str, Any]:
            ref = {"$ref": "#/components/schemas/EventRead"}
            page = {"type": "object", "properties": {"items": {"type": "array", "items": ref}}}
            return {
                "paths": {
                    f"/v1/{event['title']}": {
                        "get": {
                            "responses": {
                                "200": {
                                    "content": {
                                        "application/json": {
                                            "schema": {"$ref": "#/components/schemas/Page"}
                                        }
                                    }
                                }
                            }
                        }
                    }
                },
                "components": {"schemas": {"EventRead": event, "Page": page}},
            }

        contracts = document({"title": "contracts", "type": "object"})
        billing = document({"title": "billing", "type": "string"})
        merged = merge({"contracts": contracts, "billing": billing})
        for service, original in (("contracts", contracts), ("billing", billing)):
            schema = merged["paths"][f"/v1/{service}"]["get"]["responses"]["200"]["content"]
            assert resolved(schema["application/json"]["schema"], merged) == resolved(
                original["paths"][f"/v1/{service}"]["get"]["responses"]["200"]["content"][
                    "application/json"
                ]["schema"],
                original,
            )


def resolved(node: Any, document: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """``node`` with every local reference replaced by what it points at (a reference back
    into a schema being expanded becomes a marker naming it without its namespace)."""
    if isinstance(node, list):
        return [resolved(v, document, seen) for v in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/"):
        section, _, name = ref.removeprefix("#/components/").partition("/")
        if ref in seen:
            return {"$recursive": name.rsplit(".", 1)[-1]}
        target = document["components"][section][name]
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return {**resolved(target, document, (*seen, ref)), **resolved(rest, document, seen)}
    return {key: resolved(value, document, seen) for key, value in node.items()}


class TestUpstreamTimeout:
    async def test_silent_upstream_is_504_naming_it(
        self, make_gateway, token: TokenFactory
    ) -> None:
        import asyncio

        async def accept_and_say_nothing(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter
        ) -> None:
            await asyncio.sleep(5)
            writer.close()

        server = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            app = make_gateway(metrics_url=f"http://127.0.0.1:{port}", read_timeout_seconds=0.3)
            async with running_app(app) as gateway, api_client(gateway, token("admin")) as client:
                response = await client.get("/v1/sources")
        finally:
            server.close()
        assert response.status_code == 504
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["upstream"] == "metrics"


class TestDocumentation:
    async def test_every_operation_has_summary_errors_and_examples(self, gateway: FastAPI) -> None:
        async with api_client(gateway) as client:
            document = (await client.get("/openapi.json")).json()
        schemas = document["components"]["schemas"]
        missing: list[str] = []
        for path, item in document["paths"].items():
            for method, operation in item.items():
                name = f"{method.upper()} {path}"
                if not operation.get("summary"):
                    missing.append(f"{name}: no summary")
                codes = set(operation.get("responses", {}))
                if not any(code.startswith("4") for code in codes) and path.startswith("/v1"):
                    missing.append(f"{name}: no error responses")
                body = operation.get("requestBody", {}).get("content", {})
                for media in [body.get("application/json", {})]:
                    ref = media.get("schema", {}).get("$ref", "")
                    schema = (
                        schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else media.get("schema", {})
                    )
                    if ref and "examples" not in schema and "example" not in media:
                        missing.append(f"{name}: request body without an example")
        assert missing == []

    async def test_swagger_can_authorize_with_client_credentials(self, gateway: FastAPI) -> None:
        async with api_client(gateway) as client:
            document = (await client.get("/openapi.json")).json()
        flows = document["components"]["securitySchemes"]["clientCredentials"]["flows"]
        assert flows["clientCredentials"]["tokenUrl"] == "/oauth/token"
        assert "/oauth/token" in document["paths"]
