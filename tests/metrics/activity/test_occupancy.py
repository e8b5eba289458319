"""The pure occupancy arithmetic against a second-by-second brute force (tests/metrics/brute)."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.activity.occupancy import (
    SpanFilter,
    intersect,
    occupancy_seconds,
    subtract,
    union,
)
from tests.metrics import brute

T0 = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def span(agent: str, state: str, a: float, b: float, queue=None, channel=None) -> dict[str, Any]:
    return {
        "agent": agent,
        "state": state,
        "queue": queue,
        "channel": channel,
        "started_at": at(a),
        "ended_at": at(b),
    }


class TestIntervals:
    def test_union_merges_overlapping_and_touching(self) -> None:
        assert union([(at(5), at(10)), (at(0), at(3)), (at(3), at(4)), (at(8), at(12))]) == [
            (at(0), at(4)),
            (at(5), at(12)),
        ]

    def test_subtract(self) -> None:
        got = subtract([(at(0), at(10)), (at(20), at(30))], [(at(2), at(4)), (at(8), at(22))])
        assert got == [(at(0), at(2)), (at(4), at(8)), (at(22), at(30))]

    def test_intersect(self) -> None:
        got = intersect([(at(0), at(10)), (at(20), at(30))], [(at(5), at(25))])
        assert got == [(at(5), at(10)), (at(20), at(25))]


class TestOccupancySeconds:
    def test_agent_in_two_queues_counts_once_and_is_busy_for_both(self) -> None:
        rows = [
            span("ana", "available", 0, 30, "sales", "voice"),
            span("ana", "available", 0, 10, "support", "voice"),
            span("ana", "on_contact", 10, 25, "support", "voice"),
        ]
        assert occupancy_seconds(rows, "total", UTC_ZONE) == {(None, None): (900, 900)}
        by_queue = occupancy_seconds(rows, "total", UTC_ZONE, group_by="queue")
        # While on a support contact, ana is not available to sales.
        assert by_queue == {(None, "support"): (900, 600), (None, "sales"): (0, 900)}

    def test_untagged_spans_are_left_out_of_filtered_figures(self) -> None:
        rows = [
            span("ana", "available", 0, 10),
            span("ana", "on_contact", 10, 20, "support"),
            span("ana", "available", 20, 30, "support", "chat"),
        ]
        assert occupancy_seconds(
            rows, "total", UTC_ZONE, span_filter=SpanFilter.of(["support"])
        ) == {(None, None): (600, 600)}
        # The handling span names no channel: it cannot be told to be chat.
        assert occupancy_seconds(
            rows, "total", UTC_ZONE, span_filter=SpanFilter.of(channels=["chat"])
        ) == {(None, None): (0, 600)}
        assert occupancy_seconds(rows, "total", UTC_ZONE, span_filter=SpanFilter.of(["x"])) == {}

    def test_spans_are_cut_at_bucket_edges(self) -> None:
        rows = [span("ana", "on_contact", 10, 22.5), span("ana", "available", 22.5, 40)]
        assert occupancy_seconds(rows, "15min", UTC_ZONE) == {
            (at(0), None): (300, 0),
            (at(15), None): (450, 450),
            (at(30), None): (0, 600),
        }

    def test_within_keeps_only_the_given_time(self) -> None:
        rows = [span("ana", "on_contact", 0, 20), span("ana", "available", 20, 40)]
        got = occupancy_seconds(rows, "total", UTC_ZONE, within=[(at(10), at(30))])
        assert got == {(None, None): (600, 600)}


STATES = ("available", "on_contact", "after_contact_work", "break")
spans_strategy = st.lists(
    st.tuples(
        st.sampled_from(["ana", "bia"]),
        st.sampled_from(STATES),
        st.integers(0, 3600),
        st.integers(0, 1200),
        st.sampled_from([None, "support", "sales"]),
        st.sampled_from([None, "voice", "chat"]),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(
    raw=spans_strategy,
    queues=st.sampled_from([(), ("support",), ("support", "sales")]),
    channels=st.sampled_from([(), ("voice",)]),
    group_by=st.sampled_from([None, "queue", "channel", "agent"]),
    granularity=st.sampled_from(["15min", "hour", "total"]),
)
def test_matches_second_by_second_count(
    raw: list, queues: tuple, channels: tuple, group_by: str | None, granularity: str
) -> None:
    rows = [
        {
            "agent": agent,
            "state": state,
            "queue": queue,
            "channel": channel,
            "started_at": T0 + timedelta(seconds=start),
            "ended_at": T0 + timedelta(seconds=start + length),
        }
        for agent, state, start, length, queue, channel in raw
    ]
    got = occupancy_seconds(
        rows,
        granularity,
        UTC_ZONE,
        span_filter=SpanFilter.of(queues, channels),
        group_by=group_by,
    )

    def bucket(ts: datetime) -> datetime | None:
        if granularity == "total":
            return None
        return brute.local_bucket(ts, granularity, UTC_ZONE).astimezone(UTC)

    expected = brute.occupancy(
        rows,
        start=T0,
        end=T0 + timedelta(hours=2),
        bucket=bucket,
        queues=queues,
        channels=channels,
        group_by=group_by,
    )
    assert {k: v for k, v in got.items() if v != (0, 0)} == expected
