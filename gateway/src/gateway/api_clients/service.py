"""API clients and the OAuth2 client-credentials grant.

Secrets are random 256-bit strings shown once; only Argon2id hashes are stored. Hashing is
deliberately slow, so it runs in a worker thread and never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import uuid
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gateway.api_clients.models import ApiClient, ApiClientStatus
from gateway.api_clients.repository import ApiClientRepository
from gateway.api_clients.schemas import ApiClientCreate
from gateway.errors import ApiClientNotFound, InvalidClient
from shared.auth import Principal, Role, mint_token
from shared.errors import Conflict, ValidationFailed
from shared.pagination import PageParams

hasher = PasswordHasher()
# Verified against when the client id is unknown, so both failures take the same time.
_DUMMY_HASH = hasher.hash(secrets.token_urlsafe(32))

TENANT_ROLES = frozenset({Role.client, Role.partner})


def new_client_id() -> str:
    return "ctr_" + secrets.token_hex(12)


def new_secret() -> str:
    return "cs_" + secrets.token_urlsafe(32)


# One Argon2 computation at a time per process: each takes a core for tens of milliseconds, and
# a flood of token requests from many addresses must leave the other core to everyone else.
_hashing = threading.BoundedSemaphore(1)


def _hash(secret: str) -> str:
    with _hashing:
        return hasher.hash(secret)


def _verify(hashed: str, secret: str) -> bool:
    with _hashing:
        try:
            return hasher.verify(hashed, secret)
        except (VerificationError, InvalidHashError):
            return False


async def hash_secret(secret: str) -> str:
    return await asyncio.to_thread(_hash, secret)


async def secret_matches(secret: str, hashed: str) -> bool:
    return await asyncio.to_thread(_verify, hashed, secret)


class ApiClientService:
    def __init__(self, repository: ApiClientRepository) -> None:
        self.repository = repository

    async def create(self, principal: Principal, data: ApiClientCreate) -> tuple[ApiClient, str]:
        if data.role is Role.client and data.tenant_client_id is None:
            raise ValidationFailed.on(
                "tenant_client_id", "a client-role API client needs its client"
            )
        if data.role not in TENANT_ROLES | {Role.service} and data.tenant_client_id is not None:
            raise ValidationFailed.on(
                "tenant_client_id", f"role {data.role.value} is operator-wide; leave it empty"
            )
        secret = new_secret()
        api_client = ApiClient(
            client_id=new_client_id(),
            name=data.name,
            role=data.role,
            tenant_client_id=data.tenant_client_id,
            token_ttl_seconds=data.token_ttl_seconds,
            secret_hash=await hash_secret(secret),
            created_by=principal.subject,
        )
        return await self.repository.add(api_client), secret

    async def get(self, id_: uuid.UUID) -> ApiClient:
        api_client = await self.repository.get(id_)
        if api_client is None:
            raise ApiClientNotFound(f"no API client {id_}")
        return api_client

    async def list(
        self, params: PageParams, status: ApiClientStatus | None
    ) -> tuple[list[ApiClient], str | None]:
        return await self.repository.list(params, status)

    async def rotate(self, id_: uuid.UUID, grace_seconds: int) -> tuple[ApiClient, str]:
        api_client = await self.repository.get(id_, for_update=True)
        if api_client is None:
            raise ApiClientNotFound(f"no API client {id_}")
        if api_client.status is ApiClientStatus.revoked:
            raise Conflict("a revoked API client cannot be rotated; create a new one")
        now = datetime.now(UTC)
        secret = new_secret()
        if grace_seconds:
            api_client.previous_secret_hash = api_client.secret_hash
            api_client.previous_secret_expires_at = now + timedelta(seconds=grace_seconds)
        else:
            api_client.previous_secret_hash = None
            api_client.previous_secret_expires_at = None
        api_client.secret_hash = await hash_secret(secret)
        api_client.rotated_at = now
        return await self.repository.flush(api_client), secret

    async def revoke(self, id_: uuid.UUID) -> ApiClient:
        api_client = await self.repository.get(id_, for_update=True)
        if api_client is None:
            raise ApiClientNotFound(f"no API client {id_}")
        if api_client.status is not ApiClientStatus.revoked:
            api_client.status = ApiClientStatus.revoked
            api_client.revoked_at = datetime.now(UTC)
            api_client.previous_secret_hash = None
        await self.repository.announce_revoked(api_client.id)
        return await self.repository.flush(api_client)

    async def authenticate(self, client_id: str, secret: str) -> ApiClient:
        api_client = await self.repository.by_client_id(client_id)
        if api_client is None:
            await secret_matches(secret, _DUMMY_HASH)
            raise InvalidClient("unknown client or wrong secret")
        now = datetime.now(UTC)
        matches = await secret_matches(secret, api_client.secret_hash)
        if (
            not matches
            and api_client.previous_secret_hash
            and (
                api_client.previous_secret_expires_at
                and api_client.previous_secret_expires_at > now
            )
        ):
            matches = await secret_matches(secret, api_client.previous_secret_hash)
        if not matches:
            raise InvalidClient("unknown client or wrong secret")
        if api_client.status is ApiClientStatus.revoked:
            raise InvalidClient("this client has been revoked")
        await self.repository.touch(api_client.id, now)
        return api_client

    @staticmethod
    def issue_token(
        api_client: ApiClient, *, private_key_pem: str, issuer: str, audience: str
    ) -> str:
        return mint_token(
            private_key_pem,
            subject=f"client:{api_client.client_id}",
            role=api_client.role,
            client_id=api_client.tenant_client_id,
            issuer=issuer,
            audience=audience,
            ttl_seconds=api_client.token_ttl_seconds,
            extra={"cid": str(api_client.id)},
        )
