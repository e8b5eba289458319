"""Webhook endpoints: who may register what, the secret shown once, updates and rotation."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from billing.events.webhooks.egress import Network, check_destination
from billing.events.webhooks.models import WebhookEndpoint
from billing.events.webhooks.repository import WebhookRepository
from billing.events.webhooks.schemas import (
    AttemptRead,
    DeliveryStatus,
    SecretRotate,
    WebhookEndpointCreate,
    WebhookEndpointRead,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
)
from billing.events.webhooks.secrets import SecretBox, new_secret
from billing.upstream import ContractsClient
from shared.auth import Principal
from shared.errors import NotFound, ValidationFailed
from shared.etag import check_if_match
from shared.pagination import PageParams


class WebhookEndpointNotFound(NotFound):
    title = "Webhook endpoint not found"


class WebhookService:
    def __init__(
        self,
        repository: WebhookRepository,
        box: SecretBox,
        contracts: ContractsClient,
        *,
        allowed_networks: Sequence[Network] = (),
    ) -> None:
        self.repository = repository
        self.box = box
        self.contracts = contracts
        self.allowed_networks = allowed_networks

    def _check_destination(self, url: str) -> None:
        if reason := check_destination(url, self.allowed_networks):
            raise ValidationFailed.on("url", reason)

    async def create(
        self, principal: Principal, data: WebhookEndpointCreate
    ) -> WebhookEndpointWithSecret:
        self._check_destination(data.url)
        client_id = await self._client_of_new_endpoint(principal, data.client_id)
        secret = new_secret()
        endpoint = WebhookEndpoint(
            client_id=client_id,
            url=data.url,
            description=data.description,
            event_types=data.event_types,
            secret_encrypted=self.box.encrypt(secret),
            created_by=principal.subject,
        )
        endpoint = await self.repository.add(endpoint)
        return WebhookEndpointWithSecret(**read(endpoint).model_dump(), secret=secret)

    async def replay_created(
        self, principal: Principal, stored: dict[str, Any]
    ) -> WebhookEndpointWithSecret:
        """A retried create (same Idempotency-Key and body): the stored answer, its secret
        filled in again from the encrypted copy (the stored answer never holds it)."""
        endpoint = await self.get(principal, uuid.UUID(str(stored["id"])))
        return WebhookEndpointWithSecret(
            **stored, secret=self.box.decrypt(endpoint.secret_encrypted)
        )

    async def _client_of_new_endpoint(
        self, principal: Principal, requested: uuid.UUID | None
    ) -> uuid.UUID | None:
        own = principal.tenant_client_id
        if own is not None:
            if requested is not None and requested != own:
                raise ValidationFailed.on(
                    "client_id", "you may register endpoints only for your own client"
                )
            return own
        if requested is not None:
            try:
                organization = await self.contracts.organization(requested, token=principal.token)
            except NotFound as exc:
                raise ValidationFailed.on("client_id", "no such client") from exc
            if organization.get("kind") != "client":
                raise ValidationFailed.on("client_id", "not a client (an operator's id?)")
        return requested

    async def get(
        self, principal: Principal, endpoint_id: uuid.UUID, *, for_update: bool = False
    ) -> WebhookEndpoint:
        endpoint = await self.repository.get(endpoint_id, for_update=for_update)
        # Another tenant's endpoint (or an operator-wide one, for a tenant) answers 404.
        if endpoint is None or not _visible(principal, endpoint):
            raise WebhookEndpointNotFound(f"no webhook endpoint {endpoint_id}")
        return endpoint

    async def page(
        self, principal: Principal, params: PageParams, client_id: uuid.UUID | None
    ) -> tuple[list[WebhookEndpoint], str | None]:
        own = principal.tenant_client_id
        if own is not None:
            return await self.repository.page(params, client_id=own, only_client=True)
        return await self.repository.page(
            params, client_id=client_id, only_client=client_id is not None
        )

    async def update(
        self,
        principal: Principal,
        endpoint_id: uuid.UUID,
        data: WebhookEndpointUpdate,
        if_match: str | None,
    ) -> WebhookEndpoint:
        endpoint = await self.get(principal, endpoint_id, for_update=True)
        check_if_match(if_match, endpoint.revision)
        changes = data.model_dump(exclude_unset=True)
        for field in ("url", "enabled"):
            if field in changes and changes[field] is None:
                raise ValidationFailed.on(field, "may not be null")
        retry_now = False
        if "url" in changes:
            self._check_destination(changes["url"])
        if "url" in changes and changes["url"] != endpoint.url:
            retry_now = True  # a new address deserves a try at once
        if changes.get("enabled") is True and not endpoint.enabled:
            retry_now = True
            endpoint.disabled_reason = None
            endpoint.failing_since = None
            endpoint.consecutive_failures = 0
        if changes.get("enabled") is False and endpoint.enabled:
            endpoint.disabled_reason = f"disabled by {principal.subject}"
        for field, value in changes.items():
            setattr(endpoint, field, value)
        if retry_now:
            endpoint.next_attempt_at = None
        endpoint.revision += 1
        return await self.repository.flush(endpoint)

    async def delete(self, principal: Principal, endpoint_id: uuid.UUID) -> None:
        endpoint = await self.get(principal, endpoint_id, for_update=True)
        await self.repository.delete(endpoint)

    async def rotate_secret(
        self, principal: Principal, endpoint_id: uuid.UUID, data: SecretRotate
    ) -> WebhookEndpointWithSecret:
        endpoint = await self.get(principal, endpoint_id, for_update=True)
        secret = new_secret()
        if data.expire_previous_after_seconds > 0:
            endpoint.previous_secret_encrypted = endpoint.secret_encrypted
            endpoint.previous_secret_expires_at = datetime.now(UTC) + timedelta(
                seconds=data.expire_previous_after_seconds
            )
        else:
            endpoint.previous_secret_encrypted = None
            endpoint.previous_secret_expires_at = None
        endpoint.secret_encrypted = self.box.encrypt(secret)
        endpoint.revision += 1
        endpoint = await self.repository.flush(endpoint)
        return WebhookEndpointWithSecret(**read(endpoint).model_dump(), secret=secret)

    async def attempts(
        self, principal: Principal, endpoint_id: uuid.UUID, params: PageParams
    ) -> tuple[list[AttemptRead], str | None]:
        endpoint = await self.get(principal, endpoint_id)
        rows, cursor = await self.repository.attempts(endpoint.id, params)
        return [AttemptRead.model_validate(a) for a in rows], cursor


def _visible(principal: Principal, endpoint: WebhookEndpoint) -> bool:
    return principal.operator_wide or (
        endpoint.client_id is not None and endpoint.client_id == principal.client_id
    )


def read(endpoint: WebhookEndpoint) -> WebhookEndpointRead:
    return WebhookEndpointRead(
        id=endpoint.id,
        client_id=endpoint.client_id,
        url=endpoint.url,
        description=endpoint.description,
        event_types=endpoint.event_types,
        enabled=endpoint.enabled,
        disabled_reason=endpoint.disabled_reason,
        revision=endpoint.revision,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
        delivery=DeliveryStatus.model_validate(endpoint),
    )
