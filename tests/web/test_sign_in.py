"""Sign-in without a browser: OpenID Connect (authorization code + PKCE) against a fake
*external* identity provider, sessions, CSRF and expiry. The web app is driven over ASGI; the
only thing faked is the identity provider, which is not ours."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from tests.conftest import Keys, running_app
from web.main import create_app
from web.sessions import COOKIE, Signer
from web.settings import WebSettings

ISSUER = "https://idp.example"
CLIENT_ID = "contrato-web"
API_AUDIENCE = "contrato-api"
CONSOLE = "https://console.example"


class FakeIdentityProvider:
    """Discovery, JWKS, and a token endpoint that checks the code, the redirect URI and the
    PKCE verifier against what the authorization request carried."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        self.jwks = {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}
        self.codes: dict[str, dict[str, str]] = {}
        self.groups = ["contrato-finance"]
        self.nonce_override: str | None = None

    def authorize(self, url: str) -> str:
        """What the provider does when the user signs in: a code bound to the request."""
        query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
        code = f"code-{len(self.codes)}"
        self.codes[code] = query
        return code

    def sign(self, claims: dict[str, Any]) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "iat": now, "exp": now + 600, "sub": "u-42", **claims}
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": "k1"})

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(
                200,
                json={
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token",
                    "jwks_uri": f"{ISSUER}/jwks",
                },
            )
        if request.url.path == "/jwks":
            return httpx.Response(200, json=self.jwks)
        if request.url.path == "/token" and request.method == "POST":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            asked = self.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if (
                asked is None
                or form.get("grant_type") != "authorization_code"
                or form.get("redirect_uri") != asked["redirect_uri"]
                or form.get("client_id") != CLIENT_ID
                or asked["code_challenge_method"] != "S256"
                or challenge != asked["code_challenge"]
            ):
                return httpx.Response(400, json={"error": "invalid_grant"})
            id_token = self.sign(
                {"aud": CLIENT_ID, "nonce": self.nonce_override or asked["nonce"], "name": "Fay"}
            )
            access = self.sign({"aud": API_AUDIENCE, "groups": self.groups})
            return httpx.Response(
                200, json={"id_token": id_token, "access_token": access, "token_type": "Bearer"}
            )
        return httpx.Response(404)


@pytest.fixture
def idp() -> FakeIdentityProvider:
    return FakeIdentityProvider()


@pytest.fixture
async def oidc_app(idp: FakeIdentityProvider) -> AsyncIterator[FastAPI]:
    settings = WebSettings(
        environment="production",
        session_secret="x" * 40,
        idp_issuer=ISSUER,
        idp_audience=API_AUDIENCE,
        idp_role_claim="groups",
        idp_role_map={"contrato-finance": "finance"},
        oidc_client_id=CLIENT_ID,
        public_url=CONSOLE,
    )
    app = create_app(settings, transport=httpx.MockTransport(idp.handle))
    async with running_app(app):
        yield app


def browser(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=CONSOLE)


def session_of(client: httpx.AsyncClient) -> dict[str, Any]:
    app = client._transport.app  # type: ignore[attr-defined]
    data = Signer(app.state.settings.session_key(), 3600).loads(client.cookies[COOKIE])
    assert data is not None
    return data


async def start(client: httpx.AsyncClient, idp: FakeIdentityProvider) -> tuple[str, dict]:
    response = await client.get("/sign-in/oidc", params={"next": "/invoices?status=draft"})
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"{ISSUER}/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
    return idp.authorize(location), query


class TestOpenIdConnect:
    async def test_code_flow_with_pkce_signs_the_user_in(
        self, oidc_app: FastAPI, idp: FakeIdentityProvider
    ) -> None:
        async with browser(oidc_app) as client:
            code, query = await start(client, idp)
            assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
            assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
            assert query["redirect_uri"] == f"{CONSOLE}/sign-in/oidc/callback"
            assert "openid" in query["scope"].split()
            response = await client.get(
                "/sign-in/oidc/callback", params={"code": code, "state": query["state"]}
            )
            assert response.status_code == 303, response.text
            assert response.headers["location"] == "/invoices?status=draft"
            cookie = response.headers["set-cookie"]
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
            user = session_of(client)["user"]
            assert (user["name"], user["role"], user["client_id"]) == ("Fay", "finance", None)
            # The bearer is the access token, for the API's audience: what the gateway checks.
            claims = jwt.decode(user["token"], options={"verify_signature": False})
            assert claims["aud"] == API_AUDIENCE

    async def test_a_callback_with_another_state_is_refused(
        self, oidc_app: FastAPI, idp: FakeIdentityProvider
    ) -> None:
        async with browser(oidc_app) as client:
            code, _ = await start(client, idp)
            response = await client.get(
                "/sign-in/oidc/callback", params={"code": code, "state": "forged"}
            )
            assert response.status_code == 401
            assert "does not match" in response.text
            assert "user" not in session_of(client)

    async def test_a_callback_is_used_once(
        self, oidc_app: FastAPI, idp: FakeIdentityProvider
    ) -> None:
        async with browser(oidc_app) as client:
            code, query = await start(client, idp)
            params = {"code": code, "state": query["state"]}
            assert (await client.get("/sign-in/oidc/callback", params=params)).status_code == 303
            again = await client.get("/sign-in/oidc/callback", params=params)
            assert again.status_code == 401

    async def test_an_id_token_for_another_sign_in_is_refused(
        self, oidc_app: FastAPI, idp: FakeIdentityProvider
    ) -> None:
        idp.nonce_override = "someone-elses"
        async with browser(oidc_app) as client:
            code, query = await start(client, idp)
            response = await client.get(
                "/sign-in/oidc/callback", params={"code": code, "state": query["state"]}
            )
            assert response.status_code == 401 and "nonce" in response.text

    async def test_a_code_without_the_right_verifier_is_refused_by_the_provider(
        self, oidc_app: FastAPI, idp: FakeIdentityProvider
    ) -> None:
        async with browser(oidc_app) as client:
            code, query = await start(client, idp)
            idp.codes[code]["code_challenge"] = "not-the-challenge"
            response = await client.get(
                "/sign-in/oidc/callback", params={"code": code, "state": query["state"]}
            )
            assert response.status_code == 401 and "invalid_grant" in response.text

    async def test_a_user_without_a_contrato_role_is_told_why(
        self, oidc_app: FastAPI, idp: FakeIdentityProvider
    ) -> None:
        idp.groups = ["marketing"]
        async with browser(oidc_app) as client:
            code, query = await start(client, idp)
            response = await client.get(
                "/sign-in/oidc/callback", params={"code": code, "state": query["state"]}
            )
            assert response.status_code == 401
            assert "cannot use Contrato" in response.text and "groups" in response.text

    async def test_production_offers_no_development_sign_in(self, oidc_app: FastAPI) -> None:
        async with browser(oidc_app) as client:
            page = await client.get("/sign-in")
            assert "Development sign-in" not in page.text
            assert "Sign in with your organisation" in page.text
            csrf = session_of(client)["csrf"]
            response = await client.post(
                "/sign-in/development", data={"csrf_token": csrf, "role": "admin"}
            )
            assert response.status_code == 404
            assert "user" not in session_of(client)


