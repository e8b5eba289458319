"""The two services billing reads, over HTTP, in exactly the shapes the platform fixes.

Each method forwards the caller's token when serving a request (``token=``) and otherwise uses
the service's own credentials (the ``ServiceClient``'s token provider).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from billing.pricing.engine import UsageQuery
from shared.errors import FieldError, NotFound, UpstreamError, ValidationFailed
from shared.http import ServiceClient


class ContractsClient:
    def __init__(self, http: ServiceClient) -> None:
        self.http = http

    async def billing_terms(
        self, contract_id: uuid.UUID, on: date, *, token: str | None = None
    ) -> dict[str, Any]:
        body = await self.http.get_json(
            f"/v1/contracts/{contract_id}/billing-terms",
            params={"on": on.isoformat()},
            token=token,
        )
        _expect(self.http.name, body, "contract_id", "currency", "term", "operator_id")
        return body

    async def contracts_in_service(
        self, first: date, last: date, *, token: str | None = None
    ) -> list[dict[str, Any]]:
        """Every signed contract in force on at least one day from ``first`` to ``last``
        (inclusive), whatever its status today (all pages)."""
        out: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {
                "in_service_from": first.isoformat(),
                "in_service_to": last.isoformat(),
                "limit": 500,
            }
            if cursor:
                params["cursor"] = cursor
            page = await self.http.get_json("/v1/contracts", params=params, token=token)
            _expect(self.http.name, page, "items")
            out += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return out

    async def organization(
        self, organization_id: uuid.UUID, *, token: str | None = None
    ) -> dict[str, Any]:
        """An organization (the operator or a client); NotFound when there is none."""
        body = await self.http.get_json(f"/v1/organizations/{organization_id}", token=token)
        _expect(self.http.name, body, "id", "kind")
        return body


class MetricsClient:
    def __init__(self, http: ServiceClient) -> None:
        self.http = http

    async def usage(
        self,
        contract_id: uuid.UUID,
        period: str,
        query: UsageQuery,
        *,
        days: tuple[date, date] | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """The period's usage, or that of ``days`` (first and last, inclusive) within it."""
        params: dict[str, Any] = {"contract_id": str(contract_id), "period": period}
        if days is not None:
            params |= {"from": days[0].isoformat(), "to": days[1].isoformat()}
        try:
            body = await self.http.get_json(
                "/v1/usage", params={**params, **query.params()}, token=token
            )
        except NotFound as exc:  # the contract exists (we priced it): missing usage is upstream's
            raise UpstreamError(self.http.name, f"no usage for {period}: {exc.detail}") from exc
        _expect(self.http.name, body, "handled_contacts", "handled_minutes")
        return body

    async def sla_projection(
        self, contract_id: uuid.UUID, period: str, as_of: datetime, *, token: str | None = None
    ) -> dict[str, Any]:
        """Each service level of the period projected to its end (``GET /v1/sla-projections``).

        A question metrics refuses (no version of the contract in effect in the period) is the
        caller's question refused, with metrics' own errors: a 422, not an upstream failure."""
        path = "/v1/sla-projections"
        params = {"contract_id": str(contract_id), "period": period, "as_of": as_of.isoformat()}
        response = await self.http.request("GET", path, params=params, token=token)
        if response.status_code == 422:
            problem = response.json()
            raise ValidationFailed(
                str(problem.get("detail") or "invalid"),
                errors=[
                    FieldError(e["field"], e["message"], e.get("code", "invalid"))
                    for e in problem.get("errors") or []
                ],
            )
        if response.status_code == 404:
            raise NotFound(f"no contract {contract_id}")
        if response.status_code >= 400:
            raise UpstreamError(
                self.http.name, f"metrics refused {path}: {response.text[:200]}", status=502
            )
        body = response.json()
        _expect(self.http.name, body, "levels", "observed_until", "contacts_expected")
        return body

    async def sla_input_changes(self, since: datetime) -> dict[uuid.UUID, datetime]:
        """The contracts whose contact records, activity or QA evaluations were written after
        ``since``, with the latest such write (all pages; the service's own credentials)."""
        out: dict[uuid.UUID, datetime] = {}
        params: dict[str, Any] = {"since": since.isoformat(), "limit": 500}
        while True:
            page = await self.http.get_json("/v1/sla-input-changes", params=params)
            _expect(self.http.name, page, "items")
            for item in page["items"]:
                out[uuid.UUID(item["contract_id"])] = datetime.fromisoformat(item["changed_at"])
            if not page.get("next_cursor"):
                return out
            params["cursor"] = page["next_cursor"]

    async def sla_report(
        self, contract_id: uuid.UUID, period: str, *, token: str | None = None
    ) -> dict[str, Any]:
        """The stored SLA report of the period (metrics computes it on first request)."""
        response = await self.http.request(
            "POST",
            "/v1/sla-reports",
            json={"contract_id": str(contract_id), "period": period, "recompute": False},
            token=token,
        )
        if response.status_code == 404:
            raise UpstreamError(
                self.http.name, f"no SLA report for {period}: {response.text[:200]}"
            )
        if response.status_code not in (200, 201):
            raise UpstreamError(
                self.http.name,
                f"{self.http.name} refused the SLA report ({response.status_code}): "
                f"{response.text[:200]}",
            )
        body = response.json()
        _expect(self.http.name, body, "id", "results")
        return body


@dataclass
class Upstream:
    contracts: ContractsClient
    metrics: MetricsClient

    async def aclose(self) -> None:
        await self.contracts.http.aclose()
        await self.metrics.http.aclose()


def _expect(upstream: str, body: Any, *keys: str) -> None:
    if not isinstance(body, dict) or any(k not in body for k in keys):
        raise UpstreamError(upstream, f"{upstream} answered an unexpected shape (needs {keys})")
