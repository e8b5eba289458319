"""Charts as SVG, drawn on the server: no script, readable without one, and accessible
(``role="img"`` with a <title> and a <desc> that says what the chart shows in words).

``trend_chart`` draws one service level over a month: each day's value (dots joined by a thin
line, a day that missed the target in red), the month-to-date value (a thick line), and the
target (a dashed line), with labelled axes in the level's unit.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

from web.formatting import Formatter

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 40


@dataclass(frozen=True)
class Day:
    day: date
    value: Decimal | None  # that day's figure (None: no contacts)
    to_date: Decimal | None  # month to date, through that day


def _missed(value: Decimal, target: Decimal, direction: str) -> bool:
    return value < target if direction == "at_least" else value > target


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    step = raw
    for base in (0.001, 0.002, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10,
                 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):  # fmt: skip
        if base >= raw:
            step = base
            break
    start = (low // step) * step
    ticks = []
    value = start
    while value <= high + step * 0.001:
        ticks.append(round(value, 6))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 6))
    return ticks


def trend_chart(
    days: Sequence[Day],
    *,
    target: Decimal,
    direction: str,
    unit: str,
    title: str,
    fmt: Formatter,
) -> Markup:
    known = [d.value for d in days if d.value is not None] + [
        d.to_date for d in days if d.to_date is not None
    ]
    values = [float(v) for v in known] + [float(target)]
    low, high = min(values), max(values)
    if unit == "ratio":
        low, high = max(0.0, low - 0.05), min(1.0, high + 0.05)
    else:
        span = (high - low) or abs(high) or 1.0
        low, high = max(0.0, low - span * 0.1), high + span * 0.1
    ticks = _nice_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(days), 1)

    def x(index: int) -> float:
        return LEFT + (index + 0.5) * plot_w / count

    def y(value: float) -> float:
        return TOP + plot_h - (value - low) / (high - low) * plot_h

    def label(value: float | Decimal) -> str:
        return fmt.measure(Decimal(str(value)), unit)

    uid = uuid.uuid4().hex[:8]
    parts: list[str] = []
    # Axes and grid.
    for tick in ticks:
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">'
            f"{escape(label(tick))}</text>"
        )
    every = max(1, round(count / 8))
    for index, day in enumerate(days):
        if index % every == 0 or index == count - 1:
            parts.append(
                f'<text class="tick" x="{x(index):.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{day.day.day}</text>'
            )
    parts.append(
        f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" '
        f'y2="{TOP + plot_h}"/><line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" '
        f'y2="{TOP + plot_h}"/>'
    )
    month_name = fmt.month(days[0].day.strftime("%Y-%m")) if days else ""
    parts.append(
        f'<text class="axis-label" x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" '
        f'text-anchor="middle">Day of {escape(month_name)}</text>'
    )
    # Target.
    parts.append(
        f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(float(target)):.1f}" '
        f'y2="{y(float(target)):.1f}"/><text class="target-label" x="{WIDTH - RIGHT - 4}" '
        f'y="{y(float(target)) - 5:.1f}" text-anchor="end">target {escape(label(target))}</text>'
    )
    # Daily values: a thin line through the days that had contacts, a dot per day.
    for is_gap, run in itertools.groupby(enumerate(days), key=lambda item: item[1].value is None):
        points = list(run)
        if not is_gap and len(points) > 1:
            path = " ".join(f"{x(i):.1f},{y(float(d.value)):.1f}" for i, d in points if d.value)
            parts.append(f'<polyline class="daily" points="{path}"/>')
    for index, day in enumerate(days):
        if day.value is None:
            continue
        missed = _missed(day.value, target, direction)
        parts.append(
            f'<circle class="{"dot missed" if missed else "dot"}" cx="{x(index):.1f}" '
            f'cy="{y(float(day.value)):.1f}" r="3.5"><title>{escape(fmt.date(day.day))}: '
            f"{escape(label(day.value))}{' (missed)' if missed else ''}</title></circle>"
        )
    # Month to date.
    mtd = " ".join(
        f"{x(i):.1f},{y(float(d.to_date)):.1f}" for i, d in enumerate(days) if d.to_date is not None
    )
    if mtd:
        parts.append(f'<polyline class="to-date" points="{mtd}"/>')

    missed_days = [d for d in days if d.value is not None and _missed(d.value, target, direction)]
    last = next((d for d in reversed(days) if d.to_date is not None), None)
    comparison = "at least" if direction == "at_least" else "at most"
    description = f"Target: {comparison} {label(target)}. "
    if last is not None and last.to_date is not None:
        description += f"Month to date on {fmt.date(last.day)}: {label(last.to_date)}. "
    description += (
        f"{len(missed_days)} of {sum(1 for d in days if d.value is not None)} days with "
        "contacts missed the target"
    )
    if missed_days:
        description += ": " + ", ".join(fmt.date(d.day, "d MMM") for d in missed_days[:15])
    description += "."
    # Every text in it went through escape(); the rest are numbers we formatted.
    return Markup(  # noqa: S704
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="t{uid} d{uid}" preserveAspectRatio="xMidYMid meet">'
        f'<title id="t{uid}">{escape(title)}</title><desc id="d{uid}">{escape(description)}'
        f"</desc>{''.join(parts)}</svg>"
    )
