"""File imports: parsers on the sample files (pure), then the same files through the API."""

from pathlib import Path

import httpx
import pytest

from metrics.imports.parsers import parse_amazon_connect, parse_asterisk_queue_log, parse_csv
from tests.world import World

SAMPLES = Path(__file__).resolve().parents[3] / "samples"  # the repository's sample exports
CONNECT = (SAMPLES / "amazon-connect.jsonl").read_text()
QUEUE_LOG = (SAMPLES / "asterisk-queue_log").read_text()

# Inline copies of the traps, so the tests do not depend on the reference folder.
CONNECT_INLINE = "\n".join(
    [
        '{"ContactId":"c1","Channel":"VOICE","InitiationMethod":"INBOUND",'
        '"DisconnectTimestamp":"2026-10-01T12:06:10Z","DisconnectReason":"CUSTOMER_DISCONNECT",'
        '"LastUpdateTimestamp":"2026-10-01T12:07:00Z","CustomerEndpoint":{"Address":"+5511990000001"},'
        '"Queue":{"Name":"acme-support","EnqueueTimestamp":"2026-10-01T12:00:20Z","Duration":15},'
        '"Agent":{"Username":"agent-2001","ConnectedToAgentTimestamp":"2026-10-01T12:00:35Z",'
        '"AgentInteractionDuration":280,"CustomerHoldDuration":30,"AfterContactWorkDuration":45},'
        '"Attributes":{"csat":"5","resolved":"true"}}',
        '{"ContactId":"c2","Channel":"VOICE","InitiationMethod":"INBOUND",'
        '"DisconnectTimestamp":"2026-10-01T12:02:10Z","DisconnectReason":"CUSTOMER_DISCONNECT",'
        '"LastUpdateTimestamp":"2026-10-01T12:02:30Z",'
        '"Queue":{"Name":"acme-support","EnqueueTimestamp":"2026-10-01T12:01:15Z","Duration":55},'
        '"Agent":null,"Attributes":{}}',
        '{"ContactId":"c1","Channel":"VOICE","InitiationMethod":"INBOUND",'
        '"DisconnectTimestamp":"2026-10-01T12:06:10Z","DisconnectReason":"CUSTOMER_DISCONNECT",'
        '"LastUpdateTimestamp":"2026-10-01T12:09:00Z",'
        '"Queue":{"Name":"acme-support","EnqueueTimestamp":"2026-10-01T12:00:20Z","Duration":15},'
        '"Agent":{"Username":"agent-2001","ConnectedToAgentTimestamp":"2026-10-01T12:00:35Z",'
        '"AgentInteractionDuration":280,"CustomerHoldDuration":30,"AfterContactWorkDuration":60},'
        '"Attributes":{"csat":"4","resolved":"true"}}',
        '{"ContactId":"c3","PreviousContactId":"c1","Channel":"VOICE","InitiationMethod":"TRANSFER",'
        '"DisconnectTimestamp":"2026-10-01T12:09:00Z","DisconnectReason":"AGENT_DISCONNECT",'
        '"LastUpdateTimestamp":"2026-10-01T12:10:00Z",'
        '"Queue":{"Name":"acme-billing","EnqueueTimestamp":"2026-10-01T12:05:02Z","Duration":18},'
        '"Agent":{"Username":"agent-2005","ConnectedToAgentTimestamp":"2026-10-01T12:05:20Z",'
        '"AgentInteractionDuration":200,"CustomerHoldDuration":0,"AfterContactWorkDuration":20},'
        '"Attributes":{}}',
        "not json",
    ]
)
QUEUE_LOG_INLINE = """1790640000|NONE|NONE|NONE|QUEUESTART|
1790643600|1.101|acme-support|NONE|ENTERQUEUE||+5511990000001|1
1790643612|1.101|acme-support|PJSIP/agent-2001|CONNECT|12|1.102|3
1790643912|1.101|acme-support|PJSIP/agent-2001|COMPLETECALLER|12|300|1
1790643800|1.105|acme-support|NONE|ENTERQUEUE||+5511990000003|2
1790643803|1.105|acme-support|NONE|ABANDON|1|2|3
1790643900|1.107|acme-sales|NONE|ENTERQUEUE||+5511990000004|1
1790644200|1.107|acme-sales|NONE|EXITWITHTIMEOUT|1|1|300
1790644000|1.109|acme-sales|NONE|ENTERQUEUE||+5511990000005|1
1790644008|1.109|acme-sales|PJSIP/agent-2002|RINGNOANSWER|15000
1790644030|1.109|acme-sales|PJSIP/agent-2003|CONNECT|30|1.110|2
1790644400|1.109|acme-sales|PJSIP/agent-2003|TRANSFER|2100|from-internal|30|370|1
1790644500|1.111|acme-sales|NONE|ENTERQUEUE||+5511990000006|1
"""


