"""A month in Contrato on the real processes, through the gateway over TCP: the demo quarter
is seeded (small), then the open month is closed as the README walkthrough does it — SLA
reports, the invoice run (twice: the same invoices), issue, PDF, credit note — and every
service credit is checked against the SLA report it cites."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from tests.conftest import ROOT, Keys, TokenFactory
from tests.e2e.conftest import Platform, launched

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def month_platform(
    pg_server_url: str, keys: Keys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """A platform of its own, holding the seeded demo quarter (small)."""
    log_path = tmp_path_factory.mktemp("month") / "contrato-up.log"
    with launched(pg_server_url, keys, "e2emonth_", log_path) as running:
        seed(running, keys)
        yield running


OPEN_MONTH = "2026-10"


def seed(platform: Platform, keys: Keys) -> None:
    """Seed through the command line, as a user would."""
    result = subprocess.run(
        [sys.executable, "-m", "contrato.main", "seed", "--records", "12000",
         "--until", "2026-10", "--gateway", platform.base_url],
        env={"CONTRATO_JWT_PRIVATE_KEY_FILE": str(keys.private_path),
             "CONTRATO_JWT_ISSUER": "contrato-test", "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"open month for the walkthrough: {OPEN_MONTH}" in result.stdout + result.stderr


def test_seeding_a_platform_that_holds_data_is_refused(
    month_platform: Platform, keys: Keys, token: TokenFactory
) -> None:
    """Seeding twice (say, for another quarter) would duplicate organizations and contracts
    half-way: the seed refuses before writing anything."""
    headers = {"authorization": f"Bearer {token('admin')}"}
    count = httpx.get(
        f"{month_platform.base_url}/v1/organizations", params={"limit": 500}, headers=headers
    ).json()["items"]
    result = subprocess.run(
        [sys.executable, "-m", "contrato.main", "seed", "--records", "1000",
         "--until", "2026-07", "--gateway", month_platform.base_url],
        env={"CONTRATO_JWT_PRIVATE_KEY_FILE": str(keys.private_path),
             "CONTRATO_JWT_ISSUER": "contrato-test", "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "already holds data" in result.stderr
    after = httpx.get(
        f"{month_platform.base_url}/v1/organizations", params={"limit": 500}, headers=headers
    ).json()["items"]
    assert len(after) == len(count)


def wait_for_run(client: httpx.Client, run_id: str) -> dict:
    for _ in range(240):
        run = client.get(f"/v1/invoice-runs/{run_id}").json()
        if run["status"] in ("completed", "failed"):
            return dict(run)
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} did not finish")


def test_a_month_end_to_end(month_platform: Platform, token: TokenFactory) -> None:
    period = OPEN_MONTH
    headers = {"authorization": f"Bearer {token('admin', ttl_seconds=3600)}"}
    with httpx.Client(base_url=month_platform.base_url, headers=headers, timeout=60) as client:
        # The quarter is there: closed months were invoiced by the seed.
        issued = client.get("/v1/invoices", params={"status": "issued", "limit": 500}).json()
        assert {i["period"] for i in issued["items"]} == {"2026-08", "2026-09"}

        # 1. SLA reports for every contract in force with service levels.
        in_force = client.get(
            "/v1/contracts", params={"status": "active", "active_on": f"{period}-15", "limit": 500}
        ).json()["items"]
        reports = {}
        for contract in in_force:
            if contract["type"] != "SLA":
                continue
            response = client.post(
                "/v1/sla-reports", json={"contract_id": contract["id"], "period": period}
            )
            assert response.status_code in (200, 201), response.text
            reports[contract["id"]] = response.json()
        assert len(reports) >= 3
        assert any(r["status"] == "missed" for rep in reports.values() for r in rep["results"])

        # 2. The invoice run, twice: the second changes nothing.
        first = wait_for_run(
            client, client.post("/v1/invoice-runs", json={"period": period}).json()["id"]
        )
        assert first["status"] == "completed", first
        drafts = client.get("/v1/invoices", params={"period": period, "limit": 500}).json()["items"]
        assert len(drafts) >= 4
        before = {i["id"]: client.get(f"/v1/invoices/{i['id']}").json() for i in drafts}
        second = client.post("/v1/invoice-runs", json={"period": period}).json()
        wait_for_run(client, second["id"])
        after = {i["id"]: client.get(f"/v1/invoices/{i['id']}").json() for i in drafts}
        for invoice_id, invoice in before.items():
            assert after[invoice_id]["total"] == invoice["total"]
            lines_after = [(line["key"], line["amount"]) for line in after[invoice_id]["lines"]]
            lines_before = [(line["key"], line["amount"]) for line in invoice["lines"]]
            assert lines_after == lines_before

        # 3. Every credit cites the contract's SLA report and a missed level with a pool share.
        credited = 0
        for invoice in before.values():
            report = reports.get(invoice["contract_id"])
            for line in invoice["lines"]:
                if line["kind"] != "credit":
                    continue
                credited += 1
                assert report is not None and line["report_id"] == report["id"]
                result = next(r for r in report["results"] if r["key"] == line["sla_key"])
                assert result["status"] == "missed" and result["pool_share"] is not None
                assert Decimal(line["amount"]) < 0
        assert credited > 0

        # 4. Issue one: the next number, a PDF, then a credit note corrects it.
        invoice = next(
            i for i in before.values() if any(line["kind"] == "credit" for line in i["lines"])
        )
        done = client.post(f"/v1/invoices/{invoice['id']}/issue", json={"issue_date": "2026-11-03"})
        assert done.status_code == 200, done.text
        number = done.json()["number"]
        assert number.startswith("INV-2026-") and int(number[-6:]) > len(issued["items"])
        pdf = client.get(f"/v1/invoices/{invoice['id']}/pdf")
        assert pdf.content.startswith(b"%PDF")
        charge_line = max(
            (line for line in invoice["lines"] if line["kind"] == "charge"),
            key=lambda line: Decimal(line["amount"]),
        )
        note = client.post("/v1/credit-notes", json={
            "invoice_id": invoice["id"], "reason": "Agreed goodwill on the first week",
            "lines": [{"invoice_line_key": charge_line["key"], "amount": "10.00"}],
        })  # fmt: skip
        assert note.status_code == 201, note.text
        assert note.json()["number"].startswith("CN-2026-")
        balance = Decimal(client.get(f"/v1/invoices/{invoice['id']}").json()["balance"])
        # The note credits the line and its share of tax.
        credited_total = Decimal(note.json()["total"])
        assert credited_total >= Decimal("10.00")
        assert balance == Decimal(done.json()["total"]) - credited_total


def test_one_request_id_through_gateway_metrics_and_contracts(
    month_platform: Platform, token: TokenFactory
) -> None:
    """A record that names only its queue makes metrics ask contracts which contract claims
    it: the gateway's, metrics' and contracts' log lines all carry the caller's request id."""
    request_id = "trace-e2e-queue-lookup-1"
    headers = {"authorization": f"Bearer {token('admin')}", "x-request-id": request_id}
    record = {
        "external_id": "trace-1", "queue": "globex-voice", "channel": "voice",
        "enqueued_at": "2026-10-14T10:00:00Z", "answered_at": "2026-10-14T10:00:12Z",
        "ended_at": "2026-10-14T10:04:00Z", "talk_seconds": 228, "outcome": "answered",
    }  # fmt: skip
    response = httpx.post(
        f"{month_platform.base_url}/v1/contact-records",
        json={"source": "demo-connect", "records": [record]},
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 1
    assert response.headers["x-request-id"] == request_id
    time.sleep(0.5)
    lines = [line for line in month_platform.log().splitlines() if request_id in line]
    services = {
        name
        for line in lines
        for name in ("gateway", "metrics", "contracts")
        if f'"service": "{name}"' in line
    }
    assert services == {"gateway", "metrics", "contracts"}, lines


def test_a_client_user_sees_only_its_own_company(
    month_platform: Platform, token: TokenFactory
) -> None:
    """Tenant isolation across the three services, through the gateway, on the seeded quarter:
    another client's ids answer 404 (never 403), and no list, search, filter or export shows
    another client's organization, contract, report or invoice."""
    admin = httpx.Client(
        base_url=month_platform.base_url,
        headers={"authorization": f"Bearer {token('admin')}"},
        timeout=30,
    )
    orgs = admin.get("/v1/organizations", params={"limit": 500}).json()["items"]
    by_name = {o["display_name"]: o["id"] for o in orgs}
    acme, globex = by_name["Acme Telecom"], by_name["Globex Bank"]
    contracts = admin.get("/v1/contracts", params={"limit": 500}).json()["items"]
    globex_contract = next(
        c["id"] for c in contracts if c["client_id"] == globex and c["type"] == "SLA"
    )
    globex_invoice = admin.get("/v1/invoices", params={"client_id": globex}).json()["items"][0]
    report = admin.post(
        "/v1/sla-reports", json={"contract_id": globex_contract, "period": "2026-09"}
    ).json()
    plan = admin.get("/v1/price-plans", params={"contract_id": globex_contract}).json()["items"][0]

    with httpx.Client(
        base_url=month_platform.base_url,
        headers={"authorization": f"Bearer {token('client', client_id=acme)}"},
        timeout=30,
    ) as acme_user:
        # Lists, searches and filters show Acme only.
        assert {o["id"] for o in acme_user.get("/v1/organizations").json()["items"]} == {acme}
        own = acme_user.get("/v1/contracts", params={"limit": 500}).json()["items"]
        assert own and {c["client_id"] for c in own} == {acme}
        assert acme_user.get("/v1/contracts", params={"q": "Globex"}).json()["items"] == []
        assert acme_user.get("/v1/contracts", params={"client_id": globex}).json()["items"] == []
        invoices = acme_user.get("/v1/invoices", params={"limit": 500}).json()["items"]
        assert invoices and {i["client_id"] for i in invoices} == {acme}
        assert acme_user.get("/v1/invoices", params={"client_id": globex}).json()["items"] == []
        reports = acme_user.get("/v1/sla-reports", params={"limit": 500}).json()["items"]
        assert all(r["contract_id"] != globex_contract for r in reports)
        # Another client's ids answer exactly like missing ones.
        for path in (
            f"/v1/organizations/{globex}",
            f"/v1/contracts/{globex_contract}",
            f"/v1/contracts/{globex_contract}/document?format=pdf",
            f"/v1/contracts/{globex_contract}/events",
            f"/v1/contracts/{globex_contract}/service-terms?from=2026-09-01&to=2026-09-30",
            f"/v1/invoices/{globex_invoice['id']}",
            f"/v1/invoices/{globex_invoice['id']}/pdf",
            f"/v1/sla-reports/{report['id']}",
            f"/v1/price-plans/{plan['id']}",
            f"/v1/usage?contract_id={globex_contract}&period=2026-09&increment_seconds=60",
            f"/v1/kpis?contract_id={globex_contract}&from=2026-09-01&to=2026-10-01",
        ):
            response = acme_user.get(path)
            assert response.status_code == 404, (path, response.status_code, response.text[:200])
            assert response.headers["content-type"] == "application/problem+json"
        # And a client user writes nothing.
        refused = acme_user.post(
            "/v1/sla-reports", json={"contract_id": globex_contract, "period": "2026-09"}
        )
        assert refused.status_code in (403, 404)
    admin.close()


