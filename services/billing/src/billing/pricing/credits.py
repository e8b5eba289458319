"""Service credits and bonuses from the contract's service-credit terms and the period's SLA
report, as the billing README's "How amounts are computed" describes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from billing.pricing.lines import Line
from shared.money import money_text, round_money

ZERO = Decimal(0)
HUNDRED = Decimal(100)


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
        by_key[key]["credit"] = money_text(-amount, currency)
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
                    "at_risk": money_text(at_risk, currency),
                    "credit_base": money_text(base, currency),
                    "unscaled_credit": money_text(unscaled, currency),
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
        by_key[rule.service_level_key]["bonus"] = money_text(amount, currency)
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
                    "credit_base": money_text(base, currency),
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
