"""Cutting a file into chunks that are valid files of the same format and name the file's
lines (pure functions, no platform)."""

import csv
import io

from contrato.commands.imports import csv_chunks, jsonl_chunks, queue_log_chunks

HEADER = "external_id,queue,note\n"


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


class TestCsv:
    def test_header_in_every_chunk_and_rows_kept_whole(self) -> None:
        text = HEADER + 'a,q,"two\nlines"\nb,q,x\n\nc,q,y'
        chunks = csv_chunks(text, batch_size=2)
        assert [c.records for c in chunks] == [2, 1]
        assert rows_of(chunks[0].text) == [
            ["external_id", "queue", "note"], ["a", "q", "two\nlines"], ["b", "q", "x"]
        ]  # fmt: skip
        assert rows_of(chunks[1].text) == [["external_id", "queue", "note"], ["c", "q", "y"]]

    def test_lines_map_to_the_file(self) -> None:
        # the service names a row by the line it ends on: row c ends on file line 6
        text = HEADER + 'a,q,"two\nlines"\nb,q,x\n\nc,q,y\n'
        chunks = csv_chunks(text, batch_size=2)
        assert chunks[0].file_line(3) == 3 and chunks[0].file_line(4) == 4
        assert chunks[1].file_line(1) == 1  # the header
        assert chunks[1].file_line(2) == 6

    def test_bytes_limit_cuts_too(self) -> None:
        text = HEADER + "".join(f"id-{n},q,{'x' * 50}\n" for n in range(10))
        chunks = csv_chunks(text, batch_size=1000, max_bytes=200)
        assert sum(c.records for c in chunks) == 10
        assert all(len(c.text.encode()) <= 200 for c in chunks)

    def test_a_header_alone_is_still_sent(self) -> None:
        chunks = csv_chunks(HEADER, batch_size=10)
        assert len(chunks) == 1 and chunks[0].records == 0
        assert chunks[0].file_line(1) == 1


class TestJsonLines:
    def test_blank_lines_dropped_and_lines_mapped(self) -> None:
        text = '{"a":1}\n\n{"a":2}\n{"a":3}\n'
        chunks = jsonl_chunks(text, batch_size=2)
        assert [c.text for c in chunks] == ['{"a":1}\n{"a":2}\n', '{"a":3}\n']
        assert chunks[0].file_line(2) == 3 and chunks[1].file_line(1) == 4


class TestQueueLog:
    def test_events_of_a_call_stay_together_in_file_order(self) -> None:
        lines = [
            "1|NONE|NONE|NONE|QUEUESTART|",
            "2|c1|q|NONE|ENTERQUEUE||+55",
            "3|c2|q|NONE|ENTERQUEUE||+55",
            "4|c1|q|Agent/1|CONNECT|1|x|0",
            "5|c2|q|NONE|ABANDON|1|1|3",
            "6|c1|q|Agent/1|COMPLETECALLER|1|60|1",
            "7|bad",
        ]
        chunks = queue_log_chunks("\n".join(lines), batch_size=1)
        assert [c.records for c in chunks] == [1, 1, 1]
        assert chunks[0].text.splitlines() == [lines[1], lines[3], lines[5]]
        assert [chunks[0].file_line(i) for i in (1, 2, 3)] == [2, 4, 6]
        assert chunks[1].text.splitlines() == [lines[2], lines[4]]
        assert chunks[2].text.splitlines() == ["7|bad"] and chunks[2].file_line(1) == 7