def test_a_partner_cannot_touch_another_clients_records(
    month_platform: Platform, token: TokenFactory
) -> None:
    """The attack on the demo data, on the real processes through the gateway: Acme's partner
    token names the operator-wide source and a Globex record's external id, to update it, to
    erase its caller, and to probe which ids and queues exist. Globex's records and KPIs are
    unchanged, and every answer is the one an unknown source, queue or caller gets."""
    admin = httpx.Client(
        base_url=month_platform.base_url,
        headers={"authorization": f"Bearer {token('admin')}"},
        timeout=60,
    )
    orgs = admin.get("/v1/organizations", params={"limit": 500}).json()["items"]
    by_name = {o["display_name"]: o["id"] for o in orgs}
    acme, globex = by_name["Acme Telecom"], by_name["Globex Bank"]
    contracts = admin.get("/v1/contracts", params={"limit": 500}).json()["items"]
    globex_sla = next(c["id"] for c in contracts if c["client_id"] == globex and c["type"] == "SLA")
    kpi_params = {
        "contract_id": globex_sla,
        "from": "2026-10-01",
        "to": "2026-11-01",
        "granularity": "day",
    }

    def globex_kpis() -> object:
        response = admin.get("/v1/kpis", params=kpi_params)
        assert response.status_code == 200, response.text
        return response.json()["buckets"]

    target = admin.get(
        "/v1/contact-records",
        params={"contract_id": globex_sla, "from": "2026-10-01T00:00:00Z", "limit": 1},
    ).json()["items"][0]
    forged = {
        "external_id": target["external_id"],
        "queue": target["queue"],
        "channel": target["channel"],
        "enqueued_at": target["enqueued_at"],
        "outcome": "abandoned",
        "wait_seconds": 1,
        "customer": "+55 11 90000-0000",
        "updated_at": "2026-11-30T00:00:00Z",
    }
    # A Globex caller whose number we know, pushed by the operator's platform.
    known = {
        **forged,
        "external_id": "globex-known-caller",
        "contract_id": globex_sla,
        "updated_at": target["enqueued_at"],
    }
    pushed = admin.post("/v1/contact-records", json={"source": "demo-connect", "records": [known]})
    assert pushed.json()["inserted"] == 1, pushed.text
    before = globex_kpis()
    with httpx.Client(
        base_url=month_platform.base_url,
        headers={"authorization": f"Bearer {token('partner', client_id=acme)}"},
        timeout=60,
    ) as acme_partner:
        unknown = acme_partner.post(
            "/v1/contact-records", json={"source": "no-such-source", "records": [forged]}
        )
        assert unknown.status_code == 404
        for path in ("/v1/contact-records", "/v1/agent-activity"):
            through_ops = acme_partner.post(
                path, json={"source": "demo-connect", "records": [forged]}
            )
            assert through_ops.status_code == 404, through_ops.text
            assert through_ops.json()["detail"] == unknown.json()["detail"].replace(
                "no-such-source", "demo-connect"
            )
        imported = acme_partner.post(
            "/v1/imports/csv",
            params={"source": "demo-connect"},
            content=(
                "external_id,queue,enqueued_at,wait_seconds,outcome\n"
                f"{forged['external_id']},{forged['queue']},{forged['enqueued_at']},1,abandoned\n"
            ).encode(),
        )
        assert imported.status_code == 404
        # Through a source of its own, Globex's queue answers as a queue nobody claims.
        created = acme_partner.post("/v1/sources", json={"name": "acme-probe", "kind": "api"})
        assert created.status_code == 201, created.text
        assert created.json()["client_id"] == acme
        probe = {**forged, "external_id": "probe-1"}
        nobody = {**forged, "external_id": "probe-2", "queue": "nobody-voice"}
        answer = acme_partner.post(
            "/v1/contact-records", json={"source": "acme-probe", "records": [forged, probe, nobody]}
        ).json()
        assert answer["inserted"] == 0 and answer["rejected"] == 3, answer
        messages = [r["message"].replace(forged["queue"], "Q") for r in answer["rejections"]]
        assert messages[0] == messages[1] == messages[2].replace("nobody-voice", "Q")
        named = acme_partner.post(
            "/v1/contact-records",
            json={"source": "acme-probe", "records": [{**forged, "contract_id": globex_sla}]},
        ).json()
        assert named["rejections"][0] == {
            "index": 0,
            "field": "contract_id",
            "message": "no such contract",
        }
        # Erasing a Globex caller changes nothing of Globex's and says nothing about it.
        erased = acme_partner.post("/v1/customers/erase", json={"customer": forged["customer"]})
        stranger = acme_partner.post("/v1/customers/erase", json={"customer": "+1 555 0100"})
        # The gateway's coarse check refuses partners' erasures today (403 to both); the
        # metrics service allows them for the partner's own client (tests/metrics).
        assert erased.status_code == stranger.status_code
        assert erased.json().get("erased_records") == stranger.json().get("erased_records")
        assert erased.status_code == 403 or erased.json()["erased_records"] == 0
        listed = acme_partner.get("/v1/contact-records", params={"limit": 500}).json()["items"]
        assert all(r["client_id"] == acme for r in listed)
        sources = acme_partner.get("/v1/sources").json()["items"]
        assert [s["name"] for s in sources] == ["acme-probe"]
    assert globex_kpis() == before
    still = admin.get(
        "/v1/contact-records",
        params={"contract_id": globex_sla, "from": known["enqueued_at"], "limit": 500},
    ).json()["items"]
    assert "globex-known-caller" in {r["external_id"] for r in still}
    stored = admin.get(
        "/v1/contact-records",
        params={"contract_id": globex_sla, "from": target["enqueued_at"], "limit": 1},
    ).json()["items"][0]
    assert stored == target
    admin.close()


