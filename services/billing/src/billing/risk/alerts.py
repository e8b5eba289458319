"""SLA alerts: announce when a service level's projected status changes, while the month can
still be saved.

A contract is judged again soon after its records arrive: every ``debounce`` seconds each billing
process asks metrics which contracts' contact records, agent activity or QA evaluations were
written since it last asked (``GET /v1/sla-input-changes``) and projects those, once each however
many batches arrived in between. Every ``interval`` seconds it projects every contract in service
this month, for what time alone changes (a quiet queue, the days running out). Judging a
contract is projecting its service levels (``GET /v1/sla-projections``, as of now) and comparing
each level's status with the last one announced (``sla_level_status``). A change becomes an
event in the outbox, in the same transaction as the new status, so the existing webhook
endpoints deliver it signed, in order and with retries, to the operator and to the contract's
own client only:

- ``sla.at_risk``: a level is now at risk (reachable, met with probability below 0.8);
- ``sla.lost``: nothing the rest of the period brings can meet it any more;
- ``sla.recovered``: a level at risk or lost is on track or secured again.

The first status seen of a level is announced only when it is bad news. Two processes judging
the same level at once cannot both announce: the status row is locked while it is compared, and
a first insert that loses the race rolls its event back with it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billing.events.models import OutboxEvent
from billing.pricing.periods import Period
from billing.risk.models import SlaLevelStatus
from billing.upstream import Upstream
from shared.errors import AppError

log = logging.getLogger(__name__)

BAD = frozenset({"at_risk", "lost"})
# A change is stamped by metrics a moment before its transaction commits: ask from a little
# before the previous answer (the changes seen are remembered, so none is judged twice).
LOOK_BACK = timedelta(minutes=2)
GOOD = frozenset({"on_track", "secured"})


def announcement(previous: str | None, current: str) -> str | None:
    """The event a change of status announces, if any."""
    if current == previous:
        return None
    if current == "lost":
        return "sla.lost"
    if current == "at_risk":
        return "sla.at_risk"
    if current in GOOD and previous in BAD:
        return "sla.recovered"
    return None


class SlaAlerts:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], upstream: Upstream) -> None:
        self.sessions = sessions
        self.upstream = upstream
        # The record-driven side: when metrics was last asked, and each contract's latest
        # change already judged.
        self.asked_at: datetime | None = None
        self.judged_change: dict[uuid.UUID, datetime] = {}

    async def evaluate(self, period: Period, as_of: datetime) -> int:
        """Project every contract in service in ``period`` as of ``as_of``; answer how many
        changes were announced. A contract metrics cannot project (no version in effect, or
        unreachable for the moment) is left for the next pass."""
        announced = 0
        contracts = await self.upstream.contracts.contracts_in_service(period.start, period.end)
        for contract in contracts:
            announced += await self.project(contract, period, as_of)
        return announced

    async def evaluate_changed(self, period: Period, as_of: datetime) -> int:
        """Project, as of ``as_of``, the contracts in service in ``period`` whose SLA inputs
        were written since the previous call (every contract on the first call); answer how
        many changes were announced."""
        if self.asked_at is None:
            return await self.evaluate_all(period, as_of)
        now = datetime.now(UTC)  # metrics stamps changes by the clock, whatever ``as_of`` is
        changes = await self.upstream.metrics.sla_input_changes(self.asked_at - LOOK_BACK)
        self.asked_at = now
        fresh = {
            contract_id: at
            for contract_id, at in changes.items()
            if contract_id not in self.judged_change or self.judged_change[contract_id] < at
        }
        announced = 0
        if fresh:
            contracts = await self.upstream.contracts.contracts_in_service(period.start, period.end)
            for contract in contracts:
                if uuid.UUID(str(contract["id"])) in fresh:
                    announced += await self.project(contract, period, as_of)
        # A change older than the next question's start is never answered again.
        horizon = now - LOOK_BACK
        self.judged_change = {
            c: at for c, at in (self.judged_change | fresh).items() if at >= horizon
        }
        return announced

    async def evaluate_all(self, period: Period, as_of: datetime) -> int:
        """``evaluate``, noting the changes it covers, so that ``evaluate_changed`` next looks
        only at what arrives after it."""
        now = datetime.now(UTC)
        covered = await self.upstream.metrics.sla_input_changes(now - LOOK_BACK)
        self.asked_at = now
        announced = await self.evaluate(period, as_of)
        self.judged_change |= covered
        return announced

    async def project(self, contract: dict[str, Any], period: Period, as_of: datetime) -> int:
        """Project one contract and judge each of its levels; answer the changes announced."""
        contract_id = uuid.UUID(str(contract["id"]))
        try:
            projection = await self.upstream.metrics.sla_projection(contract_id, str(period), as_of)
        except AppError as exc:
            log.info("sla.alerts.skipped", extra={"contract": str(contract_id), "why": str(exc)})
            return 0
        announced = 0
        for level in projection["levels"]:
            announced += await self.judge(contract, projection, level, str(period))
        return announced

    async def judge(
        self,
        contract: dict[str, Any],
        projection: dict[str, Any],
        level: dict[str, Any],
        period: str,
    ) -> int:
        contract_id = uuid.UUID(str(contract["id"]))
        client_id = uuid.UUID(str(contract["client_id"]))
        current = str(level["status"])
        try:
            async with self.sessions() as session, session.begin():
                held = (
                    await session.execute(
                        select(SlaLevelStatus)
                        .where(
                            SlaLevelStatus.contract_id == contract_id,
                            SlaLevelStatus.period == period,
                            SlaLevelStatus.level_key == level["key"],
                        )
                        .with_for_update()
                    )
                ).scalar_one_or_none()
                previous = held.status if held else None
                if previous == current:
                    return 0
                event = announcement(previous, current)
                if held is None:
                    session.add(
                        SlaLevelStatus(
                            contract_id=contract_id,
                            period=period,
                            level_key=level["key"],
                            client_id=client_id,
                            status=current,
                        )
                    )
                else:
                    held.status = current
                    held.changed_at = datetime.now(UTC)
                if event is not None:
                    session.add(
                        OutboxEvent(
                            type=event,
                            subject_id=contract_id,
                            client_id=client_id,
                            payload=payload(contract, projection, level, previous),
                        )
                    )
        except IntegrityError:
            return 0  # another process recorded this level's first status at the same moment
        return int(event is not None)

    async def watch(self, interval: float, debounce: float) -> None:
        """Judge the current month: the contracts whose inputs changed every ``debounce``
        seconds (0: never), every contract every ``interval`` seconds; until cancelled."""
        tick = min(t for t in (interval, debounce) if t > 0)
        full_pass_due = 0.0
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(tick)
            now = datetime.now(UTC)
            period = Period.parse(f"{now:%Y-%m}")
            try:
                if interval and loop.time() >= full_pass_due:
                    full_pass_due = loop.time() + interval - tick / 2
                    await self.evaluate_all(period, now)
                elif debounce:
                    await self.evaluate_changed(period, now)
            except Exception:  # a pass that fails (an upstream down) is retried at the next
                log.exception("sla.alerts.failed")


def payload(
    contract: dict[str, Any],
    projection: dict[str, Any],
    level: dict[str, Any],
    previous: str | None,
) -> dict[str, Any]:
    recovery = level.get("recovery") or {}
    return {
        "contract_id": str(contract["id"]),
        "contract_number": contract.get("number"),
        "client_id": str(contract["client_id"]),
        "period": projection["period"],
        "as_of": projection["as_of"],
        "service_level": level["key"],
        "metric": level["metric"],
        "target": level["target"],
        "direction": level["direction"],
        "status": level["status"],
        "previous_status": previous,
        "month_to_date": level["month_to_date"],
        "projected_value": level.get("projected_value"),
        "probability_met": level.get("probability_met"),
        "recovery": {
            k: recovery.get(k) for k in ("outlook", "needed", "expected_rest", "rest_must_reach")
        }
        if recovery
        else None,
    }
