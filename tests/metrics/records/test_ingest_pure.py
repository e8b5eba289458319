"""Pure ingestion logic: validation, customer keys, versions inside a batch, rollup deltas."""

import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.ingestion.normalize import customer_key, latest_per_key, normalize_contact
from metrics.rollups.deltas import RollupDelta, by_hour, interval_start, rollup_deltas
from metrics.rollups.sums import RollupSums, contribution

SECRET = "s" * 32
T0 = datetime(2026, 10, 1, 12, 7, 30, tzinfo=UTC)


class TestCustomerKey:
    def test_same_person_however_written(self) -> None:
        assert customer_key("+55 (11) 99000-0001", SECRET) == customer_key(
            "+551199000 0001", SECRET
        )
        assert customer_key(" Ana@Example.COM ", SECRET) == customer_key("ana@example.com", SECRET)

    def test_keyed_and_not_reversible(self) -> None:
        key = customer_key("+5511990000001", SECRET)
        assert key != customer_key("+5511990000001", "t" * 32)
        assert "5511990000001" not in key and len(key) == 64

    def test_keys_are_plain_hmac_sha256_of_the_normalized_identifier(self) -> None:
        """Stored keys must keep matching: however it is computed, a key is exactly
        HMAC-SHA256(secret, normalized identifier), for every secret in use."""
        for secret in (SECRET, "t" * 32, SECRET):
            for raw, normalized in (
                ("+55 (11) 99000-0001", "+5511990000001"),
                ("11 99000-0001", "11990000001"),
                (" Ana@Example.COM ", "ana@example.com"),
                ("Walk-In", "walk-in"),
            ):
                expected = hmac.new(secret.encode(), normalized.encode(), hashlib.sha256)
                assert customer_key(raw, secret) == expected.hexdigest()


class TestNormalize:
    def test_wait_derived_and_rounded_half_up(self) -> None:
        record = normalize_contact(
            0,
            {
                "external_id": "a",
                "queue": "q",
                "enqueued_at": "2026-10-01T12:00:00Z",
                "answered_at": "2026-10-01T12:00:12.500Z",
                "outcome": "answered",
            },
            secret=SECRET,
            new_id=uuid.uuid4,
        )
        assert not isinstance(record, list)
        assert record.wait_seconds == 13
        assert record.updated_at == record.enqueued_at  # no ended_at, no updated_at

    def test_rejections_name_fields(self) -> None:
        problems = normalize_contact(
            7,
            {
                "external_id": "a",
                "queue": "q",
                "enqueued_at": "2026-10-01T12:00:00",
                "outcome": "x",
            },
            secret=SECRET,
            new_id=uuid.uuid4,
        )
        assert isinstance(problems, list)
        assert {(p.index, p.field) for p in problems} == {(7, "enqueued_at"), (7, "outcome")}


def fact(enqueued: datetime, outcome: str = "answered", wait: int = 5, **extra: object):
    base = {
        "contract_id": uuid.UUID(int=1),
        "client_id": None,
        "queue": "q",
        "channel": "voice",
        "direction": "inbound",
        "enqueued_at": enqueued,
        "outcome": outcome,
        "wait_seconds": wait,
        "talk_seconds": 61 if outcome == "answered" else 0,
        "hold_seconds": 0,
        "acw_seconds": 0,
        "transferred": False,
        "resolved": None,
        "csat": None,
        "nps": None,
        "updated_at": enqueued,
        "external_id": "x",
    }
    base.update(extra)
    return SimpleNamespace(**base)


class TestLatestPerKey:
    def test_latest_wins_and_later_wins_ties(self) -> None:
        a = fact(T0, external_id="k", updated_at=T0, wait_seconds=1)
        b = fact(T0, external_id="k", updated_at=T0 + timedelta(1), wait_seconds=2)
        c = fact(T0, external_id="k", updated_at=T0 + timedelta(1), wait_seconds=3)
        kept, superseded = latest_per_key([a, b, c])
        assert [r.wait_seconds for r in kept] == [3] and superseded == 2
        kept, _ = latest_per_key([b, a])
        assert [r.wait_seconds for r in kept] == [2]


class TestRollupDeltas:
    def test_interval_is_the_quarter_hour(self) -> None:
        assert interval_start(T0) == datetime(2026, 10, 1, 12, 0, tzinfo=UTC)

    def test_replacing_moves_the_contribution(self) -> None:
        old = fact(T0, wait=5)
        new = fact(T0 + timedelta(minutes=20), "abandoned", wait=7)
        deltas = rollup_deltas([new], [old])
        before = deltas[(old.contract_id, "q", "voice", "inbound", interval_start(T0))]
        after = deltas[(old.contract_id, "q", "voice", "inbound", interval_start(new.enqueued_at))]
        assert before.sums.answered == -1 and before.answered_waits == {5: -1}
        assert after.sums.abandoned == 1 and after.abandoned_waits == {7: 1}
        cumulative = RollupDelta.cumulative(before.answered_waits)
        # trimmed after the longest wait: longer waits read the last element
        assert cumulative == [0, 0, 0, 0, 0, -1]

    def test_histograms_stop_at_the_longest_counted_wait(self) -> None:
        assert RollupDelta.cumulative({}) == [] and RollupDelta.cumulative({3: 0}) == []
        assert RollupDelta.cumulative({0: 2, 2: 1}) == [2, 2, 3]
        assert RollupDelta.cumulative({1: 1, 900: 4}) == [0, 1]  # past 600 s: not counted
        assert RollupDelta.cumulative_text({1: 1, 2: -1}) == "{0,1,0}"
        assert RollupDelta.cumulative_text({}) == "{}"

    def test_per_contact_rounding_units(self) -> None:
        delta = next(iter(rollup_deltas([fact(T0, talk_seconds=61)], []).values()))
        sums = delta.sums
        assert (sums.handle_seconds, sums.handle_units_6, sums.handle_units_60) == (61, 11, 2)

    def test_hourly_sums_the_quarters(self) -> None:
        deltas = rollup_deltas([fact(T0), fact(T0 + timedelta(minutes=30), wait=9)], [])
        (hour,) = by_hour(deltas).values()
        assert hour.sums.answered == 2 and hour.answered_waits == {5: 1, 9: 1}


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4 * 24 * 3),
            st.sampled_from(["answered", "abandoned", "flow_out"]),
            st.integers(0, 700),
        ),
        max_size=40,
    )
)
def test_adding_then_removing_leaves_nothing(rows: list[tuple[int, str, int]]) -> None:
    records = [fact(T0 + timedelta(minutes=15 * i), o, w) for i, o, w in rows]
    total = rollup_deltas(records, records)
    assert total == {}


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["answered", "abandoned", "flow_out"]),
            st.integers(0, 700),
            st.integers(0, 400),
            st.booleans(),
            st.sampled_from([None, True, False]),
            st.one_of(st.none(), st.integers(1, 5)),
            st.one_of(st.none(), st.integers(0, 10)),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_group_sums_equal_the_per_record_contribution(rows: list[tuple]) -> None:
    records = [
        fact(
            T0,
            o,
            w,
            talk_seconds=t if o == "answered" else 0,
            transferred=x,
            resolved=res,
            csat=c,
            nps=n,
        )
        for o, w, t, x, res, c, n in rows
    ]
    (delta,) = rollup_deltas(records, []).values() or [None]
    expected = RollupSums._make(
        sum(col) for col in zip(*(contribution(r) for r in records), strict=True)
    )
    assert delta is not None and delta.sums == expected
