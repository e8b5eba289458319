"""The pricing engine: pure functions from plain data (plan terms, usage, SLA report, contract
terms) to invoice lines and totals. No database, no HTTP: invoices, runs and quotes all call
``price_period`` and get the same lines for the same inputs.

Rounding: every line is computed at full precision and rounded half away from zero to the
currency's minor unit (ISO 4217); the net is the sum of rounded lines; tax is computed on the
net and rounded once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from typing import Any

from billing.pricing import rating
from billing.pricing.periods import Period, ServiceWindow
from billing.pricing.plan import RECURRING_MODELS, USAGE_MODELS, Charge, ChargeModel, PlanTerms
from shared.money import round_money

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class UsageMissing(Exception):
    """The usage the plan needs is not in what metrics answered: never priced as zero."""


@dataclass(frozen=True)
class UsageQuery:
    """One call to the metrics usage endpoint; usage charges sharing filters share a call."""

    increment_seconds: int = 1
    channel: str | None = None
    queue: str | None = None

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {"increment_seconds": self.increment_seconds}
        if self.channel:
            out["channel"] = self.channel
        if self.queue:
            out["queue"] = self.queue
        return out


def usage_query(charge: Charge) -> UsageQuery:
    increment = charge.increment_seconds if charge.metric == "handled_minutes" else 1
    return UsageQuery(increment, charge.channel, charge.queue)


def usage_queries(terms: PlanTerms) -> list[UsageQuery]:
    seen: dict[UsageQuery, None] = {}
    for charge in terms.charges:
        if charge.model in USAGE_MODELS:
            seen[usage_query(charge)] = None
    return list(seen)


@dataclass(frozen=True)
class CreditTerms:
    at_risk_percent: Decimal = ZERO
    credit_cap_percent: Decimal | None = None
    pool_cap_percent: Decimal | None = None
    bonus_rules: tuple[BonusRule, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> CreditTerms:
        if not data:
            return cls()

        def dec(value: Any) -> Decimal | None:
            return None if value is None else Decimal(str(value))

        return cls(
            at_risk_percent=dec(data.get("at_risk_percent")) or ZERO,
            credit_cap_percent=dec(data.get("credit_cap_percent")),
            pool_cap_percent=dec(data.get("pool_cap_percent")),
            bonus_rules=tuple(
                BonusRule(
                    str(r["service_level_key"]),
                    Decimal(str(r["bonus_target"])),
                    Decimal(str(r["bonus_percent"])),
                )
                for r in data.get("bonus_rules") or []
                if r.get("bonus_target") is not None and r.get("bonus_percent") is not None
            ),
        )


@dataclass(frozen=True)
class BonusRule:
    service_level_key: str
    bonus_target: Decimal
    bonus_percent: Decimal


@dataclass
class Line:
    key: str
    kind: str  # charge | one_time | true_up | credit | bonus | termination_fee
    description: str
    amount: Decimal
    quantity: Decimal = Decimal(1)
    unit_price: Decimal | None = None
    charge_key: str | None = None
    charge_model: str | None = None
    tier: int | None = None
    source: dict[str, Any] = field(default_factory=dict)
    sla_key: str | None = None
    sla_target: str | None = None
    sla_measured: str | None = None
    report_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        def s(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "key": self.key,
            "kind": self.kind,
            "description": self.description,
            "charge_key": self.charge_key,
            "charge_model": self.charge_model,
            "quantity": s(self.quantity),
            "unit_price": s(self.unit_price),
            "tier": self.tier,
            "amount": s(self.amount),
            "source": self.source,
            "sla_key": self.sla_key,
            "sla_target": self.sla_target,
            "sla_measured": self.sla_measured,
            "report_id": self.report_id,
        }


@dataclass
class Priced:
    currency: str
    lines: list[Line]
    recurring: Decimal
    true_up: Decimal
    credit_base: Decimal
    at_risk: Decimal
    credits: Decimal
    subtotal: Decimal
    tax_rate_percent: Decimal | None
    tax: Decimal
    total: Decimal
    service_levels: list[dict[str, Any]]


@dataclass(frozen=True)
class PricingInput:
    """Everything one period's price depends on, as plain values."""

    currency: str
    period: Period
    window: ServiceWindow  # days in service within the period
    terms: PlanTerms
    plan_source: Mapping[str, Any]  # {"price_plan_id", "version"} cited on every charge line
    usage: Mapping[UsageQuery, Mapping[str, Any]]  # metrics' usage answers by query
    report: Mapping[str, Any] | None = None  # the period's SLA report
    credit_terms: CreditTerms = CreditTerms()
    billed_one_time: frozenset[str] = frozenset()  # one-time charges already invoiced
    termination_fee: Decimal | None = None
    termination_date: date | None = None


