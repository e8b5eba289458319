"""The pricing engine: pure functions from plain data (plan terms, usage, SLA report, contract
terms) to invoice lines and totals. No database, no HTTP: invoices, runs and quotes all call
``price_period`` and get the same lines for the same inputs.

Rounding: every line is computed at full precision and rounded half away from zero to the
currency's minor unit (ISO 4217); the net is the sum of rounded lines; tax is computed on the
net and rounded once.

A price change inside the period (a plan version taking effect after the first day in service)
splits the days in service into segments, one per version. Each segment is priced by its own
version: fixed charges prorated by its days, usage charges on the usage of its days with tier
bounds, tier flat fees and free units scaled by its share of the days in service. Lines of a
split charge carry the version in their key (``charge:<key>:v<n>[:tier<t>]``). The minimum
commitment is the sum of each version's minimum prorated by its days and is compared with the
recurring charges of the whole period, which with the true-up are the credit base; tax is at
the rate of the version in effect on the last day in service. Without a change, one segment:
exactly the lines of an unsplit period.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, localcontext
from itertools import pairwise
from typing import Any

from billing.pricing import rating
from billing.pricing.credits import CreditTerms, service_credits
from billing.pricing.lines import Line
from billing.pricing.periods import Period, ServiceWindow
from billing.pricing.plan import RECURRING_MODELS, USAGE_MODELS, Charge, ChargeModel, PlanTerms
from shared.money import money_text, plain_text, round_money

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
class PriceChange:
    """A plan version taking effect inside the period's days in service."""

    effective_from: date
    terms: PlanTerms
    plan_source: Mapping[str, Any]  # {"price_plan_id", "plan_version"} of this version
    usage: Mapping[UsageQuery, Mapping[str, Any]]  # usage of this version's days


@dataclass(frozen=True)
class Segment:
    """The days in service one plan version priced."""

    number: int  # 1-based
    window: ServiceWindow
    terms: PlanTerms
    plan_source: Mapping[str, Any]
    usage: Mapping[UsageQuery, Mapping[str, Any]]
    share: Decimal  # its days / all days in service (scales tiers and free units)
    split: bool  # the period has more than one segment

    @property
    def label(self) -> str:
        return f"v{self.plan_source.get('plan_version') or self.number}"

    def key(self, key: str) -> str:
        """A line key, with the version when the period is split (keys stay unique)."""
        return f"{key}:{self.label}" if self.split else key


@dataclass(frozen=True)
class PricingInput:
    """Everything one period's price depends on, as plain values."""

    currency: str
    period: Period
    window: ServiceWindow  # days in service within the period
    terms: PlanTerms  # the version in effect on the first day in service
    plan_source: Mapping[str, Any]  # {"price_plan_id", "version"} cited on every charge line
    usage: Mapping[UsageQuery, Mapping[str, Any]]  # metrics' usage answers by query
    report: Mapping[str, Any] | None = None  # the period's SLA report
    credit_terms: CreditTerms = field(default_factory=CreditTerms)
    billed_one_time: frozenset[str] = frozenset()  # one-time charges already invoiced
    termination_fee: Decimal | None = None
    termination_date: date | None = None
    # Later versions taking effect inside ``window``, oldest first (``usage`` is then the usage
    # of the first version's days only).
    changes: tuple[PriceChange, ...] = ()

    def segments(self) -> list[Segment]:
        starts = [self.window.start] + [c.effective_from for c in self.changes]
        if any(not a < b for a, b in pairwise(starts)) or (starts[-1] > self.window.end):
            raise ValueError("price changes must be ordered and inside the days in service")
        parts = [(self.terms, self.plan_source, self.usage)] + [
            (c.terms, c.plan_source, c.usage) for c in self.changes
        ]
        ends = [d - timedelta(days=1) for d in starts[1:]] + [self.window.end]
        split = len(parts) > 1
        out = []
        for number, ((terms, source, usage), first, last) in enumerate(
            zip(parts, starts, ends, strict=True), start=1
        ):
            window = ServiceWindow(first, last)
            share = Decimal(window.days) / Decimal(self.window.days) if split else Decimal(1)
            out.append(Segment(number, window, terms, source, usage, share, split))
        return out


def price_period(data: PricingInput) -> Priced:
    with localcontext() as ctx:
        ctx.prec = 60
        return _price(data)


