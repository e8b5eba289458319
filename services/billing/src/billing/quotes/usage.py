"""Hypothetical usage turned into what the invoice engine reads: one answer per usage query.

An invoice asks metrics one question per distinct (increment, channel, queue) of the plan's usage
charges (``engine.usage_queries``) and hands the engine the answers; a quote builds the same
answers from the volumes the caller gives, so the engine prices both the same way.

Volumes are given per metric, optionally narrowed to a channel and/or a queue:
``[{"metric": "handled_contacts", "channel": "email", "quantity": "1200"}, ...]``. A charge
filtered on a channel (or queue) takes the sum of the entries of that channel (and queue); an
unfiltered charge takes every entry of its metric. An entry without a channel cannot be split, so
a charge filtered on a channel refuses it (422 naming the charge) rather than pricing a whole
total on each channel. The older totals form (``{"handled_contacts": "30000"}``) is the same as
entries with neither channel nor queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from billing.pricing.engine import UsageQuery, usage_query
from billing.pricing.plan import USAGE_MODELS, Metric, PlanTerms
from shared.errors import FieldError, ValidationFailed


@dataclass(frozen=True)
class UsageEntry:
    metric: Metric
    channel: str | None
    queue: str | None
    quantity: Decimal
    field: str  # where the caller gave it: "usage[2]" or "usage.handled_minutes"


def _matches(entry: UsageEntry, query: UsageQuery) -> bool:
    return (query.channel is None or entry.channel == query.channel) and (
        query.queue is None or entry.queue == query.queue
    )


def _unsplit(entry: UsageEntry, query: UsageQuery) -> list[str]:
    """The filters of ``query`` this entry does not say anything about."""
    return [
        name
        for name, wanted, given in (
            ("channel", query.channel, entry.channel),
            ("queue", query.queue, entry.queue),
        )
        if wanted is not None and given is None
    ]


def usage_answers(
    terms: PlanTerms, entries: list[UsageEntry], totals_form: bool
) -> dict[UsageQuery, dict[str, Any]]:
    """The engine's usage input: per usage query, the quantity of each metric it prices.

    Raises ValidationFailed naming the charge when a volume it needs is missing or cannot be
    split by its channel/queue."""
    errors: list[FieldError] = []
    seen: dict[tuple[Metric, str | None, str | None], str] = {}
    for entry in entries:
        at = (entry.metric, entry.channel, entry.queue)
        if at in seen:
            errors.append(FieldError(entry.field, f"same metric, channel and queue as {seen[at]}"))
        seen[at] = entry.field
    answers: dict[UsageQuery, dict[str, Any]] = {}
    for charge in terms.charges:
        if charge.model not in USAGE_MODELS or charge.metric is None:
            continue
        query = usage_query(charge)
        metric = charge.metric
        field = f"usage.{metric.value}" if totals_form else "usage"
        of_metric = [e for e in entries if e.metric is metric]
        unsplit = [e for e in of_metric if _unsplit(e, query)]
        if unsplit:
            filters = " and ".join(
                f"{name} {getattr(query, name)}" for name in _unsplit(unsplit[0], query)
            )
            errors.append(
                FieldError(
                    unsplit[0].field if not totals_form else field,
                    f"charge {charge.key} counts only {metric.value} of {filters}: give this "
                    f"volume per channel and queue "
                    f'([{{"metric": "{metric.value}", "channel": …, "queue": …, "quantity": …}}])',
                    "ambiguous",
                )
            )
            continue
        matching = [e for e in of_metric if _matches(e, query)]
        if not matching:
            wanted = "".join(
                f" for {name} {value}"
                for name, value in (("channel", query.channel), ("queue", query.queue))
                if value is not None
            )
            errors.append(
                FieldError(
                    field,
                    f"charge {charge.key} needs the {metric.value} volume{wanted}",
                    "missing",
                )
            )
            continue
        quantity = sum((e.quantity for e in matching), Decimal(0))
        answers.setdefault(query, {})[metric.value] = str(quantity)
    if errors:
        raise ValidationFailed("invalid " + ", ".join(e.field for e in errors), errors=errors)
    return answers
