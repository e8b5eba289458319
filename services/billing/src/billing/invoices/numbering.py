"""Document numbers: gapless per series (operator, INV or CN, year), and in date order within
a series, as tax authorities expect of a numbered series. A document is dated today unless told
otherwise, never in the future and never before the last document of its series."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from billing.invoices.repository import InvoiceRepository
from shared.errors import ValidationFailed

# Today somewhere: the operator may be a day ahead of UTC.
TIME_ZONE_SLACK = timedelta(days=1)


def invoice_number(year: int, n: int) -> str:
    return f"INV-{year}-{n:06d}"


def credit_note_number(year: int, n: int) -> str:
    return f"CN-{year}-{n:06d}"


async def number_for(
    repository: InvoiceRepository,
    operator_id: uuid.UUID,
    kind: str,
    asked: date | None,
    *,
    not_before: date | None = None,
) -> tuple[str, date]:
    """The next number of the series and the document's issue date, checked."""
    today = datetime.now(UTC).date()
    issue_date = asked or today
    if issue_date > today + TIME_ZONE_SLACK:
        raise ValidationFailed.on("issue_date", f"{issue_date} is in the future (today is {today})")
    if not_before is not None and issue_date < not_before:
        raise ValidationFailed.on(
            "issue_date", f"{issue_date} is before the invoice it corrects ({not_before})"
        )
    last = await repository.lock_series(operator_id, kind, issue_date.year)
    if last is not None and issue_date < last:
        raise ValidationFailed.on(
            "issue_date",
            f"{kind}-{issue_date.year} numbers follow issue dates, and its last document is "
            f"dated {last}: date this one {last} or later",
        )
    n = await repository.next_number(operator_id, kind, issue_date)
    number = (invoice_number if kind == "INV" else credit_note_number)(issue_date.year, n)
    return number, issue_date