def price_period(data: PricingInput) -> Priced:
    with localcontext() as ctx:
        ctx.prec = 60
        return _price(data)


def _price(data: PricingInput) -> Priced:
    cur = data.currency
    lines: list[Line] = []
    recurring = ZERO
    for charge in data.terms.charges:
        charge_lines = _charge_lines(data, charge)
        for line in charge_lines:
            line.amount = round_money(line.amount, cur)
            if charge.model in RECURRING_MODELS:
                recurring += line.amount
        lines += charge_lines

    true_up = ZERO
    minimum = data.terms.minimum_commitment
    if minimum is not None:
        prorated = rating.rate_fixed(minimum, data.window.days, data.period.days).amount
        true_up = round_money(max(ZERO, prorated - recurring), cur)
        if true_up > 0:
            lines.append(
                Line(
                    key="true_up",
                    kind="true_up",
                    description="Minimum commitment true-up",
                    amount=true_up,
                    quantity=Decimal(1),
                    unit_price=true_up,
                    source={
                        **data.plan_source,
                        "minimum_commitment": str(minimum),
                        "prorated_minimum": str(prorated),
                        "recurring_charges": str(recurring),
                        "days_in_service": data.window.days,
                        "days_in_period": data.period.days,
                    },
                )
            )

    base = recurring + true_up
    credit_lines, at_risk, summary = service_credits(base, data.report, data.credit_terms, cur)
    lines += credit_lines

    if data.termination_fee is not None and data.termination_fee > 0:
        lines.append(
            Line(
                key="termination_fee",
                kind="termination_fee",
                description="Early-termination fee",
                amount=round_money(data.termination_fee, cur),
                unit_price=data.termination_fee,
                source={"termination_effective_date": str(data.termination_date)},
            )
        )

    subtotal = sum((line.amount for line in lines), ZERO)
    rate = data.terms.tax_rate_percent
    tax = round_money(subtotal * rate / HUNDRED, cur) if rate else round_money(ZERO, cur)
    return Priced(
        currency=cur,
        lines=lines,
        recurring=recurring,
        true_up=true_up,
        credit_base=base,
        at_risk=at_risk,
        credits=sum((ln.amount for ln in credit_lines if ln.kind == "credit"), ZERO),
        subtotal=round_money(subtotal, cur),
        tax_rate_percent=rate,
        tax=tax,
        total=round_money(subtotal + tax, cur),
        service_levels=summary,
    )


