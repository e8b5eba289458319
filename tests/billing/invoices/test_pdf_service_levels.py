"""The invoice PDF's service-level section: levels by their names, targets and measures in
their units (percentages, seconds, scores), and the credits explained with their figures:
credit base, amount at risk, each missed level's share, and the cap when one applied."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from billing.invoices.pdf import render_invoice_pdf
from billing.invoices.schemas import InvoiceRead
from tests.billing.invoices.test_documents import text_of


def invoice(**changes: Any) -> InvoiceRead:
    levels = [
        {"key": "voice_sl_80_20", "name": "Voice service level 80/20", "metric":
         "service_level", "unit": "ratio", "target": "0.8", "direction": "at_least",
         "measured": "0.786721", "status": "missed", "pool_share": "0.6"},
        {"key": "asa", "name": None, "metric": "asa", "unit": "seconds", "target": "30",
         "direction": "at_most", "measured": "41.700000", "status": "missed",
         "pool_share": "0.6"},
        {"key": "csat_mean", "metric": "csat", "unit": "score", "target": "4.2",
         "direction": "at_least", "measured": "4.375", "status": "met", "pool_share": None},
    ]  # fmt: skip
    line = {
        "key": "charge:fee", "position": 1, "kind": "charge", "description": "Fee",
        "charge_key": "fee", "charge_model": "fixed", "plan_version": 1, "quantity": "1",
        "unit_price": "10000", "tier": None, "amount": "10000.00", "source": {},
        "sla_key": None, "sla_target": None, "sla_measured": None, "report_id": None,
    }  # fmt: skip
    credits = [
        {**line, "key": f"credit:{key}", "position": i, "kind": "credit", "amount": "-500.00",
         "description": f"Service credit: {key}", "charge_key": None, "plan_version": None,
         "sla_key": key, "sla_target": target, "sla_measured": measured, "report_id": "r1"}
        for i, key, target, measured in (
            (2, "voice_sl_80_20", "0.8", "0.786721"), (3, "asa", "30", "41.700000")
        )
    ]  # fmt: skip
    party = {"legal_name": "P", "tax_id": None, "country": "BR"}
    data: dict[str, Any] = {
        "id": uuid.uuid4(), "number": None, "status": "draft", "operator_id": uuid.uuid4(),
        "client_id": uuid.uuid4(), "contract_id": uuid.uuid4(), "contract_number": "CT-1",
        "period": "2026-01", "period_start": date(2026, 1, 1), "period_end": date(2026, 1, 31),
        "service_from": date(2026, 1, 1), "service_to": date(2026, 1, 31), "currency": "EUR",
        "price_plan_id": uuid.uuid4(), "plan_version": 1, "sla_report_id": "r1",
        "issue_date": None, "due_date": None, "payment_terms_days": 30,
        "subtotal": "9000.00", "tax_rate_percent": None, "tax": "0.00", "total": "9000.00",
        "amount_paid": "0", "amount_credited": "0", "balance": "9000.00", "revision": 1,
        "computed_at": datetime.now(UTC), "issued_at": None, "paid_at": None,
        "voided_at": None, "void_reason": None, "credit_base": "10000.00", "at_risk": "1000",
        "credit_terms": {"at_risk_percent": "10", "credit_cap_percent": None,
                         "pool_cap_percent": "120"},
        "seller": party, "buyer": party, "service_levels": levels, "lines": [line, *credits],
    }  # fmt: skip
    return InvoiceRead.model_validate({**data, **changes})


class TestServiceLevelSection:
    def test_levels_read_by_name_and_in_their_units(self) -> None:
        text = text_of(render_invoice_pdf(invoice()))
        assert "Voice service level 80/20 ≥ 80.00 % 78.67 % missed 60.00 %" in text
        assert "Asa ≤ 30 s 41.7 s missed 60.00 %" in text  # no name: the key, readable
        assert "Csat mean ≥ 4.20 4.38 met -" in text

    def test_credit_lines_name_their_level_with_its_figures(self) -> None:
        text = text_of(render_invoice_pdf(invoice()))
        assert (
            "Service credit: Voice service level 80/20 missed (≥ 80.00 % targeted, 78.67 % "
            "measured; SLA report r1)" in text
        ), text
        assert "Service credit: Asa missed (≤ 30 s targeted, 41.7 s measured; SLA report r1)" in (
            text
        )

    def test_the_credits_are_explained_with_the_cap(self) -> None:
        text = text_of(render_invoice_pdf(invoice()))
        for sentence in (
            "Credit base: 10,000.00 EUR, the period's recurring service fees",
            "Amount at risk: 10.00 % of the credit base = 1,000.00 EUR.",
            "Voice service level 80/20 missed: 60.00 % of the amount at risk = 600.00 EUR.",
            "Asa missed: 60.00 % of the amount at risk = 600.00 EUR.",
            "The credits add up to 1,200.00 EUR, over the amount at risk (1,000.00 EUR): "
            "each is scaled down in proportion, 1,000.00 EUR in all.",
            "at most 120.00 % of the amount at risk",
        ):
            assert sentence in text, (sentence, text)

    def test_a_credit_cap_below_the_amount_at_risk_is_named(self) -> None:
        terms = {"at_risk_percent": "10", "credit_cap_percent": "8", "pool_cap_percent": None}
        lines = invoice().lines
        for line in lines[1:]:
            line.amount = Decimal("-400.00")
        text = text_of(render_invoice_pdf(invoice(credit_terms=terms, lines=lines)))
        assert (
            "over the credit cap of 8.00 % of the base (800.00 EUR): each is scaled down in "
            "proportion, 800.00 EUR in all." in text
        ), text

    def test_the_tax_line_names_the_tax(self) -> None:
        text = text_of(
            render_invoice_pdf(invoice(tax_name="IVA Portugal", tax_rate_percent="23.0000"))
        )
        assert "IVA Portugal 23.00 %" in text
        assert "Tax 10.00 %" in text_of(render_invoice_pdf(invoice(tax_rate_percent="10")))