class TestAmazonConnectParser:
    def test_traps(self) -> None:
        records, lines, problems = parse_amazon_connect(CONNECT_INLINE)
        assert [p.index for p in problems] == [5]
        assert lines == [1, 2, 3, 4]
        by_line = dict(zip(lines, records, strict=True))
        assert by_line[2]["outcome"] == "abandoned" and by_line[2]["wait_seconds"] == 55
        assert by_line[1]["transferred"] is True  # c3 is a TRANSFER from c1
        assert by_line[4]["initiation"] == "transfer" and by_line[4]["queue"] == "acme-billing"
        assert by_line[3]["acw_seconds"] == 60 and by_line[3]["csat"] == "4"
        assert by_line[1]["resolved"] is True


class TestQueueLogParser:
    def test_events_become_contacts(self) -> None:
        records, _, problems = parse_asterisk_queue_log(QUEUE_LOG_INLINE.splitlines())
        by_id = {r["external_id"]: r for r in records}
        assert set(by_id) == {"1.101", "1.105", "1.107", "1.109"}
        assert by_id["1.101"]["agent"] == "agent-2001" and by_id["1.101"]["talk_seconds"] == 300
        assert by_id["1.105"]["outcome"] == "abandoned" and by_id["1.105"]["wait_seconds"] == 3
        assert by_id["1.107"]["outcome"] == "flow_out"  # EXITWITHTIMEOUT is not an abandon
        assert by_id["1.109"]["transferred"] is True and by_id["1.109"]["wait_seconds"] == 30
        assert by_id["1.109"]["talk_seconds"] == 370
        assert [(p.index, p.field) for p in problems] == [(13, "callid")]  # still waiting


class TestCsvParser:
    def test_header_and_cells(self) -> None:
        text = (
            "external_id,queue,enqueued_at,wait_seconds,outcome,transferred\n"
            "a,q,2026-10-01T12:00:00Z,5,abandoned,\nb,q,2026-10-01T12:01:00Z,7,answered,yes\n"
        )
        records, lines, problems = parse_csv(text)
        assert lines == [2, 3] and not problems
        assert records[1]["transferred"] is True and "transferred" not in records[0]

    def test_unknown_column_is_refused(self) -> None:
        _, _, problems = parse_csv("external_id,colour\nx,blue\n")
        assert [(p.index, p.field) for p in problems] == [(1, "colour")]


@pytest.fixture
async def acme(metrics: httpx.AsyncClient, world: World) -> object:
    contract_id, _ = await world.ids(queues=["acme-support", "acme-sales", "acme-billing"])
    response = await metrics.post("/v1/sources", json={"name": "files", "kind": "other"})
    assert response.status_code == 201
    return contract_id


