"""A stand-in for an organisation's identity provider: a signing key, its JWKS, and tokens."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER, AUDIENCE = "https://idp.example", "contrato-api"
JWKS_URL = "http://idp.example/.well-known/jwks.json"


class FakeIdentityProvider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        self.jwks = {"keys": [{**jwk, "kid": "idp-1", "use": "sig", "alg": "RS256"}]}

    def settings(self, **extra: Any) -> dict[str, Any]:
        """Gateway settings that trust this provider."""
        return {"idp_issuer": ISSUER, "idp_audience": AUDIENCE, "idp_jwks_url": JWKS_URL, **extra}

    def http(self) -> httpx.AsyncClient:
        """An HTTP client that answers every request with the provider's JWKS."""
        return httpx.AsyncClient(
            transport=httpx.MockTransport(lambda _: httpx.Response(200, json=self.jwks))
        )

    def token(self, subject: str, **claims: object) -> str:
        body = {"sub": subject, "iss": ISSUER, "aud": AUDIENCE, "iat": 1, "exp": 4102444800}
        return jwt.encode({**body, **claims}, self.key, algorithm="RS256", headers={"kid": "idp-1"})
