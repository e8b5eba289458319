"""The billing service exactly as ``contrato up`` runs it, plus one read-only route for the
invoice-run benchmark: ``GET /bench/run-stats``, the run workers' own time accounting
(``RunStats``: contracts, seconds waiting on contracts/metrics, total seconds), which the API
does not expose. Benchmark aid only; started by ``bench/bench_invoice_run.py`` as
``uvicorn _billing_probe:create_app --factory`` with ``bench/`` on the path.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import FastAPI

from billing.invoice_runs import service as runs
from billing.main import create_app as create_billing_app

RUNNERS: list[runs.Runner] = []
_make_runner = runs.RunManager.runner


def _recorded_runner(self: runs.RunManager) -> runs.Runner:
    runner = _make_runner(self)
    RUNNERS.append(runner)
    return runner


runs.RunManager.runner = _recorded_runner


def create_app() -> FastAPI:
    app = create_billing_app()

    @app.get("/bench/run-stats", include_in_schema=False)
    async def run_stats() -> list[dict[str, Any]]:
        return [{**dataclasses.asdict(r.stats), "concurrency": r.concurrency} for r in RUNNERS]

    return app