def _price(data: PricingInput) -> Priced:
    cur = data.currency
    segments = data.segments()
    lines: list[Line] = []
    recurring = ZERO
    one_time_done = set(data.billed_one_time)
    for segment in segments:
        for charge in segment.terms.charges:
            if charge.model is ChargeModel.one_time and charge.key in one_time_done:
                continue  # billed before, or by an earlier version of this period
            charge_lines = _charge_lines(data, segment, charge)
            for line in charge_lines:
                line.amount = round_money(line.amount, cur)
                if charge.model in RECURRING_MODELS:
                    recurring += line.amount
                if line.kind == "one_time":
                    one_time_done.add(charge.key)
            lines += charge_lines

    true_up = ZERO
    minimums = [
        (s, s.terms.minimum_commitment) for s in segments if s.terms.minimum_commitment is not None
    ]
    if minimums:
        pieces = [
            (s, m, rating.rate_fixed(m, s.window.days, data.period.days).amount)
            for s, m in minimums
        ]
        prorated = sum((p for _, _, p in pieces), ZERO)
        true_up = round_money(max(ZERO, prorated - recurring), cur)
        if true_up > 0:
            last = segments[-1]
            source: dict[str, Any] = {
                **last.plan_source,
                "minimum_commitment": money_text(pieces[-1][1], cur),
                "prorated_minimum": money_text(prorated, cur),
                "recurring_charges": money_text(recurring, cur),
                "days_in_service": data.window.days,
                "days_in_period": data.period.days,
            }
            if last.split:
                source["minimum_by_version"] = [
                    {
                        "plan_version": s.plan_source.get("plan_version"),
                        "minimum_commitment": money_text(m, cur),
                        "service_from": str(s.window.start),
                        "service_to": str(s.window.end),
                        "days_in_service": s.window.days,
                        "prorated_minimum": money_text(p, cur),
                    }
                    for s, m, p in pieces
                ]
            lines.append(
                Line(
                    key="true_up",
                    kind="true_up",
                    description="Minimum commitment true-up",
                    amount=true_up,
                    quantity=Decimal(1),
                    unit_price=true_up,
                    source=source,
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
    rate = segments[-1].terms.tax_rate_percent
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


def _charge_lines(data: PricingInput, segment: Segment, charge: Charge) -> list[Line]:
    plan = dict(segment.plan_source)
    window = segment.window
    # " (v2, 2026-01-16 to 2026-01-31)" on the lines of a split period
    when = f" ({segment.label}, {window.start} to {window.end})" if segment.split else ""
    match charge.model:
        case ChargeModel.fixed:
            assert charge.amount is not None
            rated = rating.rate_fixed(charge.amount, window.days, data.period.days)
            note = (
                ""
                if window.days == data.period.days
                else f" ({window.days}/{data.period.days} days)"
            )
            return [
                Line(
                    key=segment.key(f"charge:{charge.key}"),
                    kind="charge",
                    description=charge.name + note + when,
                    amount=rated.amount,
                    quantity=rated.quantity,
                    unit_price=rated.unit_price,
                    source={
                        **plan,
                        "service_from": str(window.start),
                        "service_to": str(window.end),
                        "days_in_service": window.days,
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
            if not due:
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
    answer = segment.usage.get(query)
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
    share = segment.share
    if segment.split:
        source |= {
            "usage_from": str(answer.get("from")),
            "usage_to": str(answer.get("to")),
            "tier_scale": f"{window.days}/{data.window.days}",
        }
    key = segment.key(f"charge:{charge.key}")
    if charge.model is ChargeModel.per_unit:
        assert charge.unit_price is not None
        rated = rating.rate_per_unit(units, charge.unit_price)
        return [_usage_line(charge, key, charge.name + when, rated, source)]
    if charge.model is ChargeModel.package:
        assert charge.package_size is not None and charge.package_price is not None
        free = charge.free_units * share if segment.split else charge.free_units
        rated = rating.rate_package(units, charge.package_size, charge.package_price, free)
        source |= {"package_size": str(charge.package_size), "free_units": str(free)}
        name = f"{charge.name} ({rated.quantity} x {charge.package_size}){when}"
        return [_usage_line(charge, key, name, rated, source)]
    tiers: list[rating.TierLike] = list(charge.tiers or [])
    if segment.split:
        tiers = [
            rating.Tier(
                None if t.up_to is None else t.up_to * share, t.unit_price, t.flat_fee * share
            )
            for t in tiers
        ]
    if charge.model is ChargeModel.volume:
        volume = rating.rate_volume(units, tiers)
        if volume is None:
            zero = rating.Rated(ZERO, tiers[0].unit_price, ZERO, None)
            return [_usage_line(charge, key, charge.name + when, zero, source)]
        return [
            _usage_line(charge, key, f"{charge.name} — {_tier_text(volume)}{when}", volume, source)
        ]
    pieces = rating.rate_graduated(units, tiers)
    if not pieces:
        zero = rating.Rated(ZERO, tiers[0].unit_price, ZERO, None)
        return [_usage_line(charge, key, charge.name + when, zero, source)]
    return [
        _usage_line(
            charge,
            f"{key}:tier{piece.tier}",
            f"{charge.name} — {_tier_text(piece)}{when}",
            piece,
            source,
        )
        for piece in pieces
    ]


def _tier_text(piece: rating.Rated) -> str:
    """ "tier 1 (up to 100,000)", "tier 2 (over 100,000 up to 250,000)", "tier 3 (over
    250,000)": the bounds as a reader of the invoice says them."""
    low, high = piece.tier_from or ZERO, piece.tier_to

    def n(value: Decimal) -> str:
        return f"{value.normalize():,f}"

    if high is None:
        bounds = f"over {n(low)}" if low else "all units"
    elif not low:
        bounds = f"up to {n(high)}"
    else:
        bounds = f"over {n(low)} up to {n(high)}"
    return f"tier {piece.tier} ({bounds})"


def _usage_line(
    charge: Charge, key: str, description: str, rated: rating.Rated, source: dict[str, Any]
) -> Line:
    extra: dict[str, Any] = {}
    if rated.flat_fee:
        extra["flat_fee"] = plain_text(rated.flat_fee)  # a price: its own decimals
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