def test_sla_risk_mid_month_on_the_demo_quarter(
    month_platform: Platform, token: TokenFactory
) -> None:
    """Through the gateway on the seeded quarter, as the README walks it: on the 10th of the
    open month a level is at risk or lost, with what recovery takes and the money at risk; at
    the month's end the projection is the SLA report; Erlang A staffs the recovery with no more
    agents than Erlang C."""
    headers = {"authorization": f"Bearer {token('finance', ttl_seconds=3600)}"}
    with httpx.Client(base_url=month_platform.base_url, headers=headers, timeout=120) as client:
        contracts = client.get(
            "/v1/contracts",
            params={"status": "active", "active_on": f"{OPEN_MONTH}-15", "limit": 500},
        ).json()["items"]
        slas = [c for c in contracts if c["type"] == "SLA"]
        troubled = 0
        for contract in slas:
            params = {"contract_id": contract["id"], "period": OPEN_MONTH}
            mid = client.get("/v1/sla-risk", params={**params, "as_of": "2026-10-11T03:00:00Z"})
            assert mid.status_code == 200, mid.text
            body = mid.json()
            levels = body["projection"]["levels"]
            for level in levels:
                if level["status"] in ("at_risk", "lost"):
                    troubled += 1
                    assert level["recovery"] is not None
            if body["money_at_risk"] is not None and any(
                level["status"] in ("at_risk", "lost") and level["pool_share"] for level in levels
            ):
                assert Decimal(body["money_at_risk"]["credit"]) >= 0
            # recomputed: other tests of this module add records to the open month
            report = client.post("/v1/sla-reports", json={**params, "recompute": True})
            assert report.status_code in (200, 201), report.text
            end = client.get(
                "/v1/sla-projections", params={**params, "as_of": "2026-11-02T00:00:00Z"}
            ).json()
            for level, result in zip(end["levels"], report.json()["results"], strict=True):
                mtd = level["month_to_date"]
                assert (mtd["numerator"], mtd["denominator"], mtd["value"]) == (
                    result["numerator"],
                    result["denominator"],
                    result["measured"],
                ), (contract["number"], level["key"])
        assert troubled > 0

        acme_sla = next(c for c in slas if "Acme" in (c.get("client_name") or c["title"]))
        staffed = client.get(
            "/v1/sla-projections",
            params={"contract_id": acme_sla["id"], "period": OPEN_MONTH,
                    "as_of": "2026-10-11T03:00:00Z", "staffing": "true"},
        )  # fmt: skip
        assert staffed.status_code == 200, staffed.text
        plans = [
            level["recovery"]["staffing"]
            for level in staffed.json()["levels"]
            if level["recovery"] and level["recovery"]["staffing"]
        ]
        for plan in plans:
            pairs = [(i["erlang_c_agents"], i["erlang_a_agents"]) for i in plan["intervals"]]
            assert all(a <= c for c, a in pairs)
