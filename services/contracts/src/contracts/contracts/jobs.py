"""Scheduled work: the daily status refresh, runnable without the HTTP API.

    uv run python -m contracts.contracts.jobs refresh-statuses [--on YYYY-MM-DD]

The same work is behind ``POST /v1/contracts/status-refresh`` (role service or admin), for a
scheduler that prefers calling the API.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from datetime import date

import structlog

from contracts.contracts.repository import ContractRepository
from contracts.contracts.service import ContractService
from contracts.organizations.repository import OrganizationRepository
from contracts.settings import ContractsSettings, get_settings
from shared.db import Database

log = structlog.get_logger("contracts.jobs")


async def refresh_statuses(
    settings: ContractsSettings | None = None, on: date | None = None
) -> tuple[int, int, int]:
    """Recompute every contract not yet over, one transaction per batch (locks stay short).
    Returns (checked, changed, events). Running it twice changes nothing the second time."""
    settings = settings or get_settings()
    database = Database(settings.sqlalchemy_url, pool_size=1)
    totals = [0, 0, 0]
    after: uuid.UUID | None = None
    try:
        while True:
            async with database.sessionmaker() as session, session.begin():
                service = ContractService(
                    ContractRepository(session), OrganizationRepository(session)
                )
                after, *counts = await service.refresh_batch(after, on)
            if after is None:
                break
            totals = [t + c for t, c in zip(totals, counts, strict=True)]
    finally:
        await database.dispose()
    checked, changed, events = totals
    log.info("contracts.status_refreshed", checked=checked, changed=changed, events=events)
    return checked, changed, events


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="contracts-jobs")
    sub = parser.add_subparsers(dest="job", required=True)
    refresh = sub.add_parser("refresh-statuses", help="recompute contract statuses")
    refresh.add_argument("--on", type=date.fromisoformat, default=None, help="pretend today")
    args = parser.parse_args(argv)
    checked, changed, events = asyncio.run(refresh_statuses(on=args.on))
    print(f"checked {checked} contracts, {changed} changed, {events} events")


if __name__ == "__main__":
    main()
