"""quality_score service levels in SLA reports: the mean score of the evaluations made in the
period (in the contract's time zone), filtered by the level's queues and channels; one level
met, one missed, one without evaluations (no data); weekly windows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.metrics.builders import contact, make_source
from tests.world import World

TZ = "America/Sao_Paulo"


def quality_level(key: str, target: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "metric": "quality_score", "target": target, **extra}


async def test_a_quality_level_met_and_one_missed(metrics: httpx.AsyncClient, world: World) -> None:
    contract_id, _ = await world.ids(
        time_zone=TZ,
        service_levels=[
            quality_level("qa-support", "85", queues=["support"]),
            quality_level("qa-sales", "90", queues=["sales"], window="week"),
            quality_level("qa-email", "80", channels=["email"]),
        ],
    )
    await make_source(metrics, "pbx")
    calls = [
        contact("s1", datetime(2026, 10, 5, 14, tzinfo=UTC), queue="support", agent="ana"),
        contact("s2", datetime(2026, 10, 6, 14, tzinfo=UTC), queue="support", agent="ana"),
        contact("v1", datetime(2026, 10, 6, 15, tzinfo=UTC), queue="sales", agent="bia"),
        contact("v2", datetime(2026, 10, 20, 15, tzinfo=UTC), queue="sales", agent="bia"),
    ]
    pushed = await metrics.post("/v1/contact-records", json={"source": "pbx", "records": calls})
    assert pushed.json()["inserted"] == 4, pushed.text

    def made(external_id: str, at: str, score: str, **about: Any) -> dict[str, Any]:
        return {"external_id": external_id, "evaluated_at": at, "score": score, **about}

    evaluations = [
        made("e1", "2026-10-05T18:00:00-03:00", "90", contact="s1"),
        made("e2", "2026-10-07T10:00:00-03:00", "84.50", contact="s2"),
        # An agent's day in support (no channel): counts for the support level.
        made(
            "e3",
            "2026-10-08T10:00:00-03:00",
            "81.25",
            agent="ana",
            day="2026-10-07",
            queue="support",
        ),
        made("e4", "2026-10-07T10:00:00-03:00", "95", contact="v1"),  # week of Oct 5: met
        made("e5", "2026-10-21T10:00:00-03:00", "70", contact="v2"),  # week of Oct 19: missed
        # Made at 02:30 UTC on November 1st, 23:30 on October 31st in São Paulo: October's.
        made("e6", "2026-11-01T02:30:00Z", "100", contact="v2"),
        # 00:30 on November 1st there: November's.
        made("e7", "2026-11-01T03:30:00Z", "0", contact="s1"),
    ]
    stored = await metrics.post(
        "/v1/quality-evaluations", json={"source": "pbx", "records": evaluations}
    )
    assert stored.json()["inserted"] == 7, stored.text

    report = await metrics.post(
        "/v1/sla-reports", json={"contract_id": str(contract_id), "period": "2026-10"}
    )
    assert report.status_code == 201, report.text
    results = {r["key"]: r for r in report.json()["results"]}

    support = results["qa-support"]
    # (90 + 84.50 + 81.25) / 3 = 85.25
    assert (support["measured"], support["numerator"], support["denominator"]) == (
        "85.250000",
        "255.75",
        3,
    )
    assert (support["status"], support["margin"], support["direction"]) == (
        "met",
        "0.250000",
        "at_least",
    )

    sales = results["qa-sales"]
    # The month: (95 + 70 + 100) / 3; judged week by week, the week of the 19th missed.
    assert (sales["numerator"], sales["denominator"]) == ("265.00", 3)
    assert sales["status"] == "missed" and sales["misses"] == 1
    judged = {w["start"]: (w["status"], w["measured"]) for w in sales["windows"]}
    assert judged["2026-10-05"] == ("met", "95.000000")
    assert judged["2026-10-19"] == ("missed", "70.000000")
    assert judged["2026-10-26"] == ("met", "100.000000")
    assert judged["2026-10-12"] == ("no_data", None)

    assert results["qa-email"]["status"] == "no_data"
