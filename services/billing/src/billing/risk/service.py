"""Money at risk: the credit the period's invoice would carry if the period ended as projected.

The projection of every service level is the metrics service's (``GET /v1/sla-projections``);
the money is priced here by the invoice engine itself (``pricing.engine.price_period``) with the
contract's plan and service-credit terms, month-to-date usage scaled to the period's end, and
the projected results in place of the SLA report: no second implementation of the credit rules.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from billing.invoices.drafting import period_billing_terms
from billing.invoices.repository import InvoiceRepository
from billing.price_plans.models import PricePlan, PricePlanVersion
from billing.price_plans.repository import PricePlanRepository
from billing.pricing.credits import CreditTerms
from billing.pricing.engine import (
    PricingInput,
    UsageMissing,
    UsageQuery,
    price_period,
    usage_queries,
)
from billing.pricing.periods import Period, service_window
from billing.pricing.plan import PlanTerms
from billing.risk.schemas import (
    MoneyAtRisk,
    PortfolioEntry,
    PortfolioTotal,
    SlaRiskRead,
)
from billing.upstream import Upstream
from shared.auth import Principal
from shared.errors import AppError, NotFound, UpstreamError
from shared.money import money_text

USAGE_FIELDS = ("handled_contacts", "handled_minutes", "offered_contacts", "productive_agent_hours")
MET = {"secured": "met", "lost": "missed"}


def projected_results(projection: dict[str, Any]) -> list[dict[str, Any]]:
    """The projection's levels as the SLA report's results: the projected value is the
    measured one, met or missed by the report's own rule (six decimals, half up)."""
    results = []
    for level in projection["levels"]:
        value = level.get("projected_value")
        status = MET.get(level["status"])
        if status is None:
            if value is None:
                status = "no_data"
            else:
                measured = Decimal(str(value)).quantize(Decimal("0.000001"), ROUND_HALF_UP)
                target = Decimal(level["target"])
                good = (
                    measured >= target if level["direction"] == "at_least" else measured <= target
                )
                status = "met" if good else "missed"
        results.append(
            {
                "key": level["key"],
                "metric": level["metric"],
                "target": level["target"],
                "direction": level["direction"],
                "measured": None if value is None else str(value),
                "status": status,
                "pool_share": level.get("pool_share"),
                "critical": level.get("critical", False),
            }
        )
    return results


def scaled(answer: dict[str, Any], factor: Decimal) -> dict[str, Any]:
    out = dict(answer)
    for name in USAGE_FIELDS:
        if answer.get(name) is not None:
            out[name] = str((Decimal(str(answer[name])) * factor).quantize(Decimal("0.0001")))
    return out


@dataclass(frozen=True)
class Billed:
    """What billing holds about a contract's period: its plan, the plan version in effect,
    and the one-time fees its invoices already billed. Read before the upstream questions, so
    that many contracts' risks can be asked at once over one database session."""

    plan: PricePlan | None
    version: PricePlanVersion | None
    billed_one_time: frozenset[str]


async def billed(
    plans: PricePlanRepository,
    invoices: InvoiceRepository,
    contract_id: uuid.UUID,
    period: Period,
) -> Billed:
    plan = await plans.by_contract(contract_id)
    if plan is None:
        return Billed(None, None, frozenset())
    version = await plans.version_on(plan.id, period.start) or await plans.version_on(
        plan.id, period.end
    )
    one_time = frozenset(await invoices.billed_one_time_keys(contract_id, str(period)))
    return Billed(plan, version, one_time)


