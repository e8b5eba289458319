"""A projection pinned on a fixed dataset: every figure of ``RiskService.risk`` (month to date,
forecast, projection, probabilities, recovery with staffing, intervals) must not move when its
arithmetic is made faster. The slices are generated, read through a stand-in for the SLA
service (the real one reads the rollups; what it returns is all the projection sees)."""

import hashlib
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from metrics.kpis.figures import SCALAR_FIELDS, Sums
from metrics.risk.service import RiskService
from metrics.sla.evaluate import Slice, thresholds_of
from metrics.sla.service import EvaluationInputs
from tests.metrics.sla.test_sla_reports_api import HOLIDAYS, HOURS, SERVICE_LEVELS, TZ

CONTRACT = uuid.UUID("01938a52-0000-7000-8000-0000000000c1")
CLIENT = uuid.UUID("01938a52-0000-7000-8000-0000000000c2")
STREAMS = (("support", "voice", 6), ("sales", "voice", 2), ("support", "chat", 3))


def generated_slices(seed: int = 7) -> list[Slice]:
    """Quarter hours from 07:00 to 21:00 local (some outside the contract's hours) from the
    start of August to mid-October, for three queue/channel streams."""
    rng = random.Random(seed)
    tz = ZoneInfo(TZ)
    bounds = sorted(thresholds_of(SERVICE_LEVELS))
    out = []
    day = date(2026, 8, 1)
    while day <= date(2026, 10, 20):
        busy = 0.4 if rng.random() < 0.05 else 1.0  # now and then a bad day
        for slot in range(7 * 4, 21 * 4):
            start = datetime(day.year, day.month, day.day, slot // 4, slot % 4 * 15, tzinfo=tz)
            for queue, channel, mean in STREAMS:
                weekday = 0.5 if day.weekday() >= 5 else 1.0
                count = rng.randint(0, int(2 * mean * weekday))
                if count == 0:
                    continue
                s = Sums(contacts=count)
                answered_waits, abandoned_waits = [], []
                for _ in range(count):
                    wait = int(rng.expovariate(busy / 25))
                    roll = rng.random()
                    if roll < 0.08 + (0.1 if busy < 1 else 0.0):
                        s.abandoned += 1
                        s.wait_abandoned += wait
                        abandoned_waits.append(wait)
                    elif roll < 0.1 + (0.1 if busy < 1 else 0.0):
                        s.flow_outs += 1
                    else:
                        s.answered += 1
                        s.wait_answered += wait
                        answered_waits.append(wait)
                        handle = rng.randint(120, 700)
                        s.handle_seconds += handle
                        s.handle_units_6 += -(-handle // 6)
                        s.handle_units_60 += -(-handle // 60)
                        s.transferred += rng.random() < 0.1
                        known = rng.random() < 0.7
                        s.fcr_known += known
                        s.fcr_resolved += known and rng.random() < 0.6
                        if rng.random() < 0.3:
                            score = rng.randint(1, 5)
                            s.csat_responses += 1
                            s.csat_sum += score
                            s.csat_top2 += score >= 4
                        if rng.random() < 0.2:
                            nps = rng.randint(0, 10)
                            s.nps_responses += 1
                            s.nps_promoters += nps >= 9
                            s.nps_detractors += nps <= 6
                s.answered_le = {k: sum(w <= k for w in answered_waits) for k in bounds}
                s.abandoned_le = {k: sum(w <= k for w in abandoned_waits) for k in bounds}
                out.append(Slice(start.astimezone(UTC), queue, channel, s))
        day += timedelta(days=1)
    return out


class StandIn:
    """The SLA service as the projection uses it: the contract's terms and the slices."""

    def __init__(self, slices: list[Slice]) -> None:
        self.slices = slices
        self.contracts = self
        self.reads: list[tuple[datetime, datetime]] = []

    async def service_terms(self, *_: Any, **__: Any) -> dict[str, Any]:
        return {
            "client_id": str(CLIENT),
            "time_zone": TZ,
            "versions": [
                {
                    "version": 1,
                    "effective_from": "2026-08-03",
                    "effective_to": None,
                    "service_levels": SERVICE_LEVELS,
                    "hours": HOURS,
                    "holidays": HOLIDAYS,
                }
            ],
        }

    async def read_slices(
        self, _: uuid.UUID, __: Any, ___: ZoneInfo, start: datetime, end: datetime
    ) -> EvaluationInputs:
        self.reads.append((start, end))
        return EvaluationInputs([s for s in self.slices if start <= s.start < end], [], [])


async def pinned(as_of: str, *, staffing: bool) -> tuple[str, list[tuple[Any, ...]]]:
    service = RiskService(StandIn(generated_slices()))
    got = await service.risk(
        SimpleNamespace(token="t"),
        CONTRACT,
        "2026-10",
        datetime.fromisoformat(as_of),
        staffing=staffing,
    )
    digest = hashlib.sha256(got.model_dump_json().encode()).hexdigest()
    figures = [
        (
            level.key,
            level.month_to_date.numerator,
            level.month_to_date.denominator,
            None if level.projected_value is None else str(level.projected_value),
            level.probability_met,
            level.status.value,
            None if level.forecast is None else level.forecast.expected_denominator,
            None if level.recovery is None else level.recovery.rest_must_reach,
        )
        for level in got.levels
    ]
    return digest, figures


async def test_mid_month_projection_is_pinned() -> None:
    digest, figures = await pinned("2026-10-13T17:07:00Z", staffing=True)
    assert figures == MID_MONTH
    assert digest == MID_MONTH_DIGEST


async def test_early_projection_is_pinned() -> None:
    digest, figures = await pinned("2026-10-03T11:00:00Z", staffing=False)
    assert figures == EARLY
    assert digest == EARLY_DIGEST


MID_MONTH: list[tuple[Any, ...]] = [
    (
        "sl-answered_over_offered",
        1694,
        3860,
        "0.496265",
        0.0,
        "at_risk",
        6992.393,
        Decimal("0.999428"),
    ),
    (
        "sl-answered_over_answered",
        1694,
        3455,
        "0.541804",
        0.0,
        "at_risk",
        6454.875,
        Decimal("0.965763"),
    ),
    (
        "sl-abandons_within_threshold_met",
        1893,
        3923,
        "0.536470",
        0.0,
        "at_risk",
        7126.714,
        Decimal("0.974744"),
    ),
    (
        "sl-abandons_within_threshold_ignored",
        1694,
        3724,
        "0.511827",
        0.0,
        "at_risk",
        6774.339,
        Decimal("0.989814"),
    ),
    ("sl-daily-voice", 2484, 4709, "0.584221", 0.0, "lost", 7151.446, Decimal("0.819383")),
    ("sl-weekly-support", 1395, 3188, "0.488445", 0.0, "lost", 5818.518, Decimal("0.770279")),
    ("asa", 195194, 5545, "28.905416", 1.0, "on_track", 8693.071, Decimal("43.060623")),
    ("abandon", 666, 6211, "0.088485", 0.997, "on_track", 9477.0, Decimal("0.095178")),
    ("aht", 2283774, 5545, "411.732093", 0.0, "lost", 8693.071, Decimal("395.686299")),
    ("fcr", 2308, 3840, "0.599216", 1.0, "on_track", 6055.929, Decimal("0.435931")),
    ("csat-top2", 644, 1620, "0.400844", 0.5645, "at_risk", 2587.357, Decimal("0.401624")),
    ("csat-mean", 4816, 1620, "2.993815", 0.372, "at_risk", 2587.357, Decimal("3.017008")),
    ("nps", -535, 1121, "-47.536521", 0.0, "at_risk", 1762.411, Decimal("30.363224")),
    ("transfers", 569, 5545, "0.101134", 0.2615, "at_risk", 8693.071, Decimal("0.098240")),
]
MID_MONTH_DIGEST = "04478a489c38ce6c0d0a96c4701521f876fd101cd51175e5924dff47a00023d9"
EARLY: list[tuple[Any, ...]] = [
    (
        "sl-answered_over_offered",
        390,
        1003,
        "0.518633",
        0.0,
        "at_risk",
        9962.839,
        Decimal("0.841413"),
    ),
    (
        "sl-answered_over_answered",
        390,
        869,
        "0.561810",
        0.0,
        "at_risk",
        9235.982,
        Decimal("0.833045"),
    ),
    (
        "sl-abandons_within_threshold_met",
        444,
        1022,
        "0.557344",
        0.0,
        "at_risk",
        10151.429,
        Decimal("0.836863"),
    ),
    (
        "sl-abandons_within_threshold_ignored",
        390,
        968,
        "0.533540",
        0.0,
        "at_risk",
        9653.554,
        Decimal("0.839859"),
    ),
    ("sl-daily-voice", 454, 966, "0.615546", 0.0, "lost", 10772.464, Decimal("0.723810")),
    ("sl-weekly-support", 323, 835, "0.506787", 0.0, "lost", 8302.786, None),
    ("asa", 45034, 1055, "26.037739", 1.0, "on_track", 13188.75, Decimal("39.785124")),
    ("abandon", 173, 1228, "0.079010", 1.0, "on_track", 14288.0, Decimal("0.096445")),
    ("aht", 434136, 1055, "410.974910", 0.0, "at_risk", 13188.75, Decimal("377.273408")),
    ("fcr", 440, 733, "0.600259", 1.0, "on_track", 9215.643, Decimal("0.492079")),
    ("csat-top2", 129, 313, "0.401947", 0.5875, "at_risk", 3954.554, Decimal("0.399241")),
    ("csat-mean", 937, 313, "3.003640", 0.571, "at_risk", 3954.554, Decimal("3.000506")),
    ("nps", -90, 213, "-45.614544", 0.0, "at_risk", 2682.429, Decimal("3.355705")),
    ("transfers", 95, 1055, "0.094907", 0.984, "on_track", 13188.75, Decimal("0.100766")),
]
EARLY_DIGEST = "9f4203729d18a64e63fd0c7351320557bb95cf0567257baa8983cbde14bf0814"


def test_sums_add_every_field() -> None:
    """``Sums.add`` spells its fields out: a field added to ``Sums`` must be added there too."""
    ones = Sums(**dict.fromkeys(SCALAR_FIELDS, 1), answered_le={5: 1}, abandoned_le={5: 2})
    total = Sums().add(ones).add(ones)
    assert all(getattr(total, name) == 2 for name in SCALAR_FIELDS), total
    assert (total.answered_le, total.abandoned_le) == ({5: 2}, {5: 4})


async def test_the_history_is_read_once() -> None:
    """Month to date is the end of the history: the slices of a time are read once."""
    stand_in = StandIn(generated_slices())
    await RiskService(stand_in).risk(  # type: ignore[arg-type]
        SimpleNamespace(token="t"),  # type: ignore[arg-type]
        CONTRACT,
        "2026-10",
        datetime.fromisoformat("2026-10-13T17:07:00Z"),
    )
    reads = sorted(stand_in.reads)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(reads)), reads
