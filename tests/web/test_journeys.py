"""Journeys through the web console in Chromium, each from sign-in, on the real platform."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import expect

from tests.web.conftest import CLOSED_MONTH, OPEN_MONTH, Visitor


def _client(admin_api: httpx.Client, name: str) -> dict:
    clients = admin_api.get("/v1/organizations", params={"kind": "client", "limit": 100}).json()
    return next(c for c in clients["items"] if c["display_name"] == name)


def _invoice_with_credit(admin_api: httpx.Client, client_id: str) -> dict:
    invoices = admin_api.get(
        "/v1/invoices", params={"client_id": client_id, "period": CLOSED_MONTH, "limit": 100}
    ).json()["items"]
    for invoice in invoices:
        full = admin_api.get(f"/v1/invoices/{invoice['id']}").json()
        if any(line["kind"] == "credit" for line in full["lines"]):
            return dict(full)
    raise AssertionError(f"no invoice with a service credit in {CLOSED_MONTH}")


def test_a_client_reads_its_month_and_follows_a_credit_to_contact_records(
    visitor: Visitor, admin_api: httpx.Client
) -> None:
    acme = _client(admin_api, "Acme Telecom")
    invoice = _invoice_with_credit(admin_api, acme["id"])
    page = visitor.page
    visitor.sign_in("Acme Telecom user")
    expect(page.get_by_role("heading", level=1)).to_have_text("What needs attention")
    # HTMX fills in the service levels at risk once the page is shown.
    expect(page.get_by_role("link", name=re.compile("^Projecting"))).to_have_count(0)
    expect(page.get_by_role("heading", name=re.compile("^Service levels at risk"))).to_be_visible()
    visitor.check("client-home")

    # Its contracts, and only its own.
    page.get_by_role("link", name="Contracts", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contracts")
    rows = page.locator("tbody tr")
    assert rows.count() > 0
    for text in rows.all_inner_texts():
        assert "Acme Telecom" in text
    visitor.check("client-contracts")

    page.get_by_role("link", name=invoice["contract_number"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(invoice["contract_number"])
    visitor.check("client-contract")

    # The month's service levels as charts against their targets.
    page.goto(
        f"{visitor.base_url}/contracts/{invoice['contract_id']}/service-levels?period={CLOSED_MONTH}"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("September 2026")
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() >= 3
    assert "target" in (charts.first.locator("desc").text_content() or "").lower()
    assert page.locator("svg.chart .target").count() == charts.count()
    visitor.check("client-service-levels")
    page.get_by_role("link", name="KPIs by day and hour").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("KPIs of")
    assert page.locator("tbody tr").count() > 0
    visitor.check("client-kpis")

    # The invoice, then a credit down to the contact records.
    page.get_by_role("link", name="Invoices", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoices")
    visitor.check("client-invoices")
    page.get_by_role("link", name=invoice["number"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(invoice["number"])
    visitor.check("client-invoice")

    page.locator("tr.credit a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Service credit for")
    expect(page.get_by_role("heading", name="The SLA report it cites")).to_be_visible()
    visitor.check("client-credit")
    missed_day = page.locator(
        "#days-title ~ .table-wrap tbody tr", has=page.locator(".badge.missed")
    )
    missed_day.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile("^Hours of"))).to_be_visible()
    hours = page.locator("#hours-title ~ .table-wrap tbody tr")
    missed_hour = hours.filter(has=page.locator(".badge.missed"))
    (missed_hour.first if missed_hour.count() else hours.first).get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile("^Contact records"))).to_be_visible()
    records = page.locator("table.records tbody tr")
    assert records.count() > 0
    visitor.check("client-contact-records")
    page.get_by_role("link", name="SLA report", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("SLA report of")
    assert page.locator("tbody tr").count() >= 3
    visitor.check("client-sla-report")

    # The PDF, as issued.
    page.goto(f"{visitor.base_url}/invoices/{invoice['id']}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    path = download.value.path()
    assert path is not None and Path(path).read_bytes()[:5] == b"%PDF-"

    # Another client's invoice, by URL: the app's 404 page.
    globex = _client(admin_api, "Globex Bank")
    other = admin_api.get("/v1/invoices", params={"client_id": globex["id"], "limit": 1}).json()
    response = page.goto(f"{visitor.base_url}/invoices/{other['items'][0]['id']}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    visitor.errors.clear()  # the browser logs the 404 itself
    visitor.check("client-refused")

    # Staff pages are not for clients.
    assert page.get_by_role("link", name="Month end").count() == 0
    response = page.goto(f"{visitor.base_url}/month-end")
    assert response is not None and response.status == 403
    visitor.errors.clear()


def test_finance_runs_month_end_and_issues_an_invoice(visitor: Visitor) -> None:
    page = visitor.page
    visitor.sign_in("Fiona Finance")
    visitor.check("finance-home")
    page.get_by_role("link", name="Month end").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Month end")
    visitor.check("finance-month-end")

    page.get_by_label("Month", exact=True).fill(OPEN_MONTH)
    page.get_by_role("button", name="Run month end").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Month end of October 2026")
    # HTMX polls the progress until the run ends, then the drafts are listed.
    expect(page.locator("#run-progress .badge").first).to_have_text("completed", timeout=120_000)
    issue = page.get_by_role("button", name=re.compile("^Issue the draft of"))
    assert issue.count() >= 1
    visitor.check("finance-run")
    issue.first.click()
    expect(page.locator(".flash")).to_contain_text(re.compile(r"Invoice INV-\d{4}-\d+ issued"))
    visitor.check("finance-issued")


def test_an_admin_creates_an_api_client_and_sees_the_secret_once(visitor: Visitor) -> None:
    page = visitor.page
    visitor.sign_in("Ada Admin")
    page.get_by_role("link", name="API clients").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API clients")
    visitor.check("admin-api-clients")

    page.get_by_label("Name", exact=True).fill("Browser test exporter")
    page.get_by_label("Role", exact=True).select_option("partner")
    page.get_by_label("Client (for partner and client roles)").select_option(label="Acme Telecom")
    page.get_by_role("button", name="Create").click()
    secret = page.locator("#new-client-secret")
    expect(secret).to_have_text(re.compile(r"^cs_"))
    client_id = page.locator("#new-client-id").inner_text()
    visitor.check("admin-api-client-created")

    # The secret works once, and is never shown again.
    token = httpx.post(
        f"{visitor.base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret.inner_text()),
    )
    assert token.status_code == 200, token.text
    page.goto(f"{visitor.base_url}/admin/api-clients")
    assert page.locator("#new-client-secret").count() == 0
    row = page.locator("tbody tr", has_text="Browser test exporter")
    expect(row).to_contain_text(client_id)

    row.get_by_role("button", name=re.compile("^Revoke")).click()
    expect(page.locator(".flash")).to_contain_text("revoked")
    expect(page.locator("tbody tr", has_text="Browser test exporter")).to_contain_text("revoked")
