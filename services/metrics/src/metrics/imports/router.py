from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from metrics.deps import IngestDep
from metrics.imports.parsers import parse_amazon_connect, parse_asterisk_queue_log, parse_csv
from metrics.records.schemas import BatchResult
from shared.auth import Principal, Role, require
from shared.errors import PayloadTooLarge, ValidationFailed
from shared.types import Text

router = APIRouter(prefix="/v1/imports", tags=["imports"])

MAX_BYTES = 20 * 1024 * 1024
MAX_RECORDS = 10_000


@router.post(
    "/{file_format}",
    summary="Import a file of contact records (our CSV, Amazon Connect, Asterisk queue_log)",
    description=(
        "The body is the file itself (`text/csv`, `application/x-ndjson`, `text/plain`). "
        "Records go through the same validation and idempotent ingestion as "
        "`POST /v1/contact-records`. Each rejection's `index` is the line of the file (1-based; "
        "for a queue_log call, the line of its first event). At most 10,000 records a file."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "external_id,queue,channel,enqueued_at,wait_seconds,outcome\n"
                    "c1,acme-support,voice,2026-10-01T12:00:20Z,15,abandoned\n",
                },
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_file(
    file_format: Literal["csv", "amazon-connect", "asterisk"],
    request: Request,
    service: IngestDep,
    principal: Annotated[Principal, Depends(require(Role.operator, Role.partner, Role.service))],
    source: Annotated[Text, Query(min_length=1, max_length=100, description="Source name")],
) -> BatchResult:
    body = await request.body()
    if len(body) > MAX_BYTES:
        raise PayloadTooLarge(f"files up to {MAX_BYTES // (1024 * 1024)} MiB")
    if not body.strip():
        raise ValidationFailed.on("body", "the file is empty: send its contents as the body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed.on("body", "the file must be UTF-8") from exc
    if file_format == "csv":
        records, lines, problems = parse_csv(text)
    elif file_format == "amazon-connect":
        records, lines, problems = parse_amazon_connect(text)
    else:
        records, lines, problems = parse_asterisk_queue_log(text.splitlines())
    if len(records) > MAX_RECORDS:
        raise PayloadTooLarge(f"at most {MAX_RECORDS} records a file; split it")
    result = await service.ingest_contacts(principal, source, records)
    for rejection in result.rejections:
        rejection.index = lines[rejection.index]
    result.rejections = sorted(problems + result.rejections, key=lambda r: r.index)
    result.rejected += len({p.index for p in problems})
    result.received += len(problems)
    return result