class TestImportApi:
    async def test_connect_file_collapses_updates(
        self, metrics: httpx.AsyncClient, acme: object
    ) -> None:
        response = await metrics.post(
            "/v1/imports/amazon-connect",
            params={"source": "files"},
            content=CONNECT_INLINE,
            headers={"content-type": "application/x-ndjson"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["inserted"], body["unchanged"], body["rejected"]) == (3, 1, 1)
        items = (await metrics.get("/v1/contact-records")).json()["items"]
        c1 = next(r for r in items if r["external_id"] == "c1")
        assert (c1["acw_seconds"], c1["csat"], c1["contract_id"]) == (60, 4, str(acme))
        again = await metrics.post(
            "/v1/imports/amazon-connect", params={"source": "files"}, content=CONNECT_INLINE
        )
        assert again.json()["inserted"] == 0 and again.json()["unchanged"] == 4

    async def test_queue_log_through_the_api(
        self, metrics: httpx.AsyncClient, acme: object
    ) -> None:
        response = await metrics.post(
            "/v1/imports/asterisk", params={"source": "files"}, content=QUEUE_LOG_INLINE
        )
        assert response.status_code == 200, response.text
        assert response.json()["inserted"] == 4
        kpis = await metrics.get(
            "/v1/kpis",
            params={
                "contract_id": str(acme),
                "from": "2026-09-29",
                "to": "2026-09-30",
                "granularity": "total",
                "short_abandon_seconds": 3,
            },
        )
        (bucket,) = kpis.json()["buckets"]
        assert bucket["counts"] == {
            "contacts": 4,
            "offered": 4,
            "answered": 2,
            "abandoned": 1,
            "short_abandons": 1,
            "flow_outs": 1,
            "handled": 2,
        }

    async def test_csv_rejections_name_lines(
        self, metrics: httpx.AsyncClient, acme: object
    ) -> None:
        text = (
            "external_id,queue,enqueued_at,wait_seconds,outcome\n"
            "a,acme-support,2026-10-01T12:00:00Z,5,abandoned\n"
            "b,acme-support,yesterday,5,abandoned\n"
            "c,unknown-queue,2026-10-01T12:00:00Z,5,abandoned\n"
        )
        response = await metrics.post(
            "/v1/imports/csv",
            params={"source": "files"},
            content=text,
            headers={"content-type": "text/csv"},
        )
        body = response.json()
        assert body["inserted"] == 1
        assert [(r["index"], r["field"]) for r in body["rejections"]] == [
            (3, "enqueued_at"),
            (4, "queue"),
        ]

    async def test_the_sample_exports_import(
        self, metrics: httpx.AsyncClient, acme: object
    ) -> None:
        """samples/: here the contract also claims acme-billing but not acme-chat."""
        connect = (
            await metrics.post(
                "/v1/imports/amazon-connect", params={"source": "files"}, content=CONNECT
            )
        ).json()
        assert (connect["inserted"], connect["unchanged"]) == (4, 2)
        assert [(r["index"], r["field"]) for r in connect["rejections"]] == [(6, "queue")]
        log = (
            await metrics.post(
                "/v1/imports/asterisk", params={"source": "files"}, content=QUEUE_LOG
            )
        ).json()
        assert log["inserted"] == 6 and log["rejected"] == 1  # the call still waiting


def test_the_readme_csv_example_is_valid() -> None:
    import uuid

    from metrics.ingestion.normalize import normalize_contact

    text = (
        "external_id,queue,channel,enqueued_at,answered_at,wait_seconds,talk_seconds,"
        "acw_seconds,outcome,csat,updated_at\n"
        "c-1,acme-support,voice,2026-10-01T12:00:20Z,2026-10-01T12:00:35Z,15,280,45,answered,5,"
        "2026-10-01T12:07:00Z\n"
        "c-2,acme-support,voice,2026-10-01T12:01:15Z,,55,0,0,abandoned,,2026-10-01T12:02:30Z\n"
    )
    records, lines, problems = parse_csv(text)
    assert lines == [2, 3] and not problems
    for i, record in enumerate(records):
        normalized = normalize_contact(i, record, secret="s" * 32, new_id=uuid.uuid4)
        assert not isinstance(normalized, list), normalized


async def test_an_empty_upload_is_a_422(metrics: httpx.AsyncClient, acme: object) -> None:
    for content in (b"", b"  \n"):
        response = await metrics.post(
            "/v1/imports/csv", params={"source": "files"}, content=content
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body"
