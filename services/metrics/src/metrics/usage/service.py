"""Billable usage: handled contacts and minutes per channel with per-contact rounding, offered
contacts, productive agent hours. From rollups (per-contact rounding is summed there as units
of 6 s and of started minutes) and agent activity."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from metrics.activity.models import PRODUCTIVE_STATES
from metrics.activity.occupancy import occupancy_seconds
from metrics.kpis.repository import KpiRepository, Scope
from metrics.timeutil import local_midnight, month_bounds

FOUR_PLACES = Decimal("0.0001")


def handled_minutes(handle_seconds: int, units_6: int, units_60: int, increment: int) -> Decimal:
    """Minutes billed when each contact's handle time is rounded up to ``increment`` seconds."""
    billed_seconds = {1: handle_seconds, 6: units_6 * 6, 60: units_60 * 60}[increment]
    return (Decimal(billed_seconds) / 60).quantize(FOUR_PLACES, ROUND_HALF_UP)


class UsageService:
    def __init__(self, kpis: KpiRepository) -> None:
        self.kpis = kpis

    async def usage(
        self,
        contract_id: uuid.UUID,
        period: str,
        tz: ZoneInfo,
        increment: int,
        *,
        channels: tuple[str, ...] = (),
        queues: tuple[str, ...] = (),
        days: tuple[date, date] | None = None,
    ) -> dict[str, Any]:
        """The period's usage, or only that of ``days`` (first and last day, inclusive, in the
        contract's time zone) when given."""
        first, last, start, end = month_bounds(period, tz)
        low, high = days or (first, last)
        if days is not None:
            start, end = local_midnight(low, tz), local_midnight(high + timedelta(days=1), tz)
        rows = await self.kpis.sums(
            Scope(contract_id=contract_id, queues=queues, channels=channels, direction=None),
            start,
            end,
            granularity="total",
            tz=tz.key,
            group_by="channel",
            bounds=(),
            extra_groups=("direction",),
        )
        by_channel: dict[str, list[int]] = {}
        for _, (channel, direction), s in rows:
            held = by_channel.setdefault(channel, [0, 0, 0, 0, 0])
            held[0] += s.answered
            held[1] += s.handle_seconds
            held[2] += s.handle_units_6
            held[3] += s.handle_units_60
            if direction == "inbound":
                held[4] += s.offered
        channels_out = {
            channel: {
                "handled_contacts": v[0],
                "handled_minutes": str(handled_minutes(v[1], v[2], v[3], increment)),
                "offered_contacts": v[4],
            }
            for channel, v in sorted(by_channel.items())
        }
        totals = [sum(v[i] for v in by_channel.values()) for i in range(5)]
        productive_seconds = 0
        if not queues and not channels:
            activity = await self.kpis.activity(
                start, end, contract_id=contract_id, client_id=None, states=PRODUCTIVE_STATES
            )
            # Each agent-second once, also when the platform reports states per queue.
            split = occupancy_seconds(activity, "total", tz)
            productive_seconds = sum(handling + available for handling, available in split.values())
        return {
            "contract_id": contract_id,
            "period": period,
            "period_start": first,
            "period_end": last,
            "from": low,
            "to": high,
            "time_zone": tz.key,
            "increment_seconds": increment,
            "handled_contacts": totals[0],
            "handled_minutes": str(handled_minutes(totals[1], totals[2], totals[3], increment)),
            "offered_contacts": totals[4],
            "productive_agent_hours": str(
                (Decimal(productive_seconds) / 3600).quantize(FOUR_PLACES, ROUND_HALF_UP)
            ),
            "by_channel": channels_out,
        }
