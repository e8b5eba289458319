"""File formats turned into contact records of the ContactRecordIn shape (pure functions).

Each parser answers (records, lines, problems): records go through the same validation and
ingestion as the JSON API, ``lines[i]`` is the line (1-based) record i came from, so every
rejection can name its line; problems are lines that could not become a record at all."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from metrics.records.schemas import Rejection

CSV_COLUMNS = (
    "external_id",
    "contract_id",
    "queue",
    "channel",
    "direction",
    "initiation",
    "agent",
    "enqueued_at",
    "answered_at",
    "ended_at",
    "wait_seconds",
    "talk_seconds",
    "hold_seconds",
    "acw_seconds",
    "outcome",
    "transferred",
    "resolved",
    "csat",
    "nps",
    "customer",
    "updated_at",
)
BOOLEAN = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}

Parsed = tuple[list[dict[str, Any]], list[int], list[Rejection]]


def parse_csv(text: str) -> Parsed:
    """Our CSV: a header row naming ContactRecordIn fields (any order, unknown columns are
    refused); empty cells are absent values. Index of a problem = line number."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    unknown = set(reader.fieldnames or ()) - set(CSV_COLUMNS)
    if unknown:
        return (
            [],
            [],
            [Rejection(index=1, field=name, message="unknown column") for name in sorted(unknown)],
        )
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    for row in reader:
        lines.append(reader.line_num)
        record: dict[str, Any] = {}
        for key, value in row.items():
            if key is None or value is None or value.strip() == "":
                continue
            value = value.strip()
            if key in ("transferred", "resolved"):
                record[key] = BOOLEAN.get(value.lower(), value)
            else:
                record[key] = value
        records.append(record)
    return records, lines, []


def _epoch(text: str) -> str:
    return datetime.fromtimestamp(float(text), UTC).isoformat()


INITIATIONS = {
    "INBOUND": "inbound",
    "OUTBOUND": "outbound",
    "TRANSFER": "transfer",
    "QUEUE_TRANSFER": "transfer",
    "CALLBACK": "callback",
    "API": "inbound",
}


def parse_amazon_connect(text: str) -> Parsed:
    """Amazon Connect contact records, one JSON object a line. Duplicates and updates of one
    ContactId are left to ingestion, which keeps the latest LastUpdateTimestamp. A contact
    whose id is the PreviousContactId of a TRANSFER record was transferred."""
    objects: list[tuple[int, dict[str, Any]]] = []
    problems: list[Rejection] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            problems.append(Rejection(index=number, field="line", message="not JSON"))
            continue
        except RecursionError:  # the decoder recurses per level of nesting
            problems.append(Rejection(index=number, field="line", message="nested too deep"))
            continue
        if not isinstance(obj, dict):
            problems.append(Rejection(index=number, field="line", message="not an object"))
            continue
        objects.append((number, obj))
    transferred_from = {
        obj.get("PreviousContactId")
        for _, obj in objects
        if obj.get("InitiationMethod") in ("TRANSFER", "QUEUE_TRANSFER")
    }
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    for number, obj in objects:
        queue = obj.get("Queue") or {}
        if not queue.get("Name"):
            problems.append(
                Rejection(index=number, field="Queue", message="no queue: not a queued contact")
            )
            continue
        agent = obj.get("Agent") or {}
        answered = bool(agent.get("ConnectedToAgentTimestamp"))
        if answered:
            outcome = "answered"
        elif obj.get("DisconnectReason") == "CUSTOMER_DISCONNECT":
            outcome = "abandoned"
        else:
            outcome = "flow_out"
        attributes = dict(obj.get("Attributes") or {})
        method = obj.get("InitiationMethod") or "INBOUND"
        record: dict[str, Any] = {
            "external_id": obj.get("ContactId"),
            "queue": queue["Name"],
            "channel": str(obj.get("Channel") or "voice").lower(),
            "direction": "outbound" if method == "OUTBOUND" else "inbound",
            "initiation": INITIATIONS.get(method, "inbound"),
            "agent": agent.get("Username"),
            "enqueued_at": queue.get("EnqueueTimestamp"),
            "answered_at": agent.get("ConnectedToAgentTimestamp"),
            "ended_at": obj.get("DisconnectTimestamp"),
            "wait_seconds": queue.get("Duration"),
            "talk_seconds": agent.get("AgentInteractionDuration") or 0,
            "hold_seconds": agent.get("CustomerHoldDuration") or 0,
            "acw_seconds": agent.get("AfterContactWorkDuration") or 0,
            "outcome": outcome,
            "transferred": obj.get("ContactId") in transferred_from
            or bool(obj.get("TransferCompletedTimestamp")),
            "updated_at": obj.get("LastUpdateTimestamp"),
        }
        if not answered:
            record["answered_at"] = None
        endpoint = obj.get("CustomerEndpoint") or {}
        if endpoint.get("Address"):
            record["customer"] = endpoint["Address"]
        for name, key in (("csat", "csat"), ("nps", "nps")):
            if attributes.get(key) not in (None, ""):
                record[name] = attributes.pop(key)
        if attributes.get("resolved") not in (None, ""):
            record["resolved"] = BOOLEAN.get(str(attributes.pop("resolved")).lower())
        if attributes:
            record["attributes"] = attributes
        records.append({k: v for k, v in record.items() if v is not None})
        lines.append(number)
    return records, lines, problems


