"""Quotes: the invoice engine run on hypothetical volumes and SLA results; nothing is stored."""

from __future__ import annotations

from datetime import UTC, datetime

from billing.price_plans.repository import PricePlanRepository
from billing.pricing.credits import CreditTerms
from billing.pricing.engine import PricingInput, price_period, usage_queries
from billing.pricing.periods import Period, service_window
from billing.pricing.plan import PlanTerms, check_terms
from billing.quotes.schemas import QuoteRead, QuoteRequest
from shared.auth import Principal
from shared.errors import NotFound, ValidationFailed
from shared.money import money_text, plain_text


async def quote(plans: PricePlanRepository, principal: Principal, data: QuoteRequest) -> QuoteRead:
    period = Period.parse(data.period)
    plan_id, version_number = None, None
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
        on = data.on or datetime.now(UTC).date()
        version = await plans.version_on(plan.id, on)
        if version is None:
            raise ValidationFailed.on("on", f"no version of the plan in effect on {on}")
        terms = PlanTerms.model_validate(version.terms)
        currency, plan_id, version_number = plan.currency, plan.id, version.version
    totals = {metric.value: value for metric, value in data.usage.items()}
    for charge in terms.charges:
        if charge.metric is not None and charge.metric.value not in totals:
            raise ValidationFailed.on(
                f"usage.{charge.metric.value}", f"charge {charge.key} needs this volume"
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
            usage=dict.fromkeys(usage_queries(terms), totals),
            report=report,
            credit_terms=CreditTerms.from_json(
                data.service_credit_terms.model_dump(mode="json")
                if data.service_credit_terms
                else None
            ),
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
    )
