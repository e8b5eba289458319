import time
import uuid

import pytest

from shared.errors import PreconditionFailed, PreconditionRequired, ValidationFailed
from shared.etag import check_if_match, etag
from shared.ids import uuid7, uuid7_batch
from shared.observability import child_traceparent
from shared.pagination import decode_cursor, encode_cursor


class TestUuid7:
    def test_ids_sort_in_creation_order(self) -> None:
        ids = [uuid7() for _ in range(5000)]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
        assert {i.version for i in ids} == {7}

    def test_a_batch_is_what_single_calls_would_make(self) -> None:
        before = uuid7()
        batch = uuid7_batch(20_000)  # more than one millisecond's counter can hold
        after = uuid7()
        ids = [before, *batch, after]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
        assert {(i.version, i.variant) for i in batch} == {(7, uuid.RFC_4122)}
        now_ms = time.time_ns() // 1_000_000
        assert all(abs((i.int >> 80) - now_ms) < 60_000 for i in batch)
        # 62 random bits: no two ids of a batch share them.
        assert len({i.int & ((1 << 62) - 1) for i in batch}) == len(batch)
        assert isinstance(batch[0], uuid.UUID) and str(batch[0]) == str(uuid.UUID(str(batch[0])))


class TestCursor:
    def test_round_trip(self) -> None:
        assert decode_cursor(encode_cursor(["2026-01-01", 42])) == ("2026-01-01", "42")

    @pytest.mark.parametrize("garbage", ["%%%", "bm90IGpzb24", "eyJhIjoxfQ"])
    def test_garbage_names_the_cursor(self, garbage: str) -> None:
        with pytest.raises(ValidationFailed) as error:
            decode_cursor(garbage)
        assert error.value.errors[0].field == "cursor"


class TestIfMatch:
    def test_missing_is_428(self) -> None:
        with pytest.raises(PreconditionRequired):
            check_if_match(None, 3)

    def test_stale_is_412(self) -> None:
        with pytest.raises(PreconditionFailed):
            check_if_match(etag(2), 3)

    def test_current_and_star_pass(self) -> None:
        check_if_match(etag(3), 3)
        check_if_match("*", 3)


class TestTraceparent:
    def test_continues_the_callers_trace_with_a_new_span(self) -> None:
        incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        child = child_traceparent(incoming)
        assert child.startswith("00-0af7651916cd43dd8448eb211c80319c-")
        assert child.split("-")[2] != "b7ad6b7169203331"

    def test_garbage_starts_a_new_trace(self) -> None:
        assert len(child_traceparent("nonsense").split("-")) == 4
