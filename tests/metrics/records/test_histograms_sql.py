"""The SQL side of the trimmed wait histograms (migration 5d2f8a6c1e47): adding arrays of
different lengths and reading a bound agree with full-length arithmetic, for any lengths."""

from collections.abc import AsyncIterator
from itertools import accumulate

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

FULL = 601


def full(trimmed: list[int]) -> list[int]:
    """The full-length histogram a trimmed one stands for."""
    return trimmed + [trimmed[-1] if trimmed else 0] * (FULL - len(trimmed))


@pytest.fixture
async def connection(metrics_app: FastAPI) -> AsyncIterator[AsyncConnection]:
    async with metrics_app.state.database.engine.connect() as conn:
        yield conn


histograms = st.lists(st.integers(-5, 5), max_size=40).map(lambda h: list(accumulate(h)))


# The connection only reads: sharing it across examples is safe.
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parts=st.lists(histograms, min_size=1, max_size=4), bound=st.integers(0, 600))
async def test_adding_and_reading_trimmed_histograms(
    connection: AsyncConnection, parts: list[list[int]], bound: int
) -> None:
    row = (
        await connection.execute(
            text(
                "SELECT metrics_int_array_sum(h) AS total, "
                "sum(metrics_histogram_le(h, :bound)) AS at_bound "
                "FROM unnest(CAST(:parts AS text[])) AS t(p), "
                "LATERAL (SELECT CAST(p AS integer[]) AS h) AS x"
            ),
            {"parts": ["{" + ",".join(map(str, p)) + "}" for p in parts], "bound": bound},
        )
    ).one()
    expected = [sum(column) for column in zip(*(full(p) for p in parts), strict=True)]
    assert full(list(row.total)) == expected
    assert row.at_bound == expected[bound]
