"""The commands driven with typer's CliRunner against the real platform (`contrato up`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.cli.conftest import QUEUE, Cli, Month
from tests.conftest import ROOT, TokenFactory
from tests.e2e.conftest import Platform

# Two Amazon Connect records and a line that is not JSON.
CONNECT_INLINE = (
    '{"ContactId":"inline-0001","Channel":"VOICE","InitiationMethod":"INBOUND",'
    '"InitiationTimestamp":"2026-10-02T12:00:00Z","DisconnectTimestamp":"2026-10-02T12:06:10Z",'
    '"DisconnectReason":"CUSTOMER_DISCONNECT","LastUpdateTimestamp":"2026-10-02T12:07:00Z",'
    '"CustomerEndpoint":{"Address":"+5511990000001","Type":"TELEPHONE_NUMBER"},'
    '"Queue":{"Name":"acme-support","EnqueueTimestamp":"2026-10-02T12:00:20Z",'
    '"DequeueTimestamp":"2026-10-02T12:00:35Z","Duration":15},'
    '"Agent":{"Username":"agent-2001","ConnectedToAgentTimestamp":"2026-10-02T12:00:35Z",'
    '"AgentInteractionDuration":280,"CustomerHoldDuration":30,"AfterContactWorkDuration":45},'
    '"Attributes":{"csat":"5","resolved":"true"}}\n'
    "\n"
    '{"ContactId":"inline-0002","Channel":"VOICE","InitiationMethod":"INBOUND",'
    '"InitiationTimestamp":"2026-10-02T12:01:00Z","DisconnectTimestamp":"2026-10-02T12:02:10Z",'
    '"DisconnectReason":"CUSTOMER_DISCONNECT","LastUpdateTimestamp":"2026-10-02T12:02:30Z",'
    '"CustomerEndpoint":{"Address":"+5511990000002","Type":"TELEPHONE_NUMBER"},'
    '"Queue":{"Name":"acme-support","EnqueueTimestamp":"2026-10-02T12:01:15Z",'
    '"DequeueTimestamp":"2026-10-02T12:02:10Z","Duration":55},"Agent":null,"Attributes":{}}\n'
    "this line is not JSON\n"
)
SAMPLES = ROOT / "samples"
SAMPLE = SAMPLES / "amazon-connect.jsonl"
QUEUE_LOG = SAMPLES / "asterisk-queue_log"
OUR_CSV = SAMPLES / "contact-records.csv"
QA_EVALUATIONS = SAMPLES / "qa-evaluations.jsonl"


def csv_file(tmp_path: Path, month: Month, bad_line_at: int, rows: int) -> Path:
    """A CSV of ``rows`` August calls, the row on file line ``bad_line_at`` with a bad wait."""
    lines = ["external_id,contract_id,queue,channel,enqueued_at,wait_seconds,outcome"]
    for n in range(rows):
        wait = "soon" if n + 2 == bad_line_at else "12"
        lines.append(
            f"aug-{bad_line_at}-{n},{month.contract_id},{QUEUE},voice,"
            f"2026-08-{n % 28 + 1:02d}T10:00:00Z,{wait},abandoned"
        )
    path = tmp_path / "calls.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


class TestImport:
    def test_csv_with_a_bad_row_shows_counts_and_the_row(
        self, cli: Cli, month: Month, tmp_path: Path
    ) -> None:
        path = csv_file(tmp_path, month, bad_line_at=3, rows=3)
        result = cli("import", str(path), "--source", month.source)
        assert result.exit_code == 0, result.output
        assert "inserted" in result.stdout and "rejected" in result.stdout
        summary_line = result.stdout.splitlines()[2].split()
        assert summary_line == ["2", "0", "0", "1"]  # inserted, updated, unchanged, rejected
        table = result.stdout[result.stdout.index("Rejected rows") :]
        assert "3" in table and "wait_seconds" in table

        again = cli.json("import", str(path), "--source", month.source, "--format", "csv")
        assert again["unchanged"] == 2 and again["inserted"] == 0 and again["rejected"] == 1
        assert [(r["line"], r["field"]) for r in again["rejections"]] == [(3, "wait_seconds")]

    def test_chunks_name_the_lines_of_the_file(
        self, cli: Cli, month: Month, tmp_path: Path
    ) -> None:
        path = csv_file(tmp_path, month, bad_line_at=7, rows=9)
        report = cli.json("import", str(path), "--source", month.source, "--batch-size", "2")
        assert report["requests"] == 5
        assert report["received"] == 9 and report["inserted"] == 8 and report["rejected"] == 1
        assert [(r["line"], r["field"]) for r in report["rejections"]] == [(7, "wait_seconds")]

    def test_a_refused_header_is_sent_once(self, cli: Cli, month: Month, tmp_path: Path) -> None:
        path = tmp_path / "odd.csv"
        path.write_text("external_id,colour\n" + "".join(f"x{n},red\n" for n in range(5)))
        result = cli("import", str(path), "--source", month.source, "--batch-size", "1", "--json")
        assert result.exit_code == 1  # nothing was stored
        report = json.loads(result.stdout)
        assert report["requests"] == 1  # every chunk would be refused the same way
        assert [(r["line"], r["field"]) for r in report["rejections"]] == [(1, "colour")]

    def test_amazon_connect_inline(self, cli: Cli, month: Month, tmp_path: Path) -> None:
        path = tmp_path / "ctr.jsonl"
        path.write_text(CONNECT_INLINE)
        report = cli.json("import", str(path), "--source", month.source)
        assert report["format"] == "amazon-connect"  # from the extension
        assert report["inserted"] + report["unchanged"] == 2
        assert [(r["line"], r["field"]) for r in report["rejections"]] == [(4, "line")]

    def test_a_source_is_registered_then_imported_through(
        self, cli: Cli, month: Month, tmp_path: Path
    ) -> None:
        created = cli.json(
            "sources", "create", "--name", "acme-asterisk", "--kind", "asterisk",
            "--client", month.client_id,
        )  # fmt: skip
        assert (created["name"], created["client_id"]) == ("acme-asterisk", month.client_id)
        assert "acme-asterisk" in cli("sources", "list").stdout
        report = cli.json("import", str(QUEUE_LOG), "--source", "acme-asterisk")
        assert report["inserted"] == 6

    def test_a_file_whose_every_record_is_rejected_fails(
        self, cli: Cli, month: Month, tmp_path: Path
    ) -> None:
        path = tmp_path / "all-bad.csv"
        path.write_text(
            "external_id,queue,channel,enqueued_at,wait_seconds,outcome\n"
            "bad-1,acme-support,voice,not a time,12,answered\n"
            "bad-2,nobody-claims-this,voice,2026-10-06T10:00:00Z,12,abandoned\n"
        )
        result = cli("import", str(path), "--source", month.source)
        assert result.exit_code == 1, result.output
        assert "every record" in result.stderr
        assert cli("import", str(OUR_CSV), "--source", month.source).exit_code == 0

    def test_amazon_connect_sample_file(self, cli: Cli, month: Month) -> None:
        """What samples/README.md says of the file: duplicates kept once (the later version),
        the transfer into a queue no contract claims rejected, the rest stored."""
        first = cli.json(
            "import", str(SAMPLE), "--format", "amazon-connect", "--source", month.source
        )
        # unchanged: the older copy of ...a1 and the repeated ...a2
        assert (first["received"], first["inserted"], first["unchanged"]) == (7, 4, 2)
        assert [(r["line"], r["field"]) for r in first["rejections"]] == [(4, "queue")]
        assert "acme-billing" in first["rejections"][0]["message"]
        again = cli.json(
            "import", str(SAMPLE), "--format", "amazon-connect", "--source", month.source
        )
        assert (again["unchanged"], again["rejected"]) == (6, 1)  # the second time: all known

    def test_asterisk_sample_file(self, cli: Cli, month: Month) -> None:
        report = cli.json(
            "import", str(QUEUE_LOG), "--format", "asterisk", "--source", month.source,
            "--batch-size", "1",
        )  # fmt: skip
        assert report["requests"] > 1  # one call a request: the events of a call stay together
        assert report["inserted"] + report["unchanged"] == 6 and report["received"] == 7
        # the call still waiting when the export was cut is reported, not imported
        assert [r["line"] for r in report["rejections"]] == [18], report["rejections"]

    def test_our_csv_sample_file(self, cli: Cli, month: Month) -> None:
        report = cli.json("import", str(OUR_CSV), "--source", month.source)
        assert report["inserted"] + report["unchanged"] == 4
        assert {(r["line"], r["field"]) for r in report["rejections"]} == {
            (6, "enqueued_at"),
            (6, "csat"),
        }

    def test_qa_evaluations_sample_file(self, cli: Cli, month: Month) -> None:
        """What samples/README.md says of the file: the contacts of the Connect sample scored
        through a QA tool's own source, a re-score replacing the first, an agent's day, the
        contact never stored and the score out of range rejected on their lines."""
        cli.json("import", str(SAMPLE), "--format", "amazon-connect", "--source", month.source)
        created = cli.json(
            "sources", "create", "--name", "acme-qa", "--kind", "api", "--client", month.client_id
        )
        assert created["name"] == "acme-qa"
        args = ("import", str(QA_EVALUATIONS), "--format", "qa-evaluations", "--source", "acme-qa")
        report = cli.json(*args, "--contact-source", month.source)
        assert (report["received"], report["inserted"], report["unchanged"]) == (7, 4, 1)
        assert [(r["line"], r["field"]) for r in report["rejections"]] == [
            (5, "contact"),
            (6, "score"),
        ]
        again = cli.json(*args, "--contact-source", month.source)
        assert (again["unchanged"], again["rejected"]) == (5, 2)

    def test_unknown_source_says_how_to_register_it(
        self, cli: Cli, month: Month, tmp_path: Path
    ) -> None:
        path = csv_file(tmp_path, month, bad_line_at=0, rows=1)
        result = cli("import", str(path), "--source", "nobody")
        assert result.exit_code == 1
        assert "404" in result.stderr and "nobody" in result.stderr
        assert "POST /v1/sources" in result.stderr


class TestFailures:
    def test_unreachable_gateway_is_one_clear_line(self, cli: Cli, tmp_path: Path) -> None:
        path = tmp_path / "x.csv"
        path.write_text("external_id\n")
        for args in (
            ["import", str(path), "--source", "s"],
            ["month-end", "--period", "2026-10"],
            ["invoices", "list"],
            ["contracts", "expiring"],
            ["clients", "list"],
            ["risk"],
        ):
            result = cli(*args, "--gateway", "http://127.0.0.1:9", gateway=False)
            assert result.exit_code == 1, (args, result.output)
            assert result.stderr.startswith("error: cannot reach the gateway at http://127.0.0.1:9")
            assert len(result.stderr.strip().splitlines()) == 1
            assert "Traceback" not in result.output

    def test_a_422_names_the_field(self, cli: Cli) -> None:
        result = cli("invoices", "list", "--status", "lost")
        assert result.exit_code == 1
        assert result.stderr.startswith("error: 422 GET /v1/invoices")
        assert "status:" in result.stderr

    def test_a_bad_token_is_refused_clearly(self, cli: Cli) -> None:
        result = cli("contracts", "expiring", "--token", "not-a-jwt")
        assert result.exit_code == 1
        assert result.stderr.startswith("error: 401")

    def test_a_month_that_has_not_ended_needs_preview(self, cli: Cli) -> None:
        this_month = datetime.now(UTC).strftime("%Y-%m")
        refused = cli("month-end", "--period", this_month)
        assert refused.exit_code == 2 and "--preview" in refused.stderr
        assert cli("month-end", "--period", "2999-01").exit_code == 2

    def test_bad_usage_exits_2(self, cli: Cli, tmp_path: Path) -> None:
        assert cli("month-end", "--period", "2026-13").exit_code == 2
        assert cli("risk", "--period", "2026-13").exit_code == 2
        assert cli("risk", "--as-of", "yesterday").exit_code == 2
        assert cli("risk", "--as-of", "2026-10-10T12:00:00").exit_code == 2  # no offset
        assert cli("invoices", "issue", "x", "--issue-date", "tomorrow").exit_code == 2
        assert cli("import", str(tmp_path / "missing.csv"), "--source", "s").exit_code == 2
        unknown = tmp_path / "calls.dat"
        unknown.write_text("x\n")
        assert cli("import", str(unknown), "--source", "s").exit_code == 2
        no_key = Cli(cli.gateway, {**cli.env, "CONTRATO_JWT_PRIVATE_KEY_FILE": "/nonexistent"})
        result = no_key("contracts", "expiring")
        assert result.exit_code == 2 and "no signing key" in result.stderr


class TestRisk:
    def test_the_portfolio_as_a_table_and_as_json(self, cli: Cli, month: Month) -> None:
        args = ("risk", "--period", "2026-10", "--as-of", "2026-10-21T03:00:00Z")
        shown = cli(*args)
        assert shown.exit_code == 0, shown.output
        assert month.contract_number in shown.stdout and "Money at risk" in shown.stdout
        answer = cli.json(*args)
        (row,) = [r for r in answer["items"] if r["contract_id"] == month.contract_id]
        assert row["contract_number"] == month.contract_number
        assert row["status"] in ("secured", "on_track", "at_risk", "lost")
        assert answer["contracts"] == len(answer["items"])
        assert answer["period"] == "2026-10"


class TestMonthEnd:
    def test_sla_reports_and_the_invoice_run(self, cli: Cli, month: Month) -> None:
        result = cli("month-end", "--period", "2026-10", "--poll-interval", "0.2")
        assert result.exit_code == 0, result.output
        assert "Invoice run" in result.stdout and month.contract_number in result.stdout

        report = cli.json("month-end", "--period", "2026-10", "--poll-interval", "0.2")
        assert report["run"]["status"] == "completed"
        (row,) = [r for r in report["contracts"] if r["contract_id"] == month.contract_id]
        assert sum(row["sla"].values()) == 2 and row["sla_report_id"]
        assert row["status"] == "done" and row["invoice_id"] and row["total"]

    def test_one_contract_drafts_its_invoice(self, cli: Cli, month: Month) -> None:
        report = cli.json(
            "month-end", "--period", "2026-10", "--contract", month.contract_number.lower()
        )
        assert report["run"] is None
        (row,) = report["contracts"]
        assert row["status"] == "done" and row["reason"] in ("created", "updated", "unchanged")
        assert row["invoice_id"]

    def test_a_month_without_a_plan_is_skipped_with_the_reason(
        self, cli: Cli, month: Month
    ) -> None:
        # August: the contract had not started
        report = cli.json("month-end", "--period", "2026-08", "--contract", month.contract_id)
        (row,) = report["contracts"]
        assert row["status"] == "skipped" and row["reason"]


class TestInvoices:
    def test_issue_gives_a_number_and_a_pdf(
        self, cli: Cli, month: Month, cli_platform: Platform, token: TokenFactory, tmp_path: Path
    ) -> None:
        draft = httpx.post(
            f"{cli_platform.base_url}/v1/invoices",
            json={"contract_id": month.contract_id, "period": "2026-09"},
            headers={"authorization": f"Bearer {token('finance')}"},
        )
        assert draft.status_code in (200, 201), draft.text
        invoice_id = draft.json()["id"]

        listed = cli.json("invoices", "list", "--period", "2026-09", "--status", "draft")
        assert invoice_id in [i["id"] for i in listed]

        result = cli("invoices", "issue", invoice_id, "--pdf-dir", str(tmp_path / "pdfs"))
        assert result.exit_code == 0, result.output
        assert "INV-" in result.stdout
        (pdf,) = (tmp_path / "pdfs").iterdir()
        assert pdf.name.startswith("INV-") and pdf.read_bytes().startswith(b"%PDF")

        again = cli("invoices", "issue", invoice_id)  # not a draft any more
        assert again.exit_code == 1 and invoice_id in again.stderr

        out = tmp_path / "copy.pdf"
        saved = cli.json("invoices", "pdf", invoice_id, "--out", str(out))
        assert saved["bytes"] > 0 and out.read_bytes().startswith(b"%PDF")
        issued = cli.json("invoices", "list", "--period", "2026-09", "--client", month.client_id)
        assert [i["status"] for i in issued if i["id"] == invoice_id] == ["issued"]

        # Numbers stand for ids wherever an id is asked for, and tables show them.
        (number,) = [i["number"] for i in issued if i["id"] == invoice_id]
        by_number = tmp_path / "by-number.pdf"
        assert cli.json("invoices", "pdf", number, "--out", str(by_number))["bytes"] > 0
        assert len(by_number.read_bytes()) == len(out.read_bytes())  # the same invoice
        table = cli("invoices", "list", "--period", "2026-09", "--contract", month.contract_number)
        assert table.exit_code == 0 and number in table.stdout and invoice_id not in table.stdout
        unknown = cli("invoices", "pdf", "INV-1999-9999", "--out", str(tmp_path / "x.pdf"))
        assert unknown.exit_code == 1 and "INV-1999-9999" in unknown.stderr


class TestContractsAndClients:
    def test_expiring_lists_the_reminders(self, cli: Cli, month: Month) -> None:
        items = cli.json("contracts", "expiring", "--within-days", "400")
        assert month.contract_number in [i["contract"]["number"] for i in items]
        result = cli("contracts", "expiring", "--within-days", "400")
        assert result.exit_code == 0 and month.contract_number in result.stdout
        assert "Nothing due" in cli("contracts", "expiring", "--within-days", "0").stdout

    def test_clients_create_and_list(self, cli: Cli) -> None:
        created = cli.json("clients", "create", "--name", "CLI PBX", "--role", "operator")
        assert created["client_secret"]
        listed = cli.json("clients", "list")
        assert created["client_id"] in [c["client_id"] for c in listed]
        json.dumps(listed)
