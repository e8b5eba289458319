"""What an attacker tried against the gateway: a revoked client's live token on every route,
path tricks around the role check and the body limit, brute force on the token endpoint,
tokens whose claims are not ours, and a stale pooled connection to an upstream."""

import asyncio
import contextlib
import json
import urllib.parse
import uuid

import pytest
from fastapi import FastAPI

from gateway.route_roles import ROUTE_ROLES
from shared.errors import Unauthorized
from tests.conftest import TokenFactory, api_client, running_app
from tests.gateway.idp import FakeIdentityProvider
from tests.gateway.test_security import get_token, new_api_client

ROLES = ["admin", "operator", "finance", "client", "partner", "service"]


def concrete(path: str) -> str:
    """A path template with every parameter filled by a value of the right shape."""
    parts = []
    for part in path.split("/"):
        if part.startswith("{"):
            name = part.strip("{}").split(":")[0]
            parts.append("2026-10" if name == "period" else str(uuid.uuid4()))
        else:
            parts.append(part)
    return "/".join(parts)


def every_route() -> list[tuple[str, str]]:
    gateway_own = [
        ("GET", "/v1/api-clients"),
        ("POST", "/v1/api-clients"),
        ("GET", f"/v1/api-clients/{uuid.uuid4()}"),
        ("POST", f"/v1/api-clients/{uuid.uuid4()}/rotate-secret"),
        ("POST", f"/v1/api-clients/{uuid.uuid4()}/revoke"),
    ]
    return gateway_own + [(route.method, concrete(route.path)) for route in ROUTE_ROLES]


class TestRevocationEverywhere:
    @pytest.mark.parametrize("role", ROLES)
    async def test_a_revoked_client_is_refused_on_every_route(
        self, gateway: FastAPI, token: TokenFactory, role: str
    ) -> None:
        tenant = {"tenant_client_id": str(uuid.uuid4())} if role == "client" else {}
        created = await new_api_client(gateway, token, role=role, **tenant)
        issued = await get_token(gateway, created["client_id"], created["client_secret"])
        live = issued.json()["access_token"]
        async with api_client(gateway, token("admin")) as admin:
            assert (await admin.post(f"/v1/api-clients/{created['id']}/revoke")).status_code == 200
        async with api_client(gateway, live) as revoked:
            for method, path in every_route():
                response = await revoked.request(method, path, json={})
                assert response.status_code == 401, (method, path, response.text)
                assert response.headers["content-type"] == "application/problem+json"

    async def test_a_revocation_reaches_every_gateway_process_at_once(
        self, make_gateway, token: TokenFactory
    ) -> None:
        """Two gateways on one database (two processes of one deployment): a revocation made
        through one stops the token at the other before its periodic refresh."""
        async with running_app(make_gateway()) as first, running_app(make_gateway()) as second:
            created = await new_api_client(first, token, role="operator")
            live = (await get_token(first, created["client_id"], created["client_secret"])).json()[
                "access_token"
            ]
            async with api_client(second, live) as caller:
                assert (await caller.get("/v1/api-clients")).status_code == 403
                async with api_client(first, token("admin")) as admin:
                    await admin.post(f"/v1/api-clients/{created['id']}/revoke")
                for _ in range(40):  # the notice travels through PostgreSQL: well under 2 s
                    if (await caller.get("/v1/organizations")).status_code == 401:
                        break
                    await asyncio.sleep(0.05)
                assert (await caller.get("/v1/organizations")).status_code == 401
                assert (await caller.get("/v1/api-clients")).status_code == 401
            async with api_client(first, token("admin")) as admin:
                # the test's clients are real rows (no rolled-back transaction here)
                assert (await admin.get(f"/v1/api-clients/{created['id']}")).status_code == 200


