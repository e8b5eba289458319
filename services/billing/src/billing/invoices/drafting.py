"""Drafting: gather what a period's invoice depends on (contract terms, plan version, usage,
SLA report), price it with the pure engine, and write the draft.

The slow part (calls to contracts and metrics) happens before any row is locked; the write
takes the row lock of the contract's invoice for the period, re-checks its state, and replaces
the lines in one transaction. The same inputs give the same lines (deterministic keys), and an
unchanged result leaves the draft untouched.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog

from billing.invoices.models import Invoice, InvoiceLine, InvoiceStatus
from billing.invoices.repository import InvoiceRepository
from billing.price_plans.repository import PricePlanRepository
from billing.pricing.credits import CreditTerms
from billing.pricing.engine import (
    PriceChange,
    Priced,
    PricingInput,
    UsageMissing,
    UsageQuery,
    price_period,
    usage_queries,
)
from billing.pricing.periods import Period, ServiceWindow, service_window
from billing.pricing.plan import PlanTerms
from billing.upstream import Upstream
from shared.auth import Principal
from shared.errors import AppError, Conflict, NotFound, UpstreamError
from shared.ids import uuid7

log = structlog.get_logger("billing.drafting")


class NotBillable(AppError):
    """The contract has nothing to bill for the period (not in service, or no plan)."""

    status, slug, title = 422, "not-billable", "Nothing to bill"


class AlreadyIssued(Conflict):
    title = "The period's invoice is already issued"


@dataclass
class DraftResult:
    invoice: Invoice
    outcome: str  # created | updated | unchanged


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def service_end(terms: dict[str, Any]) -> date | None:
    """The last day in service: the term's end, or an earlier termination's effective date."""
    end = _date(terms["term"].get("end_date"))
    termination = terms.get("termination") or {}
    if termination.get("requested") and termination.get("effective_date"):
        terminated = _date(termination["effective_date"])
        end = terminated if end is None or (terminated and terminated < end) else end
    return end


async def period_billing_terms(
    upstream: Upstream, contract_id: uuid.UUID, period: Period, *, token: str | None = None
) -> dict[str, Any]:
    """The contract's billing terms for ``period``, as of its last day (NotFound when the
    contract was in force on neither its last nor its first day)."""
    try:
        return await upstream.contracts.billing_terms(contract_id, period.end, token=token)
    except NotFound:
        # Ended or terminated during the month: ask about the first day instead.
        return await upstream.contracts.billing_terms(contract_id, period.start, token=token)


class Drafter:
    def __init__(
        self, invoices: InvoiceRepository, plans: PricePlanRepository, upstream: Upstream
    ) -> None:
        self.invoices = invoices
        self.plans = plans
        self.upstream = upstream
        self.waited = 0.0  # seconds spent waiting on contracts and metrics (wall time)

    async def draft(
        self,
        contract_id: uuid.UUID,
        period: Period,
        *,
        principal: Principal | None = None,
        token: str | None = None,
    ) -> DraftResult:
        """Create or refresh the draft of ``contract_id`` for ``period``.

        Raises NotBillable, AlreadyIssued, UpstreamError (never prices a missing figure as 0).
        """
        started = time.perf_counter()
        try:
            terms = await period_billing_terms(self.upstream, contract_id, period, token=token)
        finally:
            self.waited += time.perf_counter() - started
        client_id = uuid.UUID(str(terms["client_id"]))
        if principal is not None and not principal.can_see_client(client_id):
            raise NotFound(f"no contract {contract_id}")
        existing = await self.invoices.find_open(contract_id, str(period))
        if existing is not None and existing.status is not InvoiceStatus.draft:
            raise AlreadyIssued(
                f"invoice {existing.number} for {period} is {existing.status.value}",
                invoice_id=str(existing.id),
            )
        start = _date(terms["term"].get("start_date"))
        end = service_end(terms)
        window = service_window(period, start, end)
        if window is None:
            raise NotBillable(f"contract {contract_id} was not in service during {period}")
        plan = await self.plans.by_contract(contract_id)
        if plan is None:
            raise NotBillable(f"contract {contract_id} has no price plan")
        version = await self.plans.version_on(plan.id, window.start)
        if version is None:
            # The plan starts during the period: billing starts with it.
            version = await self.plans.version_on(plan.id, window.end)
            if version is None:
                raise NotBillable(
                    f"the price plan of contract {contract_id} starts after {window.end}"
                )
            window = ServiceWindow(version.effective_from, window.end)
        plan_terms = PlanTerms.model_validate(version.terms)
        # Versions taking effect after the first day in service split the period.
        later = [
            v
            for v in await self.plans.versions([plan.id])
            if window.start < v.effective_from <= window.end
        ]
        later.sort(key=lambda v: v.effective_from)
        segments = [(version, plan_terms)] + [(v, PlanTerms.model_validate(v.terms)) for v in later]
        # Usage of each version's days: the first from the period's first day, the last to its
        # last day (as an unsplit period counts the whole month); one segment asks for the month.
        starts = [period.start] + [v.effective_from for v in later]
        ends = [d - timedelta(days=1) for d in starts[1:]] + [period.end]
        split = len(segments) > 1
        calls = [
            (i, q, (first, last) if split else None)
            for i, ((_, t), first, last) in enumerate(zip(segments, starts, ends, strict=True))
            for q in usage_queries(t)
        ]

        # The usage queries and the SLA report are independent: ask for them at once.
        started = time.perf_counter()
        answers = await asyncio.gather(
            *(
                self.upstream.metrics.usage(contract_id, str(period), q, days=days, token=token)
                for _, q, days in calls
            ),
            self.upstream.metrics.sla_report(contract_id, str(period), token=token),
            return_exceptions=True,
        )
        self.waited += time.perf_counter() - started
        fetched: list[dict[str, Any]] = []
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
            fetched.append(answer)
        usage: list[dict[UsageQuery, dict[str, Any]]] = [{} for _ in segments]
        for (i, q, _), answer in zip(calls, fetched[:-1], strict=True):
            usage[i][q] = answer
        report = fetched[-1]
        plan_id = str(plan.id)
        changes = tuple(
            PriceChange(
                effective_from=v.effective_from,
                terms=t,
                plan_source={"price_plan_id": plan_id, "plan_version": v.version},
                usage=usage[i],
            )
            for i, (v, t) in enumerate(segments[1:], start=1)
        )
        last_version, last_terms = segments[-1]
        termination = terms.get("termination") or {}
        fee, fee_date = None, None
        effective = _date(termination.get("effective_date"))
        if (
            termination.get("requested")
            and effective is not None
            and period.start <= effective <= period.end
            and termination.get("early_termination_fee") is not None
        ):
            fee, fee_date = Decimal(str(termination["early_termination_fee"])), effective
        try:
            priced = price_period(
                PricingInput(
                    currency=plan.currency,
                    period=period,
                    window=window,
                    terms=plan_terms,
                    plan_source={"price_plan_id": plan_id, "plan_version": version.version},
                    usage=usage[0],
                    report=report,
                    credit_terms=CreditTerms.from_json(terms.get("service_credit_terms")),
                    billed_one_time=frozenset(
                        await self.invoices.billed_one_time_keys(contract_id, str(period))
                    ),
                    termination_fee=fee,
                    termination_date=fee_date,
                    changes=changes,
                )
            )
        except UsageMissing as exc:
            raise UpstreamError("metrics", str(exc)) from exc

        payment_days = last_terms.payment_terms_days
        if payment_days is None:
            payment_days = int(terms.get("payment_terms_days") or 30)
        values: dict[str, Any] = {
            "operator_id": uuid.UUID(str(terms["operator_id"])),
            "client_id": client_id,
            "contract_id": contract_id,
            "contract_number": terms.get("number"),
            "period": str(period),
            "period_start": period.start,
            "period_end": period.end,
            "service_from": window.start,
            "service_to": window.end,
            "currency": plan.currency,
            "price_plan_id": plan.id,
            "plan_version": last_version.version,  # lines cite their own
            "sla_report_id": str(report["id"]),
            "payment_terms_days": payment_days,
            "subtotal": priced.subtotal,
            "tax_rate_percent": priced.tax_rate_percent,
            "tax_name": await self._tax_name(last_version.tax_rate_id),
            "tax": priced.tax,
            "total": priced.total,
            "credit_base": priced.credit_base,
            "at_risk": priced.at_risk,
            "credit_terms": _credit_terms(terms.get("service_credit_terms")),
            # Both parties as they are today, frozen with the invoice when it is issued.
            "seller": _party(terms.get("operator"), remittance=True),
            "buyer": _party(terms.get("client")),
            "service_levels": _named(priced.service_levels, terms.get("service_levels")),
        }
        values["fingerprint"] = fingerprint(values, priced)
        return await self._write(values, priced, last_version.version)

    async def _tax_name(self, tax_rate_id: uuid.UUID | None) -> str | None:
        if tax_rate_id is None:
            return None
        rate = await self.plans.tax_rate(tax_rate_id)
        return rate.name if rate is not None else None

    async def _write(self, values: dict[str, Any], priced: Priced, version: int) -> DraftResult:
        contract_id, period = values["contract_id"], values["period"]
        invoice = await self.invoices.find_open(contract_id, period, for_update=True)
        if invoice is None:
            await self.invoices.insert_draft({"id": uuid7(), **values})
            invoice = await self.invoices.find_open(contract_id, period, for_update=True)
            assert invoice is not None
        # Re-check under the lock: someone may have issued it since we looked.
        if invoice.status is not InvoiceStatus.draft:
            raise AlreadyIssued(
                f"invoice {invoice.number} for {period} is {invoice.status.value}",
                invoice_id=str(invoice.id),
            )
        has_lines = bool(await self.invoices.lines(invoice.id))
        if has_lines and invoice.fingerprint == values["fingerprint"]:
            return DraftResult(invoice, "unchanged")
        outcome = "updated" if has_lines else "created"
        for field, value in values.items():
            setattr(invoice, field, value)
        if outcome == "updated":
            invoice.revision += 1
        invoice.computed_at = datetime.now(UTC)
        await self.invoices.replace_lines(invoice.id, to_rows(invoice.id, priced, version))
        log.info("invoice.drafted", invoice_id=str(invoice.id), outcome=outcome)
        return DraftResult(invoice, outcome)


def to_rows(invoice_id: uuid.UUID, priced: Priced, version: int) -> list[InvoiceLine]:
    return [
        InvoiceLine(
            invoice_id=invoice_id,
            position=i,
            key=line.key,
            kind=line.kind,
            description=line.description,
            charge_key=line.charge_key,
            charge_model=line.charge_model,
            plan_version=int(line.source.get("plan_version") or version)
            if line.kind in ("charge", "one_time", "true_up")
            else None,
            quantity=line.quantity.quantize(Decimal("1e-10")),
            unit_price=None
            if line.unit_price is None
            else line.unit_price.quantize(Decimal("1e-10")),
            tier=line.tier,
            amount=line.amount,
            source=line.source,
            sla_key=line.sla_key,
            sla_target=line.sla_target,
            sla_measured=line.sla_measured,
            report_id=line.report_id,
        )
        for i, line in enumerate(priced.lines, start=1)
    ]


def fingerprint(values: dict[str, Any], priced: Priced) -> str:
    content = {
        **{k: v for k, v in values.items() if k != "fingerprint"},
        "lines": [line.as_json() for line in priced.lines],
    }
    raw = json.dumps(content, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def _party(data: Any, *, remittance: bool = False) -> dict[str, Any]:
    """The party as printed on the invoice; the seller (the operator) with its remittance
    details, where the client pays."""
    fields: tuple[str, ...] = (
        "legal_name",
        "display_name",
        "tax_id",
        "billing_email",
        "country",
        "postal_address",
    )
    fields += ("remittance",) if remittance else ()
    data = data if isinstance(data, dict) else {}
    return {f: data.get(f) for f in fields}


def _credit_terms(data: Any) -> dict[str, Any] | None:
    data = data if isinstance(data, dict) else {}
    fields = ("at_risk_percent", "credit_cap_percent", "pool_cap_percent")
    if all(data.get(f) is None for f in fields):
        return None
    return {f: None if data.get(f) is None else str(data[f]) for f in fields}


def _named(summary: list[dict[str, Any]], levels: Any) -> list[dict[str, Any]]:
    """The SLA summary with each service level's name, threshold and unit as the contract
    gives them (a contract read without them leaves them out: the invoice prints the key)."""
    by_key = {s.get("key"): s for s in levels or [] if isinstance(s, dict)}
    named = []
    for entry in summary:
        level = by_key.get(entry.get("key")) or {}
        named.append(
            {
                **entry,
                "name": level.get("name"),
                "threshold_seconds": level.get("threshold_seconds"),
                "unit": level.get("unit"),
            }
        )
    return named
