# ruff: noqa: RUF001 (the point of these names is their non-Latin letters)
"""Invoice PDFs print every party's name as written: Polish, French, Turkish, Greek, Cyrillic
(DejaVu Sans, embedded). CJK is not in DejaVu: drawn by a configured fallback font, else
printed as "?" (kept exactly in the JSON)."""

import uuid
from pathlib import Path

import httpx
import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

from billing.invoices.pdf import render_invoice_pdf
from billing.invoices.schemas import InvoiceRead
from billing.settings import BillingSettings
from tests.billing.conftest import BillingWorld
from tests.billing.invoices.pdf_text import embedded_fonts, pdf_text

NAMES = [
    "Łódź Sp. z o.o.",
    "Société Générale – Ümit",
    "Ελληνικά Τηλέπικοινωνίες Α.Ε.",
    "ООО «Ромашка»",
    "Çağrı Merkezi A.Ş. — Müşteri Hizmetleri",
]


async def drafted_for(finance: httpx.AsyncClient, world: BillingWorld, legal_name: str) -> dict:
    await world.operator()
    client = await world.post(
        "/v1/organizations",
        {
            "legal_name": legal_name,
            "display_name": legal_name,
            "country": "PL",
            "tax_id": "PL5260250274",
            "billing_email": "ap@client.example",
            "time_zone": "Europe/Warsaw",
        },
    )
    contract = await world.contract(client_id=uuid.UUID(client["id"]), currency="PLN")
    plan = await finance.post(
        "/v1/price-plans",
        json={
            "contract_id": str(contract.id),
            "name": "P",
            "version": {
                "effective_from": "2025-01-01",
                "charges": [
                    {"key": "fee", "name": "Obsługa — opłata stała", "model": "fixed",
                     "amount": "3100.00"}
                ],
            },
        },
    )  # fmt: skip
    assert plan.status_code == 201, plan.text
    invoice = await finance.post(
        "/v1/invoices", json={"contract_id": str(contract.id), "period": "2026-01"}
    )
    assert invoice.status_code == 201, invoice.text
    return invoice.json()


class TestUnicodeNames:
    async def test_the_pdf_prints_the_clients_name_as_written(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        invoice = await drafted_for(finance, world, NAMES[0])
        pdf = await finance.get(f"/v1/invoices/{invoice['id']}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        text = pdf_text(pdf.content)
        assert "Łódź Sp. z o.o." in text
        assert "Obsługa — opłata stała" in text
        assert "3,100.00 PLN" in text
        assert embedded_fonts(pdf.content) == {"DejaVuSansBook", "DejaVuSansBold"}
        assert b"Helvetica" not in pdf.content

    async def test_every_supported_script_on_both_parties(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        body = await drafted_for(finance, world, "Client")
        for seller, buyer in zip(NAMES, NAMES[1:] + NAMES[:1], strict=True):
            invoice = InvoiceRead.model_validate(
                {
                    **body,
                    "seller": {**body["seller"], "legal_name": seller},
                    "buyer": {**body["buyer"], "legal_name": buyer},
                }
            )
            text = pdf_text(render_invoice_pdf(invoice))
            assert seller in text and buyer in text

    async def test_cjk_falls_back_to_question_marks(
        self, finance: httpx.AsyncClient, world: BillingWorld
    ) -> None:
        body = await drafted_for(finance, world, "株式会社テスト Łódź")
        assert body["buyer"]["legal_name"] == "株式会社テスト Łódź"  # the JSON keeps it whole
        text = pdf_text(render_invoice_pdf(InvoiceRead.model_validate(body)))
        assert "??????? Łódź" in text


def box_font(path: Path, chars: str) -> Path:
    """A real TrueType font whose glyphs for ``chars`` are squares (CI has no CJK font)."""
    names = {ord(c): f"uni{ord(c):04X}" for c in chars}
    order = [".notdef", *names.values()]
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        pen.moveTo((100, 0))
        pen.lineTo((100, 800))
        pen.lineTo((900, 800))
        pen.lineTo((900, 0))
        pen.closePath()
        glyphs[name] = pen.glyph()
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(names)
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics(dict.fromkeys(order, (1000, 100)))
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": "Boxes", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, usWinAscent=880, usWinDescent=120)
    builder.setupPost()
    builder.save(str(path))
    return path


class TestFallbackFonts:
    async def test_a_configured_fallback_font_draws_what_dejavu_lacks(
        self, finance: httpx.AsyncClient, world: BillingWorld, tmp_path: Path
    ) -> None:
        font = box_font(tmp_path / "boxes.ttf", "株式会社テスト")
        body = await drafted_for(finance, world, "株式会社テスト Łódź")
        pdf = render_invoice_pdf(InvoiceRead.model_validate(body), [font])
        assert "株式会社テスト Łódź" in pdf_text(pdf)
        assert embedded_fonts(pdf) >= {"DejaVuSansBook", "DejaVuSansBold", "Boxes"}

    def test_the_setting_is_a_json_list_of_paths(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("BILLING_PDF_FALLBACK_FONTS", '["/fonts/NotoSansCJK.otf"]')
        assert BillingSettings().pdf_fallback_fonts == [Path("/fonts/NotoSansCJK.otf")]
