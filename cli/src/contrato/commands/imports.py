"""`contrato import FILE`: send a telephony file through the gateway, in chunks.

The metrics service takes a whole file at ``POST /v1/imports/{format}`` (at most 10,000 records
and 20 MiB a request; the gateway allows 64 MiB for imports). A bigger file is cut into chunks
that are valid files of the same format — the CSV header repeated, JSON lines as they are, the
queue_log events of one call always in the same chunk — and each chunk remembers which file
line each of its lines came from, so every rejection names the line of the FILE. Ingestion is
idempotent on (source, external id): importing a file again, or the rest of it after a failure,
is safe.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from contrato.commands.api import (
    DEFAULT_GATEWAY,
    EXIT_API,
    ApiError,
    DataDir,
    GatewayUrl,
    JsonOut,
    TokenOpt,
    connect,
    default_data_dir,
    err,
    fail,
    fail_usage,
    out,
    print_json,
    progress_wanted,
)

MAX_RECORDS = 10_000  # the metrics service's limit per file
MAX_CHUNK_BYTES = 8 * 1024 * 1024  # well under the service's 20 MiB and the gateway's 64 MiB


class ImportFormat(StrEnum):
    csv = "csv"
    amazon_connect = "amazon-connect"
    asterisk = "asterisk"
    # A QA tool's evaluations, one JSON object a line in the shape of the API's; sent as
    # batches to /v1/quality-evaluations (the metrics service has no file import for them).
    qa_evaluations = "qa-evaluations"


CONTENT_TYPES = {
    ImportFormat.csv: "text/csv; charset=utf-8",
    ImportFormat.amazon_connect: "application/x-ndjson",
    ImportFormat.asterisk: "text/plain; charset=utf-8",
}


@dataclass
class Chunk:
    """A piece of the file that is itself a valid file of the format."""

    text: str
    records: int
    lines: dict[int, int] = field(default_factory=dict)  # chunk line -> file line

    def file_line(self, chunk_line: int) -> int:
        return self.lines.get(chunk_line, chunk_line)


def _pack(
    items: list[tuple[int, list[tuple[int, str]]]],
    batch_size: int,
    max_bytes: int,
    header: Sequence[tuple[int, str]] = (),
) -> list[Chunk]:
    """Group records (each: a list of (file line, text)) into chunks of at most
    ``batch_size`` records and about ``max_bytes``; lines keep the file's order."""
    chunks: list[Chunk] = []
    current: list[tuple[int, str]] = []
    count = size = 0
    header_size = sum(len(text.encode()) for _, text in header)

    def flush() -> None:
        nonlocal current, count, size
        if count:
            ordered = [*header, *sorted(current)]
            chunks.append(
                Chunk(
                    text="".join(text for _, text in ordered),
                    records=count,
                    lines={i: line for i, (line, _) in enumerate(ordered, start=1)},
                )
            )
        current, count, size = [], 0, 0

    for _, lines in items:
        item_size = sum(len(text.encode()) for _, text in lines)
        if count and (count >= batch_size or header_size + size + item_size > max_bytes):
            flush()
        current.extend(lines)
        count += 1
        size += item_size
    flush()
    return chunks


def _with_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def csv_chunks(text: str, batch_size: int, max_bytes: int = MAX_CHUNK_BYTES) -> list[Chunk]:
    """Our CSV: the header repeated in every chunk; a row may span lines (quoted newlines)."""
    physical = list(io.StringIO(text.removeprefix("\ufeff")))
    reader = csv.reader(iter(physical))
    try:
        next(reader)
    except StopIteration:
        return []
    header_end = reader.line_num
    header = [(n, _with_newline(physical[n - 1])) for n in range(1, header_end + 1)]
    rows: list[tuple[int, list[tuple[int, str]]]] = []
    previous = header_end
    for row in reader:
        end = reader.line_num
        if row:  # blank lines are no rows, as the service's DictReader skips them
            lines = [(n, physical[n - 1]) for n in range(previous + 1, end + 1)]
            lines[-1] = (end, _with_newline(lines[-1][1]))
            rows.append((end, lines))
        previous = end
    if not rows:
        return [
            Chunk(text="".join(t for _, t in header), records=0, lines={n: n for n, _ in header})
        ]
    return _pack(rows, batch_size, max_bytes, header)


