"""Optimistic concurrency: a resource's revision is its ETag; updates must send it in If-Match."""

from shared.errors import PreconditionFailed, PreconditionRequired


def etag(revision: int) -> str:
    return f'W/"{revision}"'


def check_if_match(if_match: str | None, revision: int) -> None:
    """Refuse an update made without, or against a stale, copy of the resource."""
    if if_match is None:
        raise PreconditionRequired(
            "send If-Match with the ETag you last read, so concurrent edits are not lost"
        )
    if if_match.strip() == "*":
        return
    accepted = {tag.strip() for tag in if_match.split(",")}
    if etag(revision) not in accepted and f'"{revision}"' not in accepted:
        raise PreconditionFailed(
            f"the resource changed since you read it (current ETag {etag(revision)})",
            current_etag=etag(revision),
        )