def _charge_lines(data: PricingInput, charge: Charge) -> list[Line]:
    plan = dict(data.plan_source)
    match charge.model:
        case ChargeModel.fixed:
            assert charge.amount is not None
            rated = rating.rate_fixed(charge.amount, data.window.days, data.period.days)
            note = (
                ""
                if data.window.days == data.period.days
                else f" ({data.window.days}/{data.period.days} days)"
            )
            return [
                Line(
                    key=f"charge:{charge.key}",
                    kind="charge",
                    description=charge.name + note,
                    amount=rated.amount,
                    quantity=rated.quantity,
                    unit_price=rated.unit_price,
                    source={
                        **plan,
                        "service_from": str(data.window.start),
                        "service_to": str(data.window.end),
                        "days_in_service": data.window.days,
                        "days_in_period": data.period.days,
                    },
                    charge_key=charge.key,
                    charge_model=charge.model.value,
                )
            ]
        case ChargeModel.one_time:
            assert charge.amount is not None
            bill_on = charge.bill_on
            due = bill_on is None or bill_on <= data.period.end
            if not due or charge.key in data.billed_one_time:
                return []
            return [
                Line(
                    key=f"one_time:{charge.key}",
                    kind="one_time",
                    description=charge.name,
                    amount=charge.amount,
                    unit_price=charge.amount,
                    source={**plan, "bill_on": str(bill_on) if bill_on else None},
                    charge_key=charge.key,
                    charge_model=charge.model.value,
                )
            ]
    # usage charges
    assert charge.metric is not None
    query = usage_query(charge)
    answer = data.usage.get(query)
    if answer is None or answer.get(charge.metric.value) is None:
        raise UsageMissing(f"no {charge.metric.value} usage for charge {charge.key}")
    units = Decimal(str(answer[charge.metric.value]))
    source = {
        **plan,
        "metric": charge.metric.value,
        "period": str(data.period),
        "usage_query": query.params(),
        "usage_total": str(units),
    }
    if charge.model is ChargeModel.per_unit:
        assert charge.unit_price is not None
        rated = rating.rate_per_unit(units, charge.unit_price)
        return [_usage_line(charge, f"charge:{charge.key}", charge.name, rated, source)]
    if charge.model is ChargeModel.package:
        assert charge.package_size is not None and charge.package_price is not None
        rated = rating.rate_package(
            units, charge.package_size, charge.package_price, charge.free_units
        )
        source |= {"package_size": str(charge.package_size), "free_units": str(charge.free_units)}
        name = f"{charge.name} ({rated.quantity} x {charge.package_size})"
        return [_usage_line(charge, f"charge:{charge.key}", name, rated, source)]
    tiers = charge.tiers or []
    if charge.model is ChargeModel.volume:
        volume = rating.rate_volume(units, tiers)
        if volume is None:
            return [
                _usage_line(
                    charge,
                    f"charge:{charge.key}",
                    charge.name,
                    rating.Rated(ZERO, tiers[0].unit_price, ZERO, None),
                    source,
                )
            ]
        return [
            _usage_line(
                charge,
                f"charge:{charge.key}",
                f"{charge.name} — {_tier_text(volume)}",
                volume,
                source,
            )
        ]
    pieces = rating.rate_graduated(units, tiers)
    if not pieces:
        zero = rating.Rated(ZERO, tiers[0].unit_price, ZERO, None)
        return [_usage_line(charge, f"charge:{charge.key}", charge.name, zero, source)]
    return [
        _usage_line(
            charge,
            f"charge:{charge.key}:tier{piece.tier}",
            f"{charge.name} — {_tier_text(piece)}",
            piece,
            source,
        )
        for piece in pieces
    ]


def _tier_text(piece: rating.Rated) -> str:
    low = piece.tier_from or ZERO
    high = "and above" if piece.tier_to is None else f"to {piece.tier_to}"
    return f"tier {piece.tier} (above {low} {high})"


def _usage_line(
    charge: Charge, key: str, description: str, rated: rating.Rated, source: dict[str, Any]
) -> Line:
    extra: dict[str, Any] = {}
    if rated.flat_fee:
        extra["flat_fee"] = str(rated.flat_fee)
    if rated.tier is not None:
        extra["tier_from"] = str(rated.tier_from or ZERO)
        extra["tier_to"] = None if rated.tier_to is None else str(rated.tier_to)
    return Line(
        key=key,
        kind="charge",
        description=description,
        amount=rated.amount,
        quantity=rated.quantity,
        unit_price=rated.unit_price,
        tier=rated.tier,
        charge_key=charge.key,
        charge_model=charge.model.value,
        source={**source, **extra},
    )


# --- service credits and bonuses ---------------------------------------------------------


def _beats(measured: Decimal, target: Decimal, direction: str) -> bool:
    return measured >= target if direction == "at_least" else measured <= target


