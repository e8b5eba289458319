import pytest

from shared.errors import PreconditionFailed, PreconditionRequired, ValidationFailed
from shared.etag import check_if_match, etag
from shared.ids import uuid7
from shared.observability import child_traceparent
from shared.pagination import decode_cursor, encode_cursor


class TestUuid7:
    def test_ids_sort_in_creation_order(self) -> None:
        ids = [uuid7() for _ in range(5000)]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
        assert {i.version for i in ids} == {7}


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