def _agent_name(channel: str) -> str | None:
    if channel in ("", "NONE"):
        return None
    return channel.split("/", 1)[1] if "/" in channel else channel


FINAL_EVENTS = {
    "COMPLETECALLER",
    "COMPLETEAGENT",
    "TRANSFER",
    "BLINDTRANSFER",
    "ATTENDEDTRANSFER",
    "ABANDON",
    "EXITWITHTIMEOUT",
    "EXITEMPTY",
    "EXITWITHKEY",
}


def parse_asterisk_queue_log(log_lines: Iterable[str]) -> Parsed:
    """Asterisk queue_log (epoch|callid|queue|agent|event|data...), events assembled into one
    contact per callid. Contacts still without a final event are reported, not imported."""
    calls: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}
    problems: list[Rejection] = []
    for number, raw in enumerate(log_lines, start=1):
        line = raw.strip()
        if not line:
            continue
        parts = line.split("|")
        if len(parts) < 5:
            problems.append(Rejection(index=number, field="line", message="too few fields"))
            continue
        epoch, callid, queue, agent, event, *data = parts
        if callid in ("NONE", ""):
            continue  # QUEUESTART, CONFIGRELOAD ...: not contacts
        try:
            at = _epoch(epoch)
        except ValueError:
            problems.append(Rejection(index=number, field="time", message="not epoch seconds"))
            continue
        call = calls.setdefault(callid, {"external_id": callid, "channel": "voice"})
        first_line.setdefault(callid, number)
        if queue not in ("", "NONE"):
            call["queue"] = queue
        call["updated_at"] = max(call.get("updated_at", at), at)

        data += [""] * 6  # absent trailing fields read as empty
        value = data.__getitem__
        if event == "ENTERQUEUE":
            call["enqueued_at"] = at
            if value(1):
                call["customer"] = value(1)
        elif event == "CONNECT":
            call.update(
                outcome="answered",
                answered_at=at,
                wait_seconds=int(value(0) or 0),
                agent=_agent_name(agent),
            )
        elif event in ("COMPLETECALLER", "COMPLETEAGENT"):
            call.update(outcome="answered", ended_at=at, talk_seconds=int(value(1) or 0))
            call["final"] = True
        elif event in ("TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"):
            # TRANSFER|extension|context|holdtime|calltime|position
            call.update(
                outcome="answered",
                ended_at=at,
                transferred=True,
                talk_seconds=int(value(3) or 0),
            )
            call["final"] = True
        elif event == "ABANDON":
            call.update(outcome="abandoned", ended_at=at, wait_seconds=int(value(2) or 0))
            call["final"] = True
        elif event in ("EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY"):
            call.update(outcome="flow_out", ended_at=at, wait_seconds=int(value(2) or 0))
            call["final"] = True
        # RINGNOANSWER (milliseconds), AGENTDUMP, ... carry nothing a contact record keeps.
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    for callid, call in calls.items():
        if not call.pop("final", False):
            problems.append(
                Rejection(
                    index=first_line[callid],
                    field="callid",
                    message=f"call {callid} has no final event yet",
                )
            )
            continue
        if "enqueued_at" not in call:
            problems.append(
                Rejection(index=first_line[callid], field="callid", message="no ENTERQUEUE")
            )
            continue
        records.append(call)
        lines.append(first_line[callid])
    return records, lines, problems
