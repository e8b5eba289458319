"""What the rest of a window needs for a service level to be met: exact integer arithmetic.

A service level's figure is ``scale * numerator / denominator`` (a ratio, a mean of seconds or
scores, NPS), judged on the value rounded half up to six decimals exactly as the SLA report
judges it. Month to date it stands at ``numerator / denominator``; the rest of the window is
expected to add ``rest`` to the denominator. The question is how much the rest must add to the
numerator:

- ``at_least``: the fewest further numerator units (answers within the threshold, resolutions,
  score points, seconds) that still meet the target;
- ``at_most``: the most further units the rest may add (abandons, seconds of waiting, …).

Each unit of the rest's denominator adds between ``low`` and ``high`` units to the numerator
(a contact is answered within the threshold or not: 0..1; a CSAT answer scores 1..5; an NPS
answer -1..1; a wait 0..unbounded), which decides whether the level is already secured (even
the worst rest meets it) or no longer reachable (not even the best rest does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

# The SLA report rounds a figure half up to six decimals before judging it.
QUANTUM = Fraction(1, 1_000_000)


class Outlook(StrEnum):
    secured = "secured"  # met whatever the rest of the window brings
    reachable = "reachable"  # met if the rest brings what ``needed`` says
    unreachable = "unreachable"  # missed whatever the rest brings


@dataclass(frozen=True)
class Recovery:
    outlook: Outlook
    # at_least: the fewest further numerator units that meet the target; at_most: the most
    # further units that still meet it. None when secured or unreachable.
    needed: int | None
    # The value the rest of the window must reach on its own (at_least: at least it; at_most:
    # at most it), as the metric is expressed; None when there is no rest or no need.
    rest_must_reach: Decimal | None


def bound(target: Decimal, direction: str) -> Fraction:
    """The exact value an unrounded figure must reach for its rounded value to meet
    ``target``: rounding half up to six decimals, v rounds to >= T iff v >= T - q/2, and to
    <= T iff v < T + q/2 (a six-decimal target; targets have at most six)."""
    t = Fraction(target)
    return t - QUANTUM / 2 if direction == "at_least" else t + QUANTUM / 2


def meets(numerator: int, denominator: int, scale: int, target: Decimal, direction: str) -> bool:
    """Whether ``scale * numerator / denominator`` meets the target as the report judges it."""
    if denominator <= 0:
        return False
    value = Fraction(scale * numerator, denominator)
    limit = bound(target, direction)
    return value >= limit if direction == "at_least" else value < limit


def recover(
    numerator: int,
    denominator: int,
    rest: int,
    *,
    target: Decimal,
    direction: str,
    scale: int = 1,
    low: int = 0,
    high: int | None = 1,
) -> Recovery:
    """What the rest must add to the numerator for the window to meet its target; ``low`` and
    ``high`` (None: unbounded) are what one unit of the rest's denominator can add."""
    total = denominator + rest
    if total <= 0:
        return Recovery(Outlook.unreachable, None, None)
    # scale (n + x) / total >= B  <=>  x >= B total / scale - n   (and < for at_most)
    edge = bound(target, direction) * total / scale - numerator
    worst = low * rest
    best = None if high is None else high * rest
    if direction == "at_least":
        needed = max(math.ceil(edge), worst)
        if needed <= worst:
            return Recovery(Outlook.secured, None, None)
        if best is not None and needed > best:
            return Recovery(Outlook.unreachable, None, None)
        return Recovery(Outlook.reachable, needed, _per_unit(needed, rest, scale))
    # at_most: x < edge strictly, x an integer
    allowed = math.ceil(edge) - 1
    if allowed < worst:
        return Recovery(Outlook.unreachable, None, None)
    if best is not None and allowed >= best:
        return Recovery(Outlook.secured, None, None)
    return Recovery(Outlook.reachable, allowed, _per_unit(allowed, rest, scale))


def _per_unit(units: int, rest: int, scale: int) -> Decimal | None:
    if rest <= 0:
        return None
    value = Fraction(scale * units, rest)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.000001"))
