"""The documents a client files: an invoice's PDF is the document as issued, whatever happens
to the invoice afterwards; every page names its document and its page; credit notes have
PDFs too; tiers read as people say them."""

import io
import uuid

import httpx
from fastapi import FastAPI
from pypdf import PdfReader

from tests.billing.conftest import BillingWorld
from tests.billing.invoices.test_invoices import contract_with_plan, draft
from tests.conftest import TokenFactory, api_client

GRADUATED = {
    "key": "minutes",
    "name": "Handled minutes",
    "model": "graduated",
    "metric": "handled_minutes",
    "tiers": [
        {"up_to": "100", "unit_price": "0.50"},
        {"up_to": "250", "unit_price": "0.45"},
        {"up_to": None, "unit_price": "0.40"},
    ],
}


def text_of(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )


class TestIssuedDocuments:
    async def test_the_pdf_of_an_issued_invoice_is_the_document_as_issued(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        invoice = await draft(finance, await contract_with_plan(finance, world))
        issued = (
            await finance.post(
                f"/v1/invoices/{invoice['id']}/issue", json={"issue_date": "2026-02-02"}
            )
        ).json()
        url = f"/v1/invoices/{invoice['id']}/pdf"
        as_issued = (await finance.get(url)).content
        text = text_of(as_issued)
        assert f"Invoice {issued['number']} · page 1 of 1" in text
        paid = await finance.post(
            "/v1/payments",
            json={
                "invoice_id": invoice["id"],
                "amount": issued["total"],
                "received_on": "2026-02-10",
            },
        )
        assert paid.status_code == 201, paid.text
        note = await finance.post(
            "/v1/credit-notes",
            json={"invoice_id": invoice["id"], "reason": "Goodwill", "issue_date": "2026-02-12"},
        )
        assert note.status_code == 201, note.text
        assert (await finance.get(url)).content == as_issued
        assert "Balance due" not in text and "Paid" not in text

        credit = await finance.get(f"/v1/credit-notes/{note.json()['id']}/pdf")
        assert credit.headers["content-type"] == "application/pdf"
        credit_text = text_of(credit.content)
        for expected in (
            f"CREDIT NOTE {note.json()['number']}",
            f"Credits invoice {issued['number']} of 2026-02-02",
            "Reason Goodwill",
            f"Credit note {note.json()['number']} · page 1 of 1",
        ):
            assert expected in credit_text, expected
        assert (await finance.get(f"/v1/credit-notes/{note.json()['id']}/pdf")).content == (
            credit.content
        )

    async def test_a_draft_is_rendered_as_it_is_now(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        invoice = await draft(finance, await contract_with_plan(finance, world))
        text = text_of((await finance.get(f"/v1/invoices/{invoice['id']}/pdf")).content)
        assert "DRAFT INVOICE" in text and "Draft invoice · page 1 of 1" in text


class TestTierWording:
    async def test_tiers_read_as_people_say_them(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        response = await finance.post(
            "/v1/quotes",
            json={
                "plan": {"charges": [GRADUATED]},
                "usage": {"handled_minutes": "300"},
                "currency": "EUR",
            },
        )
        assert response.status_code == 200, response.text
        descriptions = [line["description"] for line in response.json()["lines"]]
        assert descriptions == [
            "Handled minutes — tier 1 (up to 100)",
            "Handled minutes — tier 2 (over 100 up to 250)",
            "Handled minutes — tier 3 (over 250)",
        ]


class TestAnotherTenant:
    async def test_documents_and_numbers_of_another_client_are_not_found(
        self,
        finance: httpx.AsyncClient,
        world: BillingWorld,
        billing_app: FastAPI,
        token: TokenFactory,
    ) -> None:
        invoice = await draft(finance, await contract_with_plan(finance, world))
        issued = (
            await finance.post(
                f"/v1/invoices/{invoice['id']}/issue", json={"issue_date": "2026-02-02"}
            )
        ).json()
        note = (
            await finance.post(
                "/v1/credit-notes",
                json={"invoice_id": invoice["id"], "reason": "x", "issue_date": "2026-02-03"},
            )
        ).json()
        stranger = token("client", client_id=uuid.uuid4())
        async with api_client(billing_app, stranger) as other:
            assert (await other.get(f"/v1/invoices/{invoice['id']}/pdf")).status_code == 404
            assert (await other.get(f"/v1/credit-notes/{note['id']}/pdf")).status_code == 404
            found = await other.get("/v1/invoices", params={"number": issued["number"]})
            assert found.status_code == 200 and found.json()["items"] == []
        owner = token("client", client_id=issued["client_id"])
        async with api_client(billing_app, owner) as mine:
            assert (await mine.get(f"/v1/credit-notes/{note['id']}/pdf")).status_code == 200
            found = await mine.get("/v1/invoices", params={"number": issued["number"]})
            assert [i["id"] for i in found.json()["items"]] == [invoice["id"]]
