"""Rules across the key elements and the contract type. Pure: each broken rule becomes a
``FieldError`` naming the exact JSON path (``service_levels[1].threshold_seconds``)."""

from __future__ import annotations

from decimal import Decimal

from contracts.contracts.elements import (
    DAYS,
    Direction,
    KeyElements,
    Metric,
    Scope,
    ServiceLevel,
    Term,
    Variant,
    target_range,
)
from contracts.contracts.models import ContractType
from contracts.contracts.rules.terms import FeeKind, RenewalType
from shared.errors import FieldError, ValidationFailed
from shared.types import LAST_DAY, fraction_message

# Which elements each type may carry (the others must be left out).
ALLOWED: dict[ContractType, frozenset[str]] = {
    ContractType.MSA: frozenset(
        {"scope", "pricing", "term", "termination", "confidentiality", "indemnification"}
    ),
    ContractType.SOW: frozenset(
        {"scope", "pricing", "term", "termination", "service_levels", "service_credit_terms"}
        | {"confidentiality", "indemnification"}
    ),
    ContractType.SLA: frozenset(
        {"scope", "pricing", "term", "termination", "service_levels", "service_credit_terms"}
        | {"confidentiality", "indemnification"}
    ),
    ContractType.NDA: frozenset({"term", "termination", "confidentiality", "indemnification"}),
}

# What must be there before a version leaves draft.
REQUIRED_FOR_REVIEW: dict[ContractType, tuple[str, ...]] = {
    ContractType.MSA: ("term",),
    ContractType.SOW: ("term", "scope"),
    ContractType.SLA: ("term", "scope", "service_levels"),
    ContractType.NDA: ("term", "confidentiality"),
}


def raise_if(errors: list[FieldError]) -> None:
    if errors:
        names = ", ".join(e.field for e in errors)
        raise ValidationFailed(f"invalid {names}", errors=errors)


def check_elements(
    elements: KeyElements, contract_type: ContractType, currency: str
) -> list[FieldError]:
    errors: list[FieldError] = []
    present = {name for name in elements.model_fields_set if getattr(elements, name)}
    for name in sorted(present - ALLOWED[contract_type]):
        errors.append(FieldError(name, f"a {contract_type.value} does not carry {name}"))
    errors += _check_term(elements)
    errors += _check_pricing_and_termination(elements, currency)
    errors += _check_service_levels(elements)
    errors += _check_credits(elements)
    if elements.indemnification and (cap := elements.indemnification.liability_cap):
        if cap.kind == "amount" and cap.amount is None:
            errors.append(FieldError("indemnification.liability_cap.amount", "required"))
        if cap.kind == "multiple_of_annual_fees" and cap.multiple is None:
            errors.append(FieldError("indemnification.liability_cap.multiple", "required"))
    return errors


def check_complete(elements: KeyElements, contract_type: ContractType) -> list[FieldError]:
    return [
        FieldError(name, f"a {contract_type.value} needs {name} before review", "missing")
        for name in REQUIRED_FOR_REVIEW[contract_type]
        if not getattr(elements, name)
    ]


def _check_term(elements: KeyElements) -> list[FieldError]:
    term = elements.term
    if term is None:
        return []
    errors = []
    evergreen = term.renewal_type is RenewalType.evergreen
    if evergreen:
        for name in ("initial_term_months", "end_date", "renewal_term_months", "max_renewals"):
            if getattr(term, name) is not None:
                errors.append(FieldError(f"term.{name}", "an evergreen term has none"))
    elif (term.initial_term_months is None) == (term.end_date is None):
        errors.append(FieldError("term.end_date", "give either initial_term_months or end_date"))
    if term.end_date is not None and term.end_date < term.start_date:
        errors.append(FieldError("term.end_date", "ends before the start date"))
    if term.renewal_type is RenewalType.auto_renew:
        if term.renewal_term_months is None:
            errors.append(FieldError("term.renewal_term_months", "required for auto_renew"))
    elif term.renewal_type is RenewalType.fixed:
        for name in ("renewal_term_months", "max_renewals"):
            if getattr(term, name) is not None:
                errors.append(FieldError(f"term.{name}", "a fixed term does not renew"))
    if not errors:
        errors += _check_term_fits_the_calendar(term)
    return errors


def _check_term_fits_the_calendar(term: Term) -> list[FieldError]:
    """A term's last possible day (its final end when renewals are bounded) must fall within
    the calendar every service computes in; 1,000 renewals of ten years would not even be a
    date."""
    rule = term.rule()
    last = rule.last_renewal()
    if last is None:
        return []
    try:
        final_end = rule.period_end(last)
    except (ValueError, OverflowError):
        final_end = None
    if final_end is not None and final_end <= LAST_DAY:
        return []
    field = "term.max_renewals" if last else "term.initial_term_months"
    return [FieldError(field, f"the term would run past {LAST_DAY}", "out_of_range")]


