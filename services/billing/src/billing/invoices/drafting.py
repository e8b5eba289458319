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
from billing.price_plans.models import PricePlan, PricePlanVersion
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


@dataclass(frozen=True)
class PlanSegment:
    """The days one plan version prices: its version, its terms and the usage of its days."""

    version: PricePlanVersion
    terms: PlanTerms
    usage: dict[UsageQuery, dict[str, Any]]


@dataclass(frozen=True)
class Gathered:
    """Everything a period's draft depends on, read before any row is locked: the contract's
    billing terms, its days in service, its plan split by the versions in effect (each with
    the usage of its days), the period's SLA report and the one-time charges billed already."""

    contract_id: uuid.UUID
    period: Period
    terms: dict[str, Any]
    client_id: uuid.UUID
    window: ServiceWindow
    plan: PricePlan
    segments: list[PlanSegment]  # the first version's days first
    report: dict[str, Any]
    billed_one_time: frozenset[str]

    @property
    def last_version(self) -> PricePlanVersion:
        """The version in effect at the end of the period: the invoice cites it."""
        return self.segments[-1].version


class Drafter:
    """Drafts a period's invoice as a recipe: ``gather`` (the slow reads, nothing locked),
    ``price`` (the pure engine) and ``write`` (under the invoice's row lock)."""

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
        gathered = await self.gather(contract_id, period, principal=principal, token=token)
        priced = price(gathered)
        return await self.write(gathered, priced)

    # --- gather -----------------------------------------------------------------------------

    async def gather(
        self,
        contract_id: uuid.UUID,
        period: Period,
        *,
        principal: Principal | None = None,
        token: str | None = None,
    ) -> Gathered:
        """Read what the draft depends on, refusing early what cannot be drafted (another
        tenant's contract, an issued invoice, nothing to bill) before asking metrics."""
        terms, client_id = await self._contract_terms(contract_id, period, principal, token)
        await self._refuse_issued(contract_id, period)
        window, plan, versions = await self._plan_versions(contract_id, period, terms)
        usage, report = await self._figures(contract_id, period, versions, token)
        billed = await self.invoices.billed_one_time_keys(contract_id, str(period))
        return Gathered(
            contract_id=contract_id,
            period=period,
            terms=terms,
            client_id=client_id,
            window=window,
            plan=plan,
            segments=[PlanSegment(v, t, u) for (v, t), u in zip(versions, usage, strict=True)],
            report=report,
            billed_one_time=frozenset(billed),
        )

    async def _contract_terms(
        self,
        contract_id: uuid.UUID,
        period: Period,
        principal: Principal | None,
        token: str | None,
    ) -> tuple[dict[str, Any], uuid.UUID]:
        """The contract's billing terms for the period and its client; another tenant's
        contract is answered as a missing one, so its existence is not disclosed."""
        started = time.perf_counter()
        try:
            terms = await period_billing_terms(self.upstream, contract_id, period, token=token)
        finally:
            self.waited += time.perf_counter() - started
        client_id = uuid.UUID(str(terms["client_id"]))
        if principal is not None and not principal.can_see_client(client_id):
            raise NotFound(f"no contract {contract_id}")
        return terms, client_id

    async def _refuse_issued(self, contract_id: uuid.UUID, period: Period) -> None:
        """An issued invoice is never redrafted: refuse before the slow reads of usage (the
        write checks again under the lock, since one may be issued meanwhile)."""
        existing = await self.invoices.find_open(contract_id, str(period))
        if existing is not None and existing.status is not InvoiceStatus.draft:
            raise AlreadyIssued(
                f"invoice {existing.number} for {period} is {existing.status.value}",
                invoice_id=str(existing.id),
            )

    async def _plan_versions(
        self, contract_id: uuid.UUID, period: Period, terms: dict[str, Any]
    ) -> tuple[ServiceWindow, PricePlan, list[tuple[PricePlanVersion, PlanTerms]]]:
        """The days billed (in service, and from the plan's first version on) and the plan's
        versions priced in them, oldest first: a version taking effect after the first day
        billed splits the period."""
        window = service_window(period, _date(terms["term"].get("start_date")), service_end(terms))
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
        first = (version, PlanTerms.model_validate(version.terms))
        later = [
            v
            for v in await self.plans.versions([plan.id])
            if window.start < v.effective_from <= window.end
        ]
        later.sort(key=lambda v: v.effective_from)
        return window, plan, [first] + [(v, PlanTerms.model_validate(v.terms)) for v in later]

    async def _figures(
        self,
        contract_id: uuid.UUID,
        period: Period,
        versions: list[tuple[PricePlanVersion, PlanTerms]],
        token: str | None,
    ) -> tuple[list[dict[UsageQuery, dict[str, Any]]], dict[str, Any]]:
        """The usage each version's terms ask for, over its days, and the period's SLA report.

        They are independent, so they are asked at once. The first version's usage counts from
        the period's first day and the last one's to its last day (as an unsplit period counts
        the whole month); an unsplit period asks for the month."""
        starts = [period.start] + [v.effective_from for v, _ in versions[1:]]
        ends = [d - timedelta(days=1) for d in starts[1:]] + [period.end]
        split = len(versions) > 1
        calls = [
            (i, q, (first, last) if split else None)
            for i, ((_, t), first, last) in enumerate(zip(versions, starts, ends, strict=True))
            for q in usage_queries(t)
        ]
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
        usage: list[dict[UsageQuery, dict[str, Any]]] = [{} for _ in versions]
        for (i, q, _), answer in zip(calls, fetched[:-1], strict=True):
            usage[i][q] = answer
        return usage, fetched[-1]

    # --- write ------------------------------------------------------------------------------

    async def write(self, gathered: Gathered, priced: Priced) -> DraftResult:
        """Store the priced draft: its header values (with a fingerprint, so an unchanged
        result leaves the draft untouched) and its lines, under the invoice's row lock."""
        values = await self._invoice_values(gathered, priced)
        return await self._write(values, priced, gathered.last_version.version)

    async def _invoice_values(self, g: Gathered, priced: Priced) -> dict[str, Any]:
        """The invoice's header as the draft stores it: what it bills, the totals, and the
        parties and terms printed on it, as they are today."""
        terms, last_version = g.terms, g.last_version
        payment_days = g.segments[-1].terms.payment_terms_days
        if payment_days is None:
            payment_days = int(terms.get("payment_terms_days") or 30)
        values: dict[str, Any] = {
            "operator_id": uuid.UUID(str(terms["operator_id"])),
            "client_id": g.client_id,
            "contract_id": g.contract_id,
            "contract_number": terms.get("number"),
            "period": str(g.period),
            "period_start": g.period.start,
            "period_end": g.period.end,
            "service_from": g.window.start,
            "service_to": g.window.end,
            "currency": g.plan.currency,
            "price_plan_id": g.plan.id,
            "plan_version": last_version.version,  # lines cite their own
            "sla_report_id": str(g.report["id"]),
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
        return values

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


# --- price ----------------------------------------------------------------------------------


def price(gathered: Gathered) -> Priced:
    """Price the gathered period with the pure engine: the same inputs give the same lines.
    A usage figure metrics did not answer is an upstream error, never priced as 0."""
    try:
        return price_period(pricing_input(gathered))
    except UsageMissing as exc:
        raise UpstreamError("metrics", str(exc)) from exc


def pricing_input(g: Gathered) -> PricingInput:
    """The engine's input: the first version's terms and usage, each later version as a price
    change, the SLA report and credit terms, and an early termination fee that falls due in
    the period."""
    plan_id = str(g.plan.id)
    first, *later = g.segments
    fee, fee_date = termination_fee(g.terms, g.period)
    return PricingInput(
        currency=g.plan.currency,
        period=g.period,
        window=g.window,
        terms=first.terms,
        plan_source={"price_plan_id": plan_id, "plan_version": first.version.version},
        usage=first.usage,
        report=g.report,
        credit_terms=CreditTerms.from_json(g.terms.get("service_credit_terms")),
        billed_one_time=g.billed_one_time,
        termination_fee=fee,
        termination_date=fee_date,
        changes=tuple(
            PriceChange(
                effective_from=s.version.effective_from,
                terms=s.terms,
                plan_source={"price_plan_id": plan_id, "plan_version": s.version.version},
                usage=s.usage,
            )
            for s in later
        ),
    )


def termination_fee(terms: dict[str, Any], period: Period) -> tuple[Decimal | None, date | None]:
    """The early termination fee and its date, when the termination takes effect in the
    period (billed once, with the period it ends in)."""
    termination = terms.get("termination") or {}
    effective = _date(termination.get("effective_date"))
    if (
        termination.get("requested")
        and effective is not None
        and period.start <= effective <= period.end
        and termination.get("early_termination_fee") is not None
    ):
        return Decimal(str(termination["early_termination_fee"])), effective
    return None, None


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
