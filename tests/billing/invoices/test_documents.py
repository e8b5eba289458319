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


OPERATOR_ADDRESS = {
    "lines": ["Av. Paulista, 1842", "Conjunto 155"],
    "city": "São Paulo",
    "region": "SP",
    "postal_code": "01310-200",
    "country": "BR",
}
REMITTANCE = {
    "payee": "Contact Partners Ltda.",
    "bank": "Banco do Brasil S.A.",
    "account": "Agência 3336-7, conta 45.210-9",
    "swift_bic": "BRASBRRJSPO",
    "reference_instructions": "Quote the invoice number.",
}
CLIENT_ADDRESS = {
    "lines": ["Rua Augusta, 500"],
    "city": "São Paulo",
    "region": "SP",
    "postal_code": "01305-000",
    "country": "BR",
}


async def patch_organization(world: BillingWorld, organization_id: str, body: dict) -> None:
    url = f"/v1/organizations/{organization_id}"
    etag = (await world.api.get(url)).headers["etag"]
    response = await world.api.patch(url, json=body, headers={"If-Match": etag})
    assert response.status_code == 200, response.text


class TestAddressesRemittanceAndTax:
    async def test_the_invoice_prints_the_parties_as_they_were_at_issue(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        operator_id = str(await world.operator())
        await patch_organization(
            world, operator_id, {"postal_address": OPERATOR_ADDRESS, "remittance": REMITTANCE}
        )
        contract_id = await world.billed(client="Augusta")
        client_id = await world.client_of(contract_id)
        await patch_organization(world, client_id, {"postal_address": CLIENT_ADDRESS})
        rate = await finance.post(
            "/v1/tax-rates",
            json={
                "code": f"ISS-{uuid.uuid4().hex[:6].upper()}",
                "name": "ISS São Paulo",
                "country": "BR",
                "rate": "5",
                "valid_from": "2025-01-01",
            },
        )
        assert rate.status_code == 201, rate.text
        plan = await finance.post(
            "/v1/price-plans",
            json={
                "contract_id": contract_id,
                "name": "P",
                "version": {
                    "effective_from": "2025-01-01",
                    "charges": [{"key": "fee", "name": "Fee", "model": "fixed", "amount": "100"}],
                    "tax_rate_id": rate.json()["id"],
                },
            },
        )
        assert plan.status_code == 201, plan.text
        invoice = await draft(finance, contract_id)
        assert invoice["tax_name"] == "ISS São Paulo"
        assert invoice["buyer"]["postal_address"] == CLIENT_ADDRESS
        assert invoice["seller"]["remittance"]["swift_bic"] == "BRASBRRJSPO"
        issued = await finance.post(
            f"/v1/invoices/{invoice['id']}/issue", json={"issue_date": "2026-02-02"}
        )
        assert issued.status_code == 200, issued.text
        url = f"/v1/invoices/{invoice['id']}/pdf"
        text = text_of((await finance.get(url)).content)
        for expected in (
            "Rua Augusta, 500 01305-000 São Paulo, SP BR",
            "Av. Paulista, 1842 Conjunto 155 01310-200 São Paulo, SP BR",
            "ISS São Paulo 5.00 %",
            "Payment details Payee Contact Partners Ltda. Bank Banco do Brasil S.A.",
            "SWIFT/BIC BRASBRRJSPO Reference Quote the invoice number.",
        ):
            assert expected in text, (expected, text)

        # The client moves: the issued invoice keeps the address it was issued with.
        moved = {**CLIENT_ADDRESS, "lines": ["Rua Nova, 1"], "city": "Campinas"}
        await patch_organization(world, client_id, {"postal_address": moved})
        assert (await finance.get(f"/v1/invoices/{invoice['id']}")).json()["buyer"][
            "postal_address"
        ] == CLIENT_ADDRESS
        again = text_of((await finance.get(url)).content)
        assert "Rua Augusta, 500" in again and "Campinas" not in again
        # A credit note against it prints the parties as the invoice has them.
        note = await finance.post(
            "/v1/credit-notes",
            json={"invoice_id": invoice["id"], "reason": "Goodwill", "issue_date": "2026-02-12"},
        )
        assert note.status_code == 201, note.text
        credit = text_of((await finance.get(f"/v1/credit-notes/{note.json()['id']}/pdf")).content)
        assert "Rua Augusta, 500 01305-000 São Paulo, SP BR" in credit
        assert "ISS São Paulo 5.00 %" in credit