def _check_pricing_and_termination(elements: KeyElements, currency: str) -> list[FieldError]:
    errors = []
    pricing = elements.pricing
    if pricing and pricing.currency and pricing.currency != currency:
        errors.append(
            FieldError("pricing.currency", f"differs from the contract currency {currency}")
        )
    termination = elements.termination
    if termination is not None:
        fee = termination.early_termination_fee
        if fee.kind is FeeKind.fixed and fee.amount is None:
            errors.append(FieldError("termination.early_termination_fee.amount", "required"))
        if fee.kind is FeeKind.months_of_minimum:
            if fee.months is None:
                errors.append(FieldError("termination.early_termination_fee.months", "required"))
            if pricing is None or pricing.minimum_monthly_commitment is None:
                errors.append(
                    FieldError(
                        "pricing.minimum_monthly_commitment",
                        "needed by an early-termination fee in months of the minimum",
                    )
                )
        if fee.kind is not FeeKind.none and not termination.for_convenience:
            errors.append(
                FieldError(
                    "termination.early_termination_fee",
                    "only a termination for convenience owes a fee: allow it or drop the fee",
                )
            )
    return errors


def _check_level(level: ServiceLevel, at: str) -> list[FieldError]:
    errors = []
    if level.metric is Metric.service_level:
        if level.threshold_seconds is None:
            errors.append(FieldError(f"{at}.threshold_seconds", "a service level needs one"))
        elif level.short_abandon_seconds > level.threshold_seconds:
            errors.append(FieldError(f"{at}.short_abandon_seconds", "longer than the threshold"))
    else:
        if level.threshold_seconds is not None:
            errors.append(
                FieldError(f"{at}.threshold_seconds", f"{level.metric.value} takes no threshold")
            )
        if level.variant is not Variant.answered_over_offered:
            errors.append(FieldError(f"{at}.variant", "only a service_level has variants"))
        if level.strict:
            errors.append(FieldError(f"{at}.strict", "only a service_level has a threshold"))
    if level.metric is not Metric.csat and level.csat_mode is not None:
        errors.append(FieldError(f"{at}.csat_mode", "only for csat"))
    low, high = target_range(level.metric, level.csat_mode)
    for name in ("target", "bonus_target"):
        value: Decimal | None = getattr(level, name)
        if value is not None and (value < low or (high is not None and value > high)):
            span = f"{low}..{high}" if high is not None else f">= {low}"
            message = f"must be within {span} for {level.metric.value}"
            if high == 1 and value > high:  # a ratio sent in percent
                message = f"{level.metric.value} is {fraction_message(value)}"
            errors.append(FieldError(f"{at}.{name}", message))
    if level.bonus_target is not None:
        better = (
            level.bonus_target >= level.target
            if level.direction is Direction.at_least
            else level.bonus_target <= level.target
        )
        if not better:
            errors.append(FieldError(f"{at}.bonus_target", "must beat the target"))
    return errors


def _has_hours(scope: Scope) -> bool:
    return any(getattr(scope.hours, day) for day in DAYS)


def _check_scope(scope: Scope | None) -> list[FieldError]:
    if scope is None or not scope.channels:
        return []
    return [
        FieldError(f"scope.forecast_volumes[{i}].channel", "not in scope.channels")
        for i, volume in enumerate(scope.forecast_volumes)
        if volume.channel not in scope.channels
    ]


def _check_service_levels(elements: KeyElements) -> list[FieldError]:
    errors = _check_scope(elements.scope)
    scope = elements.scope
    seen: set[str] = set()
    for i, level in enumerate(elements.service_levels):
        at = f"service_levels[{i}]"
        if level.key in seen:
            errors.append(FieldError(f"{at}.key", f"{level.key!r} is used twice"))
        seen.add(level.key)
        errors += _check_level(level, at)
        if level.business_hours_only and (scope is None or not _has_hours(scope)):
            errors.append(
                FieldError(f"{at}.business_hours_only", "scope.hours sets no business hours")
            )
        if scope is not None:
            for j, channel in enumerate(level.channels):
                if scope.channels and channel not in scope.channels:
                    errors.append(FieldError(f"{at}.channels[{j}]", "not in scope.channels"))
            for j, queue in enumerate(level.queues):
                if queue not in scope.queues:
                    errors.append(FieldError(f"{at}.queues[{j}]", "not in scope.queues"))
    return errors


def _check_credits(elements: KeyElements) -> list[FieldError]:
    errors = []
    credits = elements.service_credit_terms
    shares = [(i, s.pool_share) for i, s in enumerate(elements.service_levels) if s.pool_share]
    if credits is None:
        for i, _ in shares:
            errors.append(
                FieldError(f"service_levels[{i}].pool_share", "needs service_credit_terms")
            )
        return errors
    total = sum((share for _, share in shares), Decimal(0))
    if total * 100 > credits.pool_cap_percent:
        errors.append(
            FieldError(
                "service_levels",
                f"pool shares add up to {total * 100:.2f}%, over the pool cap of "
                f"{credits.pool_cap_percent}% (service_credit_terms.pool_cap_percent)",
                "pool_exceeded",
            )
        )
    if credits.at_risk_percent > 100:
        errors.append(
            FieldError("service_credit_terms.at_risk_percent", "more than 100% of the fees")
        )
    if credits.credit_cap_percent is not None and credits.credit_cap_percent > 100:
        errors.append(
            FieldError("service_credit_terms.credit_cap_percent", "more than 100% of the fees")
        )
    keys = {level.key: level for level in elements.service_levels}
    for i, rule in enumerate(credits.bonus_rules):
        at = f"service_credit_terms.bonus_rules[{i}]"
        level = keys.get(rule.service_level_key)
        if level is None:
            errors.append(FieldError(f"{at}.service_level_key", "no service level has this key"))
        elif rule.bonus_target is None and level.bonus_target is None:
            errors.append(
                FieldError(f"{at}.bonus_target", "required (the service level sets none)")
            )
    return errors
