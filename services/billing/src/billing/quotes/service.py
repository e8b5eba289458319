"""Quotes: the invoice engine run on hypothetical volumes and SLA results; nothing is stored.

A quote prices what an invoice of the same plan would with the same usage: the volumes become the
engine's usage answers (``quotes/usage.py``), a contract's service-credit terms are read from
contracts as the invoice draft reads them, and one-time fees already billed on an issued invoice
of the contract are left out, each with a note naming that invoice.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from billing.invoices.drafting import period_billing_terms
from billing.invoices.repository import InvoiceRepository
from billing.price_plans.repository import PricePlanRepository
from billing.pricing.credits import CreditTerms
from billing.pricing.engine import PricingInput, price_period
from billing.pricing.periods import Period, service_window
from billing.pricing.plan import ChargeModel, PlanTerms, check_terms
from billing.quotes.schemas import CreditTermsUsed, QuoteNote, QuoteRead, QuoteRequest
from billing.quotes.usage import UsageEntry, usage_answers
from billing.upstream import Upstream
from shared.auth import Principal
from shared.errors import NotFound, ValidationFailed
from shared.money import money_text, plain_text


def usage_entries(data: QuoteRequest) -> tuple[list[UsageEntry], bool]:
    """The request's volumes as entries, and whether they came in the older totals form."""
    if isinstance(data.usage, dict):
        return [
            UsageEntry(metric, None, None, value, f"usage.{metric.value}")
            for metric, value in data.usage.items()
        ], True
    return [
        UsageEntry(u.metric, u.channel, u.queue, u.quantity, f"usage[{i}]")
        for i, u in enumerate(data.usage)
    ], False


async def credit_terms_for(
    upstream: Upstream,
    principal: Principal,
    data: QuoteRequest,
    contract_id: uuid.UUID | None,
    period: Period,
) -> tuple[dict[str, Any] | None, CreditTermsUsed]:
    """The service-credit terms the quote uses, and where they came from: the request's when
    given, else the contract's on the period (read as the invoice draft reads them)."""
    if data.service_credit_terms is not None:
        raw: dict[str, Any] | None = data.service_credit_terms.model_dump(mode="json")
        source = "request"
    elif contract_id is not None:
        try:
            terms = await period_billing_terms(upstream, contract_id, period, token=principal.token)
        except NotFound as exc:
            # As POST /v1/invoices: unknown, another client's, or not in force in the period.
            raise NotFound(
                f"no contract {contract_id} in force during {period} (give "
                "service_credit_terms to quote without it)"
            ) from exc
        if not principal.can_see_client(uuid.UUID(str(terms["client_id"]))):
            raise NotFound(f"no contract {contract_id}")
        raw, source = terms.get("service_credit_terms"), "contract"
    else:
        raw, source = None, "none"
    credit = CreditTerms.from_json(raw)
    used = CreditTermsUsed(
        source=source,
        contract_id=contract_id if source == "contract" else None,
        at_risk_percent=str(credit.at_risk_percent),
        credit_cap_percent=None
        if credit.credit_cap_percent is None
        else str(credit.credit_cap_percent),
        pool_cap_percent=None if credit.pool_cap_percent is None else str(credit.pool_cap_percent),
        bonus_rules=list((raw or {}).get("bonus_rules") or []),
    )
    return raw, used


async def quote(
    plans: PricePlanRepository,
    invoices: InvoiceRepository,
    upstream: Upstream,
    principal: Principal,
    data: QuoteRequest,
) -> QuoteRead:
    period = Period.parse(data.period)
    plan_id, version_number = None, None
    contract_id = data.contract_id
    if (data.price_plan_id is None) == (data.plan is None):
        raise ValidationFailed.on("price_plan_id", "give price_plan_id or plan (exactly one)")
    if data.plan is not None:
        if data.currency is None:
            raise ValidationFailed.on("currency", "required with an inline plan")
        check_terms(data.plan, "plan.")
        terms, currency = data.plan, data.currency
    else:
        assert data.price_plan_id is not None
        plan = await plans.get(data.price_plan_id)
        if plan is None or not principal.can_see_client(plan.client_id):
            raise NotFound(f"no price plan {data.price_plan_id}")
        if contract_id is not None and contract_id != plan.contract_id:
            raise ValidationFailed.on(
                "contract_id", f"the price plan belongs to contract {plan.contract_id}"
            )
        contract_id = plan.contract_id
        on = data.on or datetime.now(UTC).date()
        version = await plans.version_on(plan.id, on)
        if version is None:
            raise ValidationFailed.on("on", f"no version of the plan in effect on {on}")
        terms = PlanTerms.model_validate(version.terms)
        currency, plan_id, version_number = plan.currency, plan.id, version.version
    entries, totals_form = usage_entries(data)
    usage = usage_answers(terms, entries, totals_form)
    credit_json, credit_used = await credit_terms_for(
        upstream, principal, data, contract_id, period
    )

    # One-time fees an issued invoice of the contract already billed are not quoted again.
    notes: list[QuoteNote] = []
    billed: dict[str, tuple[uuid.UUID, str | None]] = {}
    if contract_id is not None:
        for key, invoice_id, number in await invoices.issued_one_time_charges(contract_id):
            billed.setdefault(key, (invoice_id, number))
    for charge in terms.charges:
        if charge.model is ChargeModel.one_time and charge.key in billed:
            invoice_id, number = billed[charge.key]
            notes.append(
                QuoteNote(
                    charge_key=charge.key,
                    message=f"one-time charge {charge.key} already billed on invoice {number}",
                    invoice_id=invoice_id,
                    invoice_number=number,
                )
            )

    report = None
    if data.sla_results:
        report = {
            "id": "hypothetical",
            "results": [r.model_dump(mode="json") for r in data.sla_results],
        }
    priced = price_period(
        PricingInput(
            currency=currency,
            period=period,
            window=service_window(period, None, None),  # type: ignore[arg-type]
            terms=terms,
            plan_source={
                "price_plan_id": str(plan_id) if plan_id else None,
                "plan_version": version_number,
            },
            usage=usage,
            report=report,
            credit_terms=CreditTerms.from_json(credit_json),
            billed_one_time=frozenset(billed),
        )
    )
    return QuoteRead(
        currency=currency,
        period=str(period),
        price_plan_id=plan_id,
        plan_version=version_number,
        lines=[line.as_json(currency) for line in priced.lines],
        subtotal=money_text(priced.subtotal, currency),
        tax_rate_percent=None
        if priced.tax_rate_percent is None
        else plain_text(priced.tax_rate_percent),
        tax=money_text(priced.tax, currency),
        total=money_text(priced.total, currency),
        credit_base=money_text(priced.credit_base, currency),
        at_risk=money_text(priced.at_risk, currency),
        service_levels=priced.service_levels,
        service_credit_terms=credit_used,
        notes=notes,
    )
