"""Signing secrets: generated here, shown once, stored encrypted, used to sign deliveries.

A secret must be usable to sign (HMAC needs the secret itself), so it cannot be hashed: it is
encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under the service's webhook secrets key.
``BILLING_WEBHOOK_SECRETS_KEYS`` is a list of Fernet keys: the first encrypts, every one
decrypts (add a new key in front, rotate endpoints' secrets or let them be re-encrypted, then
drop the old key). Without it, the key is derived (HKDF-SHA256) from the service's token
signing key, so a development setup needs no extra configuration.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from billing.settings import BillingSettings
from shared.errors import AppError

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


class SecretsUnavailable(AppError):
    status, slug, title = 503, "not-configured", "Webhook secrets are not configured"


class SecretUnreadable(Exception):
    """The stored secret does not decrypt with any configured key (the key was changed)."""


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class SecretBox:
    def __init__(self, keys: list[bytes]) -> None:
        self._fernet = MultiFernet([Fernet(k) for k in keys]) if keys else None

    @classmethod
    def from_settings(cls, settings: BillingSettings) -> SecretBox:
        keys = [k.encode() for k in settings.webhook_secrets_keys]
        if not keys and (private := settings.private_key_pem()):
            derived = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=None,
                info=b"contrato billing webhook secrets v1",
            ).derive(private.encode())
            keys = [base64.urlsafe_b64encode(derived)]
        return cls(keys)

    @property
    def available(self) -> bool:
        return self._fernet is not None

    def encrypt(self, secret: str) -> str:
        if self._fernet is None:
            raise SecretsUnavailable(
                "set BILLING_WEBHOOK_SECRETS_KEYS (or CONTRATO_JWT_PRIVATE_KEY_FILE) so "
                "signing secrets can be stored encrypted"
            )
        return self._fernet.encrypt(secret.encode()).decode()

    def decrypt(self, token: str) -> str:
        if self._fernet is None:
            raise SecretUnreadable("no webhook secrets key is configured")
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretUnreadable("the signing secret does not decrypt with any key") from exc