async def raw_request(
    app: FastAPI, method: str, raw_path: str, bearer: str, body: bytes = b"{}"
) -> tuple[int, dict]:
    """Call the app as a server would, with the path exactly as sent: HTTP clients resolve
    dot segments before sending, attackers' tools do not."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": urllib.parse.unquote(raw_path),
        "raw_path": raw_path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"test"),
            (b"authorization", f"Bearer {bearer}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("test", 80),
        "state": {},
    }
    sent: list[dict] = []
    bodies = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict:
        return bodies.pop(0) if bodies else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(content or b"{}")


class TestPathTricks:
    @pytest.mark.parametrize(
        "path",
        [
            "/v1/invoices/../quotes",
            "/v1/invoices/%2e%2e/quotes",
            "/v1/invoices/%2E%2E/quotes",
            "/v1/invoices/..%2fquotes",
            "/v1/./quotes",
            "/v1/contracts/../../v1/quotes",
        ],
    )
    async def test_dot_segments_are_refused_before_any_check(
        self, gateway: FastAPI, token: TokenFactory, path: str
    ) -> None:
        status, body = await raw_request(
            gateway, "POST", path, token("client", client_id=uuid.uuid4())
        )
        assert status == 400, body
        assert "path" in body["detail"]

    async def test_a_dot_segment_cannot_borrow_the_bulk_body_limit(
        self, make_gateway, token: TokenFactory
    ) -> None:
        async with running_app(make_gateway(max_body_bytes=1000)) as gateway:
            async with api_client(gateway, token("admin")) as admin:
                response = await admin.post("/v1/contact-records/../sources", content=b"x" * 5000)
        assert response.status_code in (400, 413)


class TestBruteForce:
    async def test_wrong_secrets_are_throttled_per_client_before_hashing(
        self, make_gateway, token: TokenFactory
    ) -> None:
        limits = {
            "token_requests_per_client_burst": 10,
            "token_requests_per_client_per_minute": 0.1,
        }
        async with running_app(make_gateway(**limits)) as gateway:
            created = await new_api_client(gateway, token, role="partner")
            statuses = [
                (await get_token(gateway, created["client_id"], f"wrong-{i}")).status_code
                for i in range(30)
            ]
            assert statuses[0] == 401 and statuses[-1] == 429
            refused = await get_token(gateway, created["client_id"], "wrong-again")
            assert int(refused.headers["retry-after"]) >= 1
            # the real secret waits too: the attacker cannot tell it from a wrong one
            assert (
                await get_token(gateway, created["client_id"], created["client_secret"])
            ).status_code == 429
            # another client of the same system is not held back by the attack on this one
            other = await new_api_client(gateway, token, role="partner")
            # (the per-address limit is larger than the per-client one)
            assert (
                await get_token(gateway, other["client_id"], other["client_secret"])
            ).status_code == 200

    async def test_guessing_many_client_ids_from_one_address_is_throttled(
        self, make_gateway
    ) -> None:
        # (a slow refill, so the test does not depend on how fast hashing runs here)
        limits = {
            "token_requests_per_address_burst": 20,
            "token_requests_per_address_per_minute": 0.1,
        }
        async with running_app(make_gateway(**limits)) as gateway:
            statuses = [
                (await get_token(gateway, f"ctr_guess{i}", "wrong")).status_code for i in range(25)
            ]
        assert statuses[:20] == [401] * 20 and statuses[20:] == [429] * 5

    async def test_api_client_routes_are_rate_limited(
        self, make_gateway, token: TokenFactory
    ) -> None:
        async with running_app(make_gateway(rate_limit_burst=3, rate_limit_per_second=0.1)) as gw:
            async with api_client(gw, token("admin")) as admin:
                statuses = [(await admin.get("/v1/api-clients")).status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429


class TestForeignClaims:
    async def test_a_client_claim_that_is_not_a_uuid_is_a_401_with_a_reason(
        self, gateway: FastAPI, token: TokenFactory
    ) -> None:
        okta_style = token("client", client_id="0oa1b2c3d4EFGH5678")
        async with api_client(gateway, okta_style) as caller:
            for path in ("/v1/organizations", "/v1/api-clients", "/v1/invoices"):
                response = await caller.get(path)
                assert response.status_code == 401, (path, response.text)
                assert "client" in response.json()["detail"]

    async def test_an_api_client_claim_that_is_not_a_uuid_is_a_401(
        self, gateway: FastAPI, token: TokenFactory
    ) -> None:
        async with api_client(gateway, token("partner", extra={"cid": "not-a-uuid"})) as caller:
            response = await caller.get("/v1/organizations")
        assert response.status_code == 401, response.text

    async def test_the_providers_ids_and_groups_map_to_ours(self, make_gateway) -> None:
        """An Okta-style token: the client is the provider's own id, the role a group."""
        acme = uuid.uuid4()
        idp = FakeIdentityProvider()

        def people_token(**claims: object) -> str:
            return idp.token("vm@acme.example", **claims)

        app = make_gateway(
            **idp.settings(
                idp_role_claim="groups",
                idp_role_map={"contrato-clients": "client", "contrato-finance": "finance"},
                idp_client_claim="org_id",
                idp_client_map={"0oa1b2c3d4EFGH5678": str(acme)},
            )
        )
        verifier = app.state.settings.token_verifier(http=idp.http())
        mapped = await verifier.verify(
            people_token(groups=["Everyone", "contrato-clients"], org_id="0oa1b2c3d4EFGH5678")
        )
        assert mapped.role.value == "client" and mapped.client_id == acme
        finance = await verifier.verify(people_token(groups=["contrato-finance"]))
        assert finance.role.value == "finance" and finance.client_id is None
        for claims, reason in [
            ({"groups": ["contrato-clients"], "org_id": "0oaUNKNOWN"}, "0oaUNKNOWN"),
            ({"groups": ["Everyone"]}, "role"),
            ({"groups": {"nested": "object"}}, "role"),
            ({"groups": ["contrato-clients"], "org_id": ["a", "b"]}, "client"),
        ]:
            with pytest.raises(Unauthorized) as refused:
                await verifier.verify(people_token(**claims))
            assert reason in refused.value.detail


class StaleKeepAlive:
    """An upstream that answers the first request of each connection and keeps it open, then
    drops the connection without a word when the next request arrives on it, as a restarting
    service does: the gateway's pooled connection was stale."""

    def __init__(self) -> None:
        self.answered = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        self.answered += 1
        body = b'{"items": [], "next_cursor": null, "limit": 50}'
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            await reader.readuntil(b"\r\n\r\n")
        writer.close()


class TestStaleConnections:
    async def test_an_idempotent_request_on_a_stale_connection_is_sent_again(
        self, make_gateway, token: TokenFactory
    ) -> None:
        upstream = StaleKeepAlive()
        server = await asyncio.start_server(upstream.serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server, running_app(make_gateway(metrics_url=f"http://127.0.0.1:{port}")) as gw:
            async with api_client(gw, token("admin")) as admin:
                statuses = [(await admin.get("/v1/sources")).status_code for _ in range(5)]
        assert statuses == [200] * 5
        assert upstream.answered == 5

    async def test_a_write_is_never_sent_twice(self, make_gateway, token: TokenFactory) -> None:
        upstream = StaleKeepAlive()
        server = await asyncio.start_server(upstream.serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server, running_app(make_gateway(metrics_url=f"http://127.0.0.1:{port}")) as gw:
            async with api_client(gw, token("admin")) as admin:
                assert (await admin.get("/v1/sources")).status_code == 200
                created = await admin.post("/v1/sources", json={"name": "x", "kind": "api"})
        assert created.status_code == 502
        assert upstream.answered == 1