def jsonl_chunks(text: str, batch_size: int, max_bytes: int = MAX_CHUNK_BYTES) -> list[Chunk]:
    """Amazon Connect: one JSON object a line; blank lines dropped."""
    records = [
        (number, [(number, line + "\n")])
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]
    return _pack(records, batch_size, max_bytes)


def queue_log_chunks(text: str, batch_size: int, max_bytes: int = MAX_CHUNK_BYTES) -> list[Chunk]:
    """Asterisk queue_log: every event of one call id in the same chunk (the service assembles
    a contact from its events); lines of no call (QUEUESTART …) are left out, as the service
    ignores them; a malformed line travels alone so the service names it."""
    calls: dict[str, list[tuple[int, str]]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = line.split("|")
        if len(parts) < 5:
            calls[f"\0line{number}"] = [(number, line + "\n")]
            continue
        if parts[1] in ("NONE", ""):
            continue
        calls.setdefault(parts[1], []).append((number, line + "\n"))
    return _pack([(lines[0][0], lines) for lines in calls.values()], batch_size, max_bytes)


CHUNKERS = {
    ImportFormat.csv: csv_chunks,
    ImportFormat.amazon_connect: jsonl_chunks,
    ImportFormat.asterisk: queue_log_chunks,
    ImportFormat.qa_evaluations: jsonl_chunks,
}


def guess_format(path: Path) -> ImportFormat | None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return ImportFormat.csv
    if suffix in (".jsonl", ".ndjson"):
        return ImportFormat.amazon_connect
    if "queue_log" in path.name:
        return ImportFormat.asterisk
    return None


@dataclass
class Summary:
    requests: int = 0
    received: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)

    def add(self, result: dict[str, Any], chunk: Chunk, first_index: int = 1) -> None:
        """Count a request's answer; its rejections' indexes count from ``first_index`` (1
        for the file imports, whose index is the chunk's line; 0 for a JSON batch)."""
        self.requests += 1
        for key in ("received", "inserted", "updated", "unchanged", "rejected"):
            setattr(self, key, getattr(self, key) + int(result.get(key, 0)))
        for rejection in result.get("rejections", []):
            self.rejections.append(
                {
                    "line": chunk.file_line(int(rejection["index"]) - first_index + 1),
                    "field": rejection.get("field", ""),
                    "message": rejection.get("message", ""),
                }
            )

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "received": self.received,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejections": sorted(self.rejections, key=lambda r: r["line"]),
        }


def evaluation_batch(chunk: Chunk, source: str, contact_source: str | None) -> dict[str, Any]:
    """A chunk of QA evaluation lines as the body of ``POST /v1/quality-evaluations``. A line
    that is not JSON goes as its text, so the service rejects it on that row (and line);
    ``contact_source`` is filled into evaluations of a contact that name none."""
    records: list[Any] = []
    for line in chunk.text.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = line
        if contact_source and isinstance(record, dict) and "contact" in record:
            record.setdefault("contact_source", contact_source)
        records.append(record)
    return {"source": source, "records": records}


