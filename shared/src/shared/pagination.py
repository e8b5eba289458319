"""Keyset pagination: every list answers a page and an opaque cursor for the next one.

A cursor carries the sort key of the last row returned, so pages stay stable while rows are
inserted (offsets would skip or repeat rows) and a deep page costs as much as the first.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from shared.errors import ValidationFailed

T = TypeVar("T")
SelectT = TypeVar("SelectT", bound=Select)  # a select of any row shape

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` to get the next page; null on the last page."
    )
    limit: int


@dataclass(frozen=True)
class PageParams:
    limit: int
    after: tuple[Any, ...] | None


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([str(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, ...]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed.on("cursor", "not a cursor this API returned") from exc
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValidationFailed.on("cursor", "not a cursor this API returned")
    return tuple(values)


async def page_params(  # async: a plain function would cost a thread hop per request
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size"),
    cursor: str | None = Query(None, description="`next_cursor` from the previous page"),
) -> PageParams:
    return PageParams(limit=limit, after=decode_cursor(cursor) if cursor else None)


PageParamsDep = Annotated[PageParams, Depends(page_params)]


def _parse(python_type: type, value: str) -> Any:
    if python_type in (datetime, date):
        return python_type.fromisoformat(value)
    return python_type(value)


def keyset(
    stmt: SelectT,
    params: PageParams,
    keys: Sequence[InstrumentedAttribute[Any]],
    *,
    descending: bool = False,
) -> SelectT:
    """Order ``stmt`` by ``keys`` (the last one unique), start after the cursor, fetch one extra
    row so the caller can tell whether there is a next page."""
    if params.after is not None:
        if len(params.after) != len(keys):
            raise ValidationFailed.on("cursor", "not a cursor for this list")
        try:
            values = [
                _parse(key.type.python_type, v) for key, v in zip(keys, params.after, strict=True)
            ]
        except (ValueError, TypeError) as exc:
            raise ValidationFailed.on("cursor", "not a cursor for this list") from exc
        row = tuple_(*keys)
        stmt = stmt.where(row < tuple_(*values) if descending else row > tuple_(*values))
    order = [k.desc() for k in keys] if descending else list(keys)
    return stmt.order_by(*order).limit(params.limit + 1)


def page_from_rows(
    rows: Sequence[Any], params: PageParams, keys: Sequence[str]
) -> tuple[list[Any], str | None]:
    """Cut the extra row and build the next cursor from the last row's ``keys`` attributes."""
    items = list(rows[: params.limit])
    if len(rows) <= params.limit:
        return items, None
    last = items[-1]
    return items, encode_cursor([getattr(last, k) for k in keys])


__all__ = [
    "Page",
    "PageParams",
    "PageParamsDep",
    "decode_cursor",
    "encode_cursor",
    "keyset",
    "page_from_rows",
]
