"""OAuth2 client credentials, revocation, coarse access, rate limits, size limits, CORS,
security headers, circuit breaking and identity-provider tokens."""

import asyncio
import base64
import uuid

import httpx
import jwt
import pytest
from fastapi import FastAPI

from tests.conftest import TokenFactory, api_client, running_app
from tests.gateway.idp import FakeIdentityProvider

DEAD = "http://127.0.0.1:9"


async def new_api_client(gateway: FastAPI, token: TokenFactory, **body: object) -> dict:
    async with api_client(gateway, token("admin")) as admin:
        response = await admin.post("/v1/api-clients", json={"name": "Acme PBX", **body})
    assert response.status_code == 201, response.text
    return response.json()


async def get_token(
    gateway: FastAPI, client_id: str, secret: str, basic: bool = True
) -> httpx.Response:
    async with api_client(gateway) as anonymous:
        if basic:
            credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
            return await anonymous.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                headers={"authorization": f"Basic {credentials}"},
            )
        return await anonymous.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
        )


class TestClientCredentials:
    async def test_partner_gets_a_short_lived_tenant_token(
        self, gateway: FastAPI, token: TokenFactory
    ) -> None:
        acme = uuid.uuid4()
        created = await new_api_client(gateway, token, role="partner", tenant_client_id=str(acme))
        assert created["client_secret"].startswith("cs_")
        for basic in (True, False):
            response = await get_token(
                gateway, created["client_id"], created["client_secret"], basic
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["token_type"] == "Bearer" and body["expires_in"] == 900
            claims = jwt.decode(body["access_token"], options={"verify_signature": False})
            assert claims["role"] == "partner" and claims["client_id"] == str(acme)
            assert claims["exp"] - claims["iat"] == 900
        # the token works through the gateway, scoped to its client
        async with api_client(gateway, body["access_token"]) as partner:
            created_source = await partner.post(
                "/v1/sources", json={"name": f"pbx-{acme.hex[:8]}", "kind": "asterisk"}
            )
            assert created_source.status_code == 201, created_source.text
            assert created_source.json()["client_id"] == str(acme)

    async def test_secret_is_never_shown_again(self, gateway: FastAPI, token: TokenFactory) -> None:
        created = await new_api_client(gateway, token)
        async with api_client(gateway, token("admin")) as admin:
            shown = (await admin.get(f"/v1/api-clients/{created['id']}")).json()
            listed = (await admin.get("/v1/api-clients")).text
        assert "client_secret" not in shown
        assert created["client_secret"] not in listed

    @pytest.mark.parametrize("secret", ["wrong", ""])
    async def test_wrong_secret_is_invalid_client(
        self, gateway: FastAPI, token: TokenFactory, secret: str
    ) -> None:
        created = await new_api_client(gateway, token)
        response = await get_token(gateway, created["client_id"], secret)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"

    async def test_unknown_client_and_bad_grant(self, gateway: FastAPI) -> None:
        assert (await get_token(gateway, "ctr_nobody", "x")).json()["error"] == "invalid_client"
        async with api_client(gateway) as anonymous:
            response = await anonymous.post("/oauth/token", data={"grant_type": "password"})
        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"

    async def test_rotation_with_grace_keeps_the_old_secret_for_a_while(
        self, gateway: FastAPI, token: TokenFactory
    ) -> None:
        created = await new_api_client(gateway, token)
        async with api_client(gateway, token("admin")) as admin:
            rotated = (
                await admin.post(
                    f"/v1/api-clients/{created['id']}/rotate-secret", json={"grace_seconds": 60}
                )
            ).json()
            assert rotated["client_secret"] != created["client_secret"]
            assert (
                await get_token(gateway, created["client_id"], created["client_secret"])
            ).status_code == 200
            assert (
                await get_token(gateway, created["client_id"], rotated["client_secret"])
            ).status_code == 200
            again = (
                await admin.post(f"/v1/api-clients/{created['id']}/rotate-secret", json={})
            ).json()
        assert (
            await get_token(gateway, created["client_id"], rotated["client_secret"])
        ).status_code == 401
        assert (
            await get_token(gateway, created["client_id"], again["client_secret"])
        ).status_code == 200

    async def test_revocation_stops_new_and_live_tokens(
        self, gateway: FastAPI, token: TokenFactory
    ) -> None:
        created = await new_api_client(gateway, token, role="operator")
        live = (await get_token(gateway, created["client_id"], created["client_secret"])).json()[
            "access_token"
        ]
        async with api_client(gateway, live) as partner:
            assert (await partner.get("/v1/organizations")).status_code == 200
            async with api_client(gateway, token("admin")) as admin:
                revoked = await admin.post(f"/v1/api-clients/{created['id']}/revoke")
            assert revoked.json()["status"] == "revoked"
            assert (await partner.get("/v1/organizations")).status_code == 401
        assert (
            await get_token(gateway, created["client_id"], created["client_secret"])
        ).status_code == 401

    async def test_only_admins_manage_api_clients(
        self, gateway: FastAPI, token: TokenFactory
    ) -> None:
        async with api_client(gateway, token("operator")) as operator:
            assert (await operator.post("/v1/api-clients", json={"name": "x"})).status_code == 403
            assert (await operator.get("/v1/api-clients")).status_code == 403

    async def test_client_role_needs_its_tenant(
        self, gateway: FastAPI, token: TokenFactory
    ) -> None:
        async with api_client(gateway, token("admin")) as admin:
            response = await admin.post("/v1/api-clients", json={"name": "x", "role": "client"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "tenant_client_id"


class TestCoarseAccess:
    async def test_client_users_are_read_only(self, gateway: FastAPI, token: TokenFactory) -> None:
        async with api_client(gateway, token("client", client_id=uuid.uuid4())) as client_user:
            refused = await client_user.post("/v1/sources", json={"name": "x", "kind": "api"})
            assert refused.status_code == 403
            assert refused.headers["content-type"] == "application/problem+json"
            assert (await client_user.get("/v1/organizations")).status_code == 200

    async def test_partner_may_not_write_contracts(
        self, gateway: FastAPI, token: TokenFactory
    ) -> None:
        async with api_client(gateway, token("partner", client_id=uuid.uuid4())) as partner:
            assert (await partner.post("/v1/organizations", json={})).status_code == 403


class TestRateLimit:
    async def test_flood_gets_429_with_retry_after(self, make_gateway, token: TokenFactory) -> None:
        async with running_app(
            make_gateway(rate_limit_per_second=1, rate_limit_burst=3)
        ) as gateway:
            async with api_client(gateway, token("admin", subject="flooder")) as client:
                answers = [await client.get("/v1/tax-rates") for _ in range(5)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
        assert answers[0].headers["ratelimit-limit"] == "3"
        assert answers[0].headers["ratelimit-remaining"] == "2"
        limited = answers[3]
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.headers["content-type"] == "application/problem+json"

    async def test_forged_token_floods_are_limited_too(self, make_gateway) -> None:
        async with running_app(
            make_gateway(rate_limit_per_second=1, rate_limit_burst=2)
        ) as gateway:
            async with api_client(gateway, "forged.token.value") as attacker:
                codes = [(await attacker.get("/v1/organizations")).status_code for _ in range(4)]
        assert codes == [401, 401, 429, 429]


class TestLimitsAndHeaders:
    async def test_oversized_body_is_413(self, make_gateway, token: TokenFactory) -> None:
        async with running_app(make_gateway(max_body_bytes=1000)) as gateway:
            async with api_client(gateway, token("admin")) as client:
                response = await client.post(
                    "/v1/organizations",
                    content=b"x" * 5000,
                    headers={"content-type": "application/json"},
                )
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"

    async def test_qa_evaluation_batches_get_the_bulk_limit(
        self, make_gateway, token: TokenFactory
    ) -> None:
        """A batch of QA evaluations is bulk ingestion, like contact records: past the
        ordinary limit it still reaches metrics (which answers for the unknown source)."""
        body = {"source": "no-such-source", "records": [{"form": "x" * 5000}]}
        async with running_app(make_gateway(max_body_bytes=1000)) as gateway:
            async with api_client(gateway, token("admin")) as client:
                response = await client.post("/v1/quality-evaluations", json=body)
        assert response.status_code == 404, response.text
        assert "no-such-source" in response.json()["detail"]  # metrics' answer, not a 413

    async def test_oversized_chunked_body_is_413(self, make_gateway, token: TokenFactory) -> None:
        async def chunks():  # no Content-Length: the limit is enforced while streaming
            for _ in range(10):
                yield b"x" * 500

        async with running_app(make_gateway(max_body_bytes=1000)) as gateway:
            async with api_client(gateway, token("admin")) as client:
                response = await client.post("/v1/organizations", content=chunks())
        assert response.status_code == 413

    async def test_security_headers(self, gateway: FastAPI, token: TokenFactory) -> None:
        async with api_client(gateway, token("admin")) as client:
            response = await client.get("/v1/organizations")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in response.headers["content-security-policy"]

    async def test_cors_for_configured_origins_only(self, make_gateway) -> None:
        async with running_app(
            make_gateway(cors_origins=["https://app.contrato.example"])
        ) as gateway:
            async with api_client(gateway) as browser:
                allowed = await browser.options(
                    "/v1/organizations",
                    headers={
                        "origin": "https://app.contrato.example",
                        "access-control-request-method": "GET",
                    },
                )
                denied = await browser.options(
                    "/v1/organizations",
                    headers={
                        "origin": "https://evil.example",
                        "access-control-request-method": "GET",
                    },
                )
        assert allowed.headers["access-control-allow-origin"] == "https://app.contrato.example"
        assert "access-control-allow-origin" not in denied.headers


class TestCircuitBreaker:
    async def test_opens_fails_fast_then_recovers(
        self, make_gateway, token: TokenFactory, services
    ) -> None:
        app = make_gateway(
            billing_url=DEAD, breaker_failure_threshold=2, breaker_cooldown_seconds=0.5
        )
        async with running_app(app) as gateway, api_client(gateway, token("admin")) as client:
            for _ in range(2):
                assert (await client.get("/v1/tax-rates")).status_code == 503
            fast = await client.get("/v1/tax-rates")
            assert fast.status_code == 503
            assert "paused" in fast.json()["detail"]
            assert int(fast.headers["retry-after"]) >= 1
            metrics_text = (await client.get("/metrics")).text
            assert 'gateway_circuit_open{upstream="billing"} 1.0' in metrics_text
            # the upstream comes back: after the cool-down one probe goes through and closes it
            client_transport = gateway.state.client._transport
            client_transport.transports["127.0.0.1"] = httpx.ASGITransport(app=services["billing"])
            await asyncio.sleep(0.6)
            assert (await client.get("/v1/tax-rates")).status_code == 200
            assert (await client.get("/v1/tax-rates")).status_code == 200
            assert (
                'gateway_circuit_open{upstream="billing"} 0.0'
                in (await client.get("/metrics")).text
            )


class TestIdentityProvider:
    async def test_people_tokens_from_a_jwks_issuer(self, make_gateway, services) -> None:
        idp = FakeIdentityProvider()
        people_token = idp.token("ana@operator.example", **{"https://contrato/role": "operator"})
        app = make_gateway(**idp.settings(idp_role_claim="https://contrato/role"))
        async with running_app(app) as gateway:
            from shared.auth import TokenVerifier

            verifier: TokenVerifier = gateway.state.token_verifier
            verifier.http = idp.http()
            principal = await verifier.verify(people_token)
            assert (
                principal.role.value == "operator" and principal.subject == "ana@operator.example"
            )
            async with api_client(gateway, people_token) as ana:
                # the services were not told of this issuer, so they refuse it (defence in depth)
                assert (await ana.get("/v1/organizations")).status_code == 401


class TestHostileInput:
    async def test_nul_character_is_a_422_not_a_500(
        self, gateway: FastAPI, token: TokenFactory
    ) -> None:
        async with api_client(gateway, token("admin")) as admin:
            response = await admin.post("/v1/api-clients", json={"name": "bad\u0000name"})
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"

    async def test_booleans_are_not_numbers(self, gateway: FastAPI, token: TokenFactory) -> None:
        async with api_client(gateway, token("admin")) as admin:
            response = await admin.post(
                "/v1/api-clients", json={"name": "x", "token_ttl_seconds": True}
            )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "token_ttl_seconds"

    async def test_undeclared_method_on_a_gateway_route_is_405(
        self, gateway: FastAPI, token: TokenFactory
    ) -> None:
        async with api_client(gateway, token("admin")) as admin:
            response = await admin.request("TRACE", "/v1/api-clients")
        assert response.status_code == 405
        assert set(response.headers["allow"].split(", ")) == {"GET", "POST"}


async def test_console_pages_are_rate_limited_per_address(
    make_gateway, services, database_urls
) -> None:
    """The web console behind the gateway (the real app, in-process) answers until the
    address's budget is spent, then the gateway's 429 does."""
    from web.main import create_app as create_web
    from web.settings import WebSettings

    web = create_web(WebSettings(gateway_url="http://gateway.invalid"))
    app = make_gateway(web_url="http://web", rate_limit_per_second=1, rate_limit_burst=2)
    async with running_app(web), running_app(app) as gateway:
        gateway.state.client._transport.transports["web"] = httpx.ASGITransport(app=web)
        async with api_client(gateway) as browser:
            codes = [(await browser.get("/sign-in")).status_code for _ in range(4)]
            assert codes == [200, 200, 429, 429]