@pytest.fixture
async def dev_app(keys: Keys) -> AsyncIterator[FastAPI]:
    settings = WebSettings(
        environment="test",
        jwt_private_key_file=keys.private_path,
        gateway_url="http://127.0.0.1:9",  # nothing answers: these tests never reach the API
        dev_token_ttl_seconds=1,
    )
    app = create_app(settings)
    async with running_app(app):
        yield app


class TestSessions:
    async def test_every_post_needs_the_session_csrf_token(self, dev_app: FastAPI) -> None:
        async with browser(dev_app) as client:
            await client.get("/sign-in")
            refused = await client.post("/sign-in/development", data={"role": "admin"})
            assert refused.status_code == 403 and "form expired" in refused.text
            forged = await client.post(
                "/sign-in/development", data={"role": "admin", "csrf_token": "guess"}
            )
            assert forged.status_code == 403
            assert "user" not in session_of(client)

    async def test_development_sign_in_mints_the_local_token(
        self, dev_app: FastAPI, keys: Keys
    ) -> None:
        async with browser(dev_app) as client:
            await client.get("/sign-in")
            csrf = session_of(client)["csrf"]
            response = await client.post(
                "/sign-in/development",
                data={"csrf_token": csrf, "role": "finance", "next": "//evil.example/"},
            )
            assert response.status_code == 303 and response.headers["location"] == "/"
            session = session_of(client)
            assert session["csrf"] != csrf  # a new session on sign-in
            claims = jwt.decode(
                session["user"]["token"],
                keys.public_pem,
                algorithms=["RS256"],
                audience="contrato",
                issuer="contrato-test",
            )
            assert claims["role"] == "finance"

    async def test_an_expired_session_goes_back_to_sign_in_with_a_message(
        self, dev_app: FastAPI
    ) -> None:
        async with browser(dev_app) as client:
            await client.get("/sign-in")
            csrf = session_of(client)["csrf"]
            await client.post("/sign-in/development", data={"csrf_token": csrf, "role": "admin"})
            await asyncio.sleep(1.1)
            response = await client.get("/contracts?q=acme")
            assert response.status_code == 303
            assert response.headers["location"] == "/sign-in?next=%2Fcontracts%3Fq%3Dacme&expired=1"
            page = await client.get(response.headers["location"])
            assert "Your session expired" in page.text
            assert "user" not in session_of(client)

    async def test_a_tampered_cookie_is_no_session(self, dev_app: FastAPI) -> None:
        async with browser(dev_app) as client:
            await client.get("/sign-in")
            value = client.cookies[COOKIE]
            client.cookies.set(COOKIE, value[:-2] + ("A" if value[-1] != "A" else "B") + "x")
            response = await client.get("/")
            assert response.status_code == 303
            assert response.headers["location"].startswith("/sign-in")


class TestErrors:
    async def test_an_api_failure_is_a_page_in_words_and_a_fragment_for_htmx(
        self, keys: Keys
    ) -> None:
        """The API cannot be reached (nothing listens at its address): the page says so in
        words, with no stack trace; HTMX gets the same words as a fragment it will show."""
        settings = WebSettings(
            environment="test",
            jwt_private_key_file=keys.private_path,
            gateway_url="http://127.0.0.1:9",
        )
        app = create_app(settings)
        async with running_app(app), browser(app) as client:
            await client.get("/sign-in")
            csrf = session_of(client)["csrf"]
            await client.post("/sign-in/development", data={"csrf_token": csrf, "role": "admin"})
            page = await client.get("/contracts")
            assert page.status_code == 503
            assert "The platform cannot be reached" in page.text and "Traceback" not in page.text
            fragment = await client.get("/home/risk", headers={"hx-request": "true"})
            assert fragment.status_code == 200 and 'role="alert"' in fragment.text
            assert "<html" not in fragment.text