def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="The file to import",
            show_default=False,
        ),
    ],
    source: Annotated[
        str,
        typer.Option(help="The source (telephony platform) name, as registered at /v1/sources"),
    ],
    file_format: Annotated[
        ImportFormat | None,
        typer.Option(
            "--format",
            help="File format (default: from the extension: .csv, .jsonl, queue_log); "
            "qa-evaluations for a QA tool's evaluations, one JSON object a line",
            show_default=False,
        ),
    ] = None,
    contact_source: Annotated[
        str | None,
        typer.Option(
            help="qa-evaluations: the source the evaluated contacts came through, for the "
            "evaluations that name none (default: --source)",
            show_default=False,
        ),
    ] = None,
    batch_size: Annotated[
        int,
        typer.Option(min=1, max=MAX_RECORDS, help="Records per request (the service takes 10,000)"),
    ] = 5000,
    show_rejected: Annotated[
        int, typer.Option(min=0, help="How many rejected rows to list in the table")
    ] = 20,
    gateway: GatewayUrl = DEFAULT_GATEWAY,
    token: TokenOpt = None,
    data_dir: DataDir = default_data_dir(),
    as_json: JsonOut = False,
) -> None:
    """Import contact records from a file (our CSV, Amazon Connect JSON lines, Asterisk
    queue_log), or a QA tool's evaluations, through the gateway, in chunks, with a progress
    bar and a summary."""
    fmt = file_format or guess_format(file)
    if fmt is None:
        fail_usage(f"cannot tell the format of {file.name}: pass --format")
    if contact_source is not None and fmt is not ImportFormat.qa_evaluations:
        fail_usage("--contact-source is only for --format qa-evaluations")
    try:
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        fail_usage(f"{file} is not UTF-8 text")
    except OSError as exc:
        fail_usage(f"cannot read {file}: {exc.strerror}")
    chunks = CHUNKERS[fmt](text, batch_size)
    api = connect(gateway, token, data_dir)
    summary = Summary()
    total = sum(chunk.records for chunk in chunks)
    progress = Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("records"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not chunks or not progress_wanted(),
    )
    try:
        with progress:
            task = progress.add_task("import", total=total)
            for chunk in chunks:
                if fmt is ImportFormat.qa_evaluations:
                    batch = evaluation_batch(chunk, source, contact_source)
                    result = api.post("/v1/quality-evaluations", batch)
                    summary.add(result, chunk, first_index=0)
                else:
                    result = api.post(
                        f"/v1/imports/{fmt.value}",
                        params={"source": source},
                        content=chunk.text.encode(),
                        headers={"content-type": CONTENT_TYPES[fmt]},
                    )
                    summary.add(result, chunk)
                progress.advance(task, chunk.records)
                if _header_refused(result, chunk):
                    break
    except ApiError as exc:
        if summary.requests:
            err.print(
                f"{summary.received} of {total} records were sent before the failure "
                "(importing the file again is safe: records are idempotent)"
            )
        if exc.status == 404 and "source" in exc.message:
            exc.errors.append(f"register the source first: POST /v1/sources {{'name': '{source}'}}")
        fail(exc)
    finally:
        api.close()
    report = summary.as_dict()
    if as_json:
        print_json({"file": str(file), "format": fmt.value, "source": source, **report})
    else:
        _print_summary(file, fmt, summary, show_rejected)
    if summary.received and summary.rejected == summary.received:
        # Nothing stored: a script running the import must not carry on as if it worked.
        if not as_json:
            err.print(f"[red]every record of {escape(file.name)} was rejected[/]")
        raise typer.Exit(EXIT_API)


def _header_refused(result: dict[str, Any], chunk: Chunk) -> bool:
    """A CSV whose header the service refused: every chunk would say the same."""
    return bool(result.get("rejections")) and all(
        chunk.file_line(int(r["index"])) == 1 and r.get("message") == "unknown column"
        for r in result["rejections"]
    )


def _print_summary(file: Path, fmt: ImportFormat, summary: Summary, show: int) -> None:
    out.print(
        f"Imported [bold]{escape(file.name)}[/] ({fmt.value}) in {summary.requests} "
        f"request{'s' if summary.requests != 1 else ''}: {summary.received} received",
        soft_wrap=True,
    )
    counts = Table(show_header=True, box=None, pad_edge=False)
    for name in ("inserted", "updated", "unchanged", "rejected"):
        counts.add_column(name, justify="right")
    counts.add_row(
        str(summary.inserted),
        str(summary.updated),
        str(summary.unchanged),
        f"[red]{summary.rejected}[/]" if summary.rejected else "0",
    )
    out.print(counts)
    rejections = summary.as_dict()["rejections"]
    if rejections and show:
        table = Table(title=f"Rejected rows (first {min(show, len(rejections))})")
        table.add_column("line", justify="right")
        table.add_column("field")
        table.add_column("reason", overflow="fold")
        for rejection in rejections[:show]:
            table.add_row(
                str(rejection["line"]), escape(rejection["field"]), escape(rejection["message"])
            )
        out.print(table)
        if len(rejections) > show:
            out.print(f"… and {len(rejections) - show} more (--show-rejected N, or --json)")