async def sla_risk(
    held: Billed,
    upstream: Upstream,
    principal: Principal,
    contract_id: uuid.UUID,
    period_text: str,
    as_of: datetime,
) -> SlaRiskRead:
    period = Period.parse(period_text)
    token = principal.token
    # The projection reads the contract with the caller's token: another tenant's is a 404.
    projection = await upstream.metrics.sla_projection(contract_id, period_text, as_of, token=token)
    observed_until = datetime.fromisoformat(projection["observed_until"])

    def answer(money: MoneyAtRisk | None, note: str | None = None) -> SlaRiskRead:
        return SlaRiskRead(
            contract_id=contract_id,
            period=period_text,
            as_of=as_of,
            observed_until=observed_until,
            projection=projection,
            money_at_risk=money,
            note=note,
        )

    terms = await period_billing_terms(upstream, contract_id, period, token=token)
    if not principal.can_see_client(uuid.UUID(str(terms["client_id"]))):
        raise NotFound(f"no contract {contract_id}")
    plan, version = held.plan, held.version
    if plan is None:
        return answer(None, "the contract has no price plan: nothing to price")
    if version is None:
        return answer(None, "no version of the price plan is in effect in the period")
    plan_terms = PlanTerms.model_validate(version.terms)

    # Month-to-date usage: the local days up to the one observed_until falls in (the whole of
    # it: asked about now, nothing later has happened yet).
    local = observed_until.astimezone(ZoneInfo(projection["time_zone"]))
    last_day = local.date() if local.time() != time() else local.date() - timedelta(days=1)
    if last_day < period.start:
        return answer(None, "nothing of the period has been observed yet: no usage to scale")
    days = (period.start, min(last_day, period.end))
    # The plan's usage questions, and the unfiltered one whose offered contacts the forecast
    # of contacts is compared with.
    queries = list(dict.fromkeys([UsageQuery(), *usage_queries(plan_terms)]))
    answers = {
        q: await upstream.metrics.usage(contract_id, period_text, q, days=days, token=token)
        for q in queries
    }
    so_far = Decimal(str(answers[UsageQuery()].get("offered_contacts") or 0))
    if so_far <= 0:
        return answer(None, "no contacts so far: no usage to scale")
    expected = Decimal(str(projection["contacts_expected"]))
    factor = ((so_far + expected) / so_far).quantize(Decimal("0.000001"), ROUND_HALF_UP)
    usage = {q: scaled(a, factor) for q, a in answers.items()}
    try:
        priced = price_period(
            PricingInput(
                currency=plan.currency,
                period=period,
                window=service_window(period, None, None),  # type: ignore[arg-type]
                terms=plan_terms,
                plan_source={"price_plan_id": str(plan.id), "plan_version": version.version},
                usage=usage,
                report={"id": "projection", "results": projected_results(projection)},
                credit_terms=CreditTerms.from_json(terms.get("service_credit_terms")),
                billed_one_time=held.billed_one_time,
            )
        )
    except UsageMissing as exc:  # as the invoice draft: never priced as zero
        raise UpstreamError("metrics", str(exc)) from exc
    lines = [line.as_json(plan.currency) for line in priced.lines]
    credit = -sum((Decimal(str(line["amount"])) for line in lines if line["kind"] == "credit"),
                  Decimal(0))  # fmt: skip
    return answer(
        MoneyAtRisk(
            currency=plan.currency,
            credit=money_text(credit, plan.currency),
            at_risk=money_text(priced.at_risk, plan.currency),
            credit_base=money_text(priced.credit_base, plan.currency),
            projected_subtotal=money_text(priced.subtotal, plan.currency),
            usage_factor=str(factor),
            usage_days=days,
            lines=lines,
        )
    )


# Worst first: a level lost, then at risk, then on track ...
STATUS_RANK = {"lost": 0, "at_risk": 1, "on_track": 2, "secured": 3, "not_projected": 4}
PORTFOLIO_CONCURRENCY = 4


async def portfolio(
    plans: PricePlanRepository,
    invoices: InvoiceRepository,
    upstream: Upstream,
    principal: Principal,
    period_text: str,
    as_of: datetime,
) -> tuple[list[PortfolioEntry], list[PortfolioTotal]]:
    """Every contract in service in the period that the caller may see, worst first, with
    the money at risk per currency. Each contract's risk is what ``GET /v1/sla-risk``
    answers for it, a few at a time (each asks metrics for a month of history); what billing
    holds is read first, contract by contract (a session serves one query at a time)."""
    period = Period.parse(period_text)
    listed = await upstream.contracts.contracts_in_service(
        period.start, period.end, token=principal.token
    )
    visible = [c for c in listed if principal.can_see_client(uuid.UUID(str(c["client_id"])))]
    gate = asyncio.Semaphore(PORTFOLIO_CONCURRENCY)
    held = {
        str(c["id"]): await billed(plans, invoices, uuid.UUID(str(c["id"])), period)
        for c in visible
    }

    async def one(contract: dict[str, Any]) -> PortfolioEntry:
        contract_id = uuid.UUID(str(contract["id"]))
        base = {
            "contract_id": contract_id,
            "contract_number": contract.get("number"),
            "client_id": uuid.UUID(str(contract["client_id"])),
            "client_name": contract.get("client_name"),
        }
        async with gate:
            try:
                risk = await sla_risk(
                    held[str(contract["id"])], upstream, principal, contract_id, period_text, as_of
                )
            except AppError as exc:
                # No version in effect in the period, nothing to project, or an upstream that
                # failed for this contract: listed with the reason, not ranked.
                return PortfolioEntry(
                    **base,
                    status="not_projected",
                    levels_at_risk=0,
                    lowest_probability=None,
                    currency=None,
                    money_at_risk=None,
                    note=exc.detail,
                )
        levels = risk.projection["levels"]
        statuses = [level["status"] for level in levels] or ["not_projected"]
        probabilities = [
            level["probability_met"] for level in levels if level["probability_met"] is not None
        ]
        money = risk.money_at_risk
        return PortfolioEntry(
            **base,
            status=min(statuses, key=lambda s: STATUS_RANK.get(s, 4)),
            levels_at_risk=sum(s in ("at_risk", "lost") for s in statuses),
            lowest_probability=min(probabilities) if probabilities else None,
            currency=money.currency if money else None,
            money_at_risk=money.credit if money else None,
            note=risk.note,
        )

    entries = list(await asyncio.gather(*(one(c) for c in visible)))
    entries.sort(
        key=lambda e: (
            STATUS_RANK.get(e.status, 4),
            -Decimal(e.money_at_risk or 0),
            e.lowest_probability if e.lowest_probability is not None else 1.0,
            e.contract_number or "",
        )
    )
    sums: dict[str, Decimal] = {}
    for entry in entries:
        if entry.currency and entry.money_at_risk is not None:
            sums[entry.currency] = sums.get(entry.currency, Decimal(0)) + Decimal(
                entry.money_at_risk
            )
    totals = [
        PortfolioTotal(currency=c, money_at_risk=money_text(v, c)) for c, v in sorted(sums.items())
    ]
    return entries, totals