def service_credits(
    base: Decimal,
    report: Mapping[str, Any] | None,
    terms: CreditTerms,
    currency: str,
) -> tuple[list[Line], Decimal, list[dict[str, Any]]]:
    """Credits (negative lines) and bonuses (positive lines) for one period.

    - at-risk amount = at-risk % x credit base (recurring charges + true-up);
    - each *missed* service level with a pool share earns share x at-risk; "no data" is not a
      miss; a service level without a share is reported, not credited;
    - the total is capped at the at-risk amount (and at credit-cap % of the base when the
      contract sets one); over the cap every credit is scaled pro rata, each rounded, and the
      rounding remainder goes to the largest line, so the lines add up exactly to the cap;
    - a bonus rule adds bonus % x base when its service level meets its bonus target.
    """
    at_risk = base * terms.at_risk_percent / HUNDRED
    if report is None:
        return [], at_risk, []
    report_id = str(report.get("id"))
    results: Sequence[Mapping[str, Any]] = report.get("results") or []
    summary: list[dict[str, Any]] = []
    raw: list[tuple[Mapping[str, Any], Decimal]] = []
    for result in results:
        status = result.get("status")
        share = result.get("pool_share")
        entry = {
            "key": result.get("key"),
            "metric": result.get("metric"),
            "target": result.get("target"),
            "direction": result.get("direction"),
            "measured": result.get("measured"),
            "status": status,
            "pool_share": share,
            "credit": None,
            "bonus": None,
            "note": None,
        }
        if status == "missed":
            if share is None or Decimal(str(share)) == 0:
                entry["note"] = "missed; no pool share, so reported and not credited"
            else:
                raw.append((result, Decimal(str(share)) * at_risk))
        elif status == "no_data":
            entry["note"] = "no data is not a miss"
        summary.append(entry)

    cap = at_risk
    if terms.credit_cap_percent is not None:
        cap = min(cap, base * terms.credit_cap_percent / HUNDRED)
    amounts = allocate_credits([amount for _, amount in raw], cap, currency)

    lines: list[Line] = []
    by_key = {entry["key"]: entry for entry in summary}
    for (result, unscaled), amount in zip(raw, amounts, strict=True):
        key = str(result["key"])
        by_key[key]["credit"] = str(-amount)
        lines.append(
            Line(
                key=f"credit:{key}",
                kind="credit",
                description=(
                    f"Service credit: {key} missed (target {result.get('target')}, "
                    f"measured {result.get('measured')}; SLA report {report_id})"
                ),
                amount=-amount,
                quantity=Decimal(1),
                unit_price=-amount,
                source={
                    "report_id": report_id,
                    "pool_share": str(result.get("pool_share")),
                    "at_risk": str(at_risk),
                    "credit_base": str(base),
                    "unscaled_credit": str(unscaled),
                    "capped": amount != round_money(unscaled, currency),
                },
                sla_key=key,
                sla_target=_str(result.get("target")),
                sla_measured=_str(result.get("measured")),
                report_id=report_id,
            )
        )

    results_by_key = {str(r.get("key")): r for r in results}
    for rule in terms.bonus_rules:
        found = results_by_key.get(rule.service_level_key)
        if found is None or found.get("measured") is None or found.get("status") == "no_data":
            continue
        measured = Decimal(str(found["measured"]))
        if not _beats(measured, rule.bonus_target, str(found.get("direction", "at_least"))):
            continue
        amount = round_money(base * rule.bonus_percent / HUNDRED, currency)
        by_key[rule.service_level_key]["bonus"] = str(amount)
        lines.append(
            Line(
                key=f"bonus:{rule.service_level_key}",
                kind="bonus",
                description=(
                    f"Performance bonus: {rule.service_level_key} beat bonus target "
                    f"{rule.bonus_target} (measured {measured}; SLA report {report_id})"
                ),
                amount=amount,
                unit_price=amount,
                source={
                    "report_id": report_id,
                    "bonus_percent": str(rule.bonus_percent),
                    "credit_base": str(base),
                },
                sla_key=rule.service_level_key,
                sla_target=str(rule.bonus_target),
                sla_measured=str(measured),
                report_id=report_id,
            )
        )
    return lines, at_risk, summary


def allocate_credits(amounts: Sequence[Decimal], cap: Decimal, currency: str) -> list[Decimal]:
    """Round each credit; when they reach the cap, scale pro rata so the rounded credits add up
    exactly to the rounded cap, the rounding remainder going to the largest credit."""
    rounded = [round_money(a, currency) for a in amounts]
    total = sum(amounts, ZERO)
    cap_rounded = round_money(cap, currency)
    if not amounts or (total < cap and sum(rounded, ZERO) <= cap_rounded):
        return rounded
    if total == 0:
        return rounded
    scaled = [round_money(a * cap / total, currency) for a in amounts]
    remainder = cap_rounded - sum(scaled, ZERO)
    largest = max(range(len(amounts)), key=lambda i: (amounts[i], -i))
    scaled[largest] += remainder
    return scaled


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
