"""The invoice as a PDF a client's accounts-payable team accepts: both parties with tax ids,
number and dates, the service period, lines grouped by charge, service credits, tax, total,
payment terms and due date. Pure Python (fpdf2), no system packages.

Text is set in the Unicode fonts of ``shared.pdf`` (DejaVu Sans, plus the fallback fonts of
``BILLING_PDF_FALLBACK_FONTS`` for what it lacks, e.g. CJK); a character no font has is printed
as "?" — the JSON invoice keeps every name exactly.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from billing.invoices.schemas import CreditNoteRead, InvoiceRead, LineRead
from shared.money import minor_units, round_money
from shared.pdf import FAMILY, unicode_pdf

if TYPE_CHECKING:
    from fpdf import FPDF


def _plain(value: Decimal) -> str:
    """A quantity or unit price as people write it: 150,000 and 0.62, never 1.5E+5."""
    return f"{value.normalize():,f}"


def _unit_price(value: Decimal, currency: str) -> str:
    """A unit price with at least the currency's minor digits (45,000.00, 0.62, 0.0055)."""
    exponent = value.normalize().as_tuple().exponent
    places = max(minor_units(currency), -exponent if isinstance(exponent, int) else 0)
    return f"{value:,.{places}f}"


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,} {currency}"


def _group(lines: list[LineRead]) -> OrderedDict[str, list[LineRead]]:
    titles = {
        "charge": "Services",
        "one_time": "One-time fees",
        "true_up": "Minimum commitment",
        "termination_fee": "Early termination",
        "credit": "Service credits",
        "bonus": "Performance bonus",
    }
    groups: OrderedDict[str, list[LineRead]] = OrderedDict()
    for line in lines:
        groups.setdefault(titles.get(line.kind, line.kind), []).append(line)
    return groups


def _versions(invoice: InvoiceRead) -> str:
    """The plan version, or each version with its days when a price change split the period."""
    versions = sorted({ln.plan_version for ln in invoice.lines if ln.plan_version is not None})
    if len(versions) < 2:
        return str(invoice.plan_version)
    days = {
        ln.plan_version: f" ({ln.source['service_from']} to {ln.source['service_to']})"
        for ln in invoice.lines
        if ln.source and "service_from" in ln.source
    }
    return ", ".join(f"{v}{days.get(v, '')}" for v in versions)


def address_lines(address: Any, country: Any = None) -> list[str]:
    """A postal address as printed on an envelope: its lines, then postal code, city and
    region, then the country code. Without an address, only the organization's country."""
    if not isinstance(address, dict):
        return [str(country)] if country else []
    place = " ".join(
        str(part) for part in (address.get("postal_code"), address.get("city")) if part
    )
    if address.get("region"):
        place += f", {address['region']}"
    return [*(str(line) for line in address.get("lines") or []), place, str(address["country"])]


def tax_label(name: str | None, rate: Decimal | None) -> str:
    """The tax line names the tax and its rate: "ISS São Paulo 5.00 %" (a rate the plan gave
    inline has no name: "Tax 5.00 %")."""
    if rate is None:
        return name or "Tax"
    return f"{name or 'Tax'} {_percent(rate)}"


def _percent(value: Decimal) -> str:
    """A percentage with two decimals at least, more when it has them: 5.00 %, 2.125 %."""
    exponent = value.normalize().as_tuple().exponent
    places = max(2, -exponent if isinstance(exponent, int) else 0)
    return f"{value:,.{places}f} %"


def level_figure(value: Any, unit: str | None, metric: str | None) -> str:
    """A target or measure as people read it: ratios as percentages ("80.00 %"), times in
    seconds ("20 s"), CSAT and NPS as scores ("4.20")."""
    if value is None:
        return "no data"
    number = Decimal(str(value))
    if unit is None:  # an invoice drafted before units were recorded
        unit = {"asa": "seconds", "aht": "seconds", "csat": "score", "nps": "score"}.get(
            str(metric), "ratio"
        )
    if unit == "ratio":
        return _percent((number * 100).quantize(Decimal("0.01")))
    if unit == "seconds":
        return f"{_plain(number.quantize(Decimal('0.1')))} s"
    return f"{number.quantize(Decimal('0.01')):,}"


def level_name(entry: dict[str, Any]) -> str:
    """The contract's name for a service level, or its key made readable."""
    if entry.get("name"):
        return str(entry["name"])
    key = str(entry.get("key") or "")
    return " ".join(key.replace("_", " ").replace("-", " ").replace(".", " ").split()).capitalize()


def line_description(line: LineRead, levels: list[dict[str, Any]]) -> str:
    """A credit or bonus line names its service level and prints its figures in their units
    ("Service credit: Voice calls answered in 20 s missed, ≥ 80.00 % targeted, 78.67 %
    measured; SLA report …"); the JSON line keeps the key and the raw figures."""
    entry = next((e for e in levels if e.get("key") == line.sla_key), None)
    if line.kind not in ("credit", "bonus") or entry is None:
        return line.description
    unit, metric = entry.get("unit"), entry.get("metric")
    direction = {"at_least": "≥ ", "at_most": "≤ "}.get(str(entry.get("direction")), "")
    target = direction + level_figure(line.sla_target, unit, metric)
    measured = level_figure(line.sla_measured, unit, metric)
    what = "Service credit" if line.kind == "credit" else "Performance bonus"
    outcome = "missed" if line.kind == "credit" else "beat its bonus target"
    return (
        f"{what}: {level_name(entry)} {outcome} ({target} targeted, {measured} measured; "
        f"SLA report {line.report_id})"
    )


def credit_explanation(invoice: InvoiceRead) -> list[str]:
    """How the service credits came about, in sentences with the figures: the credit base,
    the amount at risk, each missed level's share of it, and any cap applied."""
    cur = invoice.currency
    terms = invoice.credit_terms or {}
    at_risk_percent = terms.get("at_risk_percent")
    if not at_risk_percent or Decimal(str(at_risk_percent)) == 0:
        return []
    at_risk = round_money(invoice.at_risk, cur)
    out = [
        f"Credit base: {_money(invoice.credit_base, cur)}, the period's recurring service fees "
        "and any minimum-commitment true-up (one-time and termination fees are not at risk).",
        f"Amount at risk: {_percent(Decimal(str(at_risk_percent)))} of the credit base = "
        f"{_money(at_risk, cur)}.",
    ]
    unscaled = Decimal(0)
    for entry in invoice.service_levels:
        if entry.get("status") != "missed":
            continue
        share = entry.get("pool_share")
        if share is None or Decimal(str(share)) == 0:
            out.append(f"{level_name(entry)} missed: no share of the pool, so no credit.")
            continue
        earned = round_money(Decimal(str(share)) * invoice.at_risk, cur)
        unscaled += Decimal(str(share)) * invoice.at_risk
        out.append(
            f"{level_name(entry)} missed: {_percent(Decimal(str(share)) * 100)} of the amount "
            f"at risk = {_money(earned, cur)}."
        )
    cap, cap_reason = invoice.at_risk, "the amount at risk"
    credit_cap = terms.get("credit_cap_percent")
    if credit_cap is not None:
        by_cap = invoice.credit_base * Decimal(str(credit_cap)) / 100
        if by_cap < cap:
            cap = by_cap
            cap_reason = f"the credit cap of {_percent(Decimal(str(credit_cap)))} of the base"
    credited = -sum((ln.amount for ln in invoice.lines if ln.kind == "credit"), Decimal(0))
    if unscaled > cap and credited:
        out.append(
            f"The credits add up to {_money(round_money(unscaled, cur), cur)}, over "
            f"{cap_reason} ({_money(round_money(cap, cur), cur)}): each is scaled down in "
            f"proportion, {_money(credited, cur)} in all."
        )
    elif credited:
        out.append(f"Service credits in all: {_money(credited, cur)} (no cap reached).")
    pool_cap = terms.get("pool_cap_percent")
    if pool_cap is not None:
        out.append(
            f"The pool shares of all service levels may add up to at most "
            f"{_percent(Decimal(str(pool_cap)))} of the amount at risk."
        )
    return out


def _service_levels(pdf: FPDF, _t: Any, invoice: InvoiceRead) -> None:
    """The period's service levels by name, target against measure, and the credit story."""
    pdf.set_font(FAMILY, "B", 10)
    pdf.cell(0, 7, "Service levels", new_x="LMARGIN", new_y="NEXT")
    widths = (70, 35, 30, 25, 30)
    pdf.set_font(FAMILY, "B", 8)
    for width, head in zip(
        widths, ("Service level", "Target", "Measured", "Result", "Pool share"), strict=True
    ):
        pdf.cell(width, 5, head, border="B", align="L" if head == "Service level" else "R")
    pdf.ln()
    pdf.set_font(FAMILY, "", 8)
    for entry in invoice.service_levels:
        unit, metric = entry.get("unit"), entry.get("metric")
        direction = {"at_least": "≥ ", "at_most": "≤ "}.get(str(entry.get("direction")), "")
        share = entry.get("pool_share")
        cells = (
            level_name(entry),
            direction + level_figure(entry.get("target"), unit, metric),
            level_figure(entry.get("measured"), unit, metric),
            str(entry.get("status") or "").replace("_", " "),
            "-" if share is None else _percent(Decimal(str(share)) * 100),
        )
        for width, text in zip(widths, cells, strict=True):
            pdf.cell(width, 5, _t(text), align="L" if width == widths[0] else "R")
        pdf.ln()
    explanation = credit_explanation(invoice)
    if explanation:
        pdf.ln(1)
        pdf.set_font(FAMILY, "", 8)
        for sentence in explanation:
            pdf.multi_cell(0, 4, _t(sentence), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _remittance(pdf: FPDF, _t: Any, remittance: Any) -> None:
    """Where to pay: the operator's bank details as they were when the invoice was issued."""
    if not isinstance(remittance, dict):
        return
    pdf.ln(3)
    pdf.set_font(FAMILY, "B", 9)
    pdf.cell(0, 5, "Payment details", new_x="LMARGIN", new_y="NEXT")
    for label, key in (
        ("Payee", "payee"),
        ("Bank", "bank"),
        ("Account", "account"),
        ("IBAN", "iban"),
        ("SWIFT/BIC", "swift_bic"),
        ("Reference", "reference_instructions"),
    ):
        if remittance.get(key):
            pdf.set_font(FAMILY, "B", 8)
            pdf.cell(30, 4, label)
            pdf.set_font(FAMILY, "", 8)
            pdf.multi_cell(0, 4, _t(str(remittance[key])), new_x="LMARGIN", new_y="NEXT")


def _footer(pdf: FPDF, label: str) -> None:
    """Every page names its document and says which page of how many it is, so a page that
    came loose from a filed invoice is still found."""

    def footer() -> None:
        pdf.set_y(-12)
        pdf.set_font(FAMILY, "", 7)
        pdf.cell(0, 5, f"{label} · page {pdf.page_no()} of {{nb}}", align="C")

    pdf.footer = footer  # type: ignore[method-assign]


def render_invoice_pdf(invoice: InvoiceRead, fallback_fonts: Sequence[Path] = ()) -> bytes:
    pdf, _t = unicode_pdf(fallback_fonts)
    pdf.set_compression(False)  # plain text streams: searchable, and a few KB larger only
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(_t(invoice.number or "Draft invoice"))
    _footer(pdf, _t(f"Invoice {invoice.number}" if invoice.number else "Draft invoice"))
    pdf.add_page()
    cur = invoice.currency

    pdf.set_font(FAMILY, "B", 18)
    title = f"INVOICE {invoice.number}" if invoice.number else "DRAFT INVOICE (not issued)"
    if invoice.status.value == "void":
        title += " — VOID"
    pdf.cell(0, 10, _t(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 9)

    def party(label: str, data: dict[str, Any], x: float) -> float:
        pdf.set_xy(x, 28)
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(90, 5, _t(label), new_x="LEFT", new_y="NEXT")
        pdf.set_font(FAMILY, "", 9)
        for text in (
            data.get("legal_name"),
            *address_lines(data.get("postal_address"), data.get("country")),
            f"Tax id: {data.get('tax_id') or '-'}",
            data.get("billing_email"),
        ):
            pdf.cell(90, 5, _t(text), new_x="LEFT", new_y="NEXT")
        return pdf.get_y()

    bottom = max(party("From", invoice.seller, 10), party("Bill to", invoice.buyer, 110))
    pdf.set_xy(10, bottom + 4)
    facts = [
        ("Invoice number", invoice.number or "(assigned at issue)"),
        ("Issue date", invoice.issue_date or "-"),
        ("Due date", invoice.due_date or "-"),
        ("Payment terms", f"Net {invoice.payment_terms_days} days"),
        ("Contract", invoice.contract_number or invoice.contract_id),
        ("Service period", f"{invoice.service_from} to {invoice.service_to} ({invoice.period})"),
        ("Price plan version", _versions(invoice)),
        ("SLA report", invoice.sla_report_id or "-"),
    ]
    for label, value in facts:
        pdf.set_font(FAMILY, "B", 9)
        pdf.cell(40, 5, _t(label))
        pdf.set_font(FAMILY, "", 9)
        pdf.cell(0, 5, _t(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    widths = (92, 28, 30, 40)
    for title, group in _group(invoice.lines).items():
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(0, 7, _t(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, "B", 8)
        for width, head in zip(
            widths, ("Description", "Quantity", "Unit price", "Amount"), strict=True
        ):
            pdf.cell(width, 5, head, border="B", align="L" if head == "Description" else "R")
        pdf.ln()
        pdf.set_font(FAMILY, "", 8)
        for line in group:
            # Long descriptions (credits citing their report) wrap inside their column; the
            # figures sit on the row's first line.
            description = _t(line_description(line, invoice.service_levels))
            wrapped = cast(
                list[str],
                pdf.multi_cell(
                    widths[0] - 2, 4, description, align="L", dry_run=True, output="LINES"
                ),
            )
            height = 4 * max(1, len(wrapped)) + 1
            if pdf.will_page_break(height):
                pdf.add_page()
            top = pdf.get_y()
            pdf.multi_cell(widths[0] - 2, 4, description, align="L", new_x="RIGHT", new_y="TOP")
            pdf.set_xy(pdf.l_margin + widths[0], top)
            pdf.cell(widths[1], 4, _t(_plain(line.quantity)), align="R")
            unit = "" if line.unit_price is None else _unit_price(line.unit_price, cur)
            pdf.cell(widths[2], 4, _t(unit), align="R")
            pdf.cell(widths[3], 4, _t(_money(line.amount, cur)), align="R")
            pdf.set_xy(pdf.l_margin, top + height)
        pdf.ln(2)

    if invoice.service_levels:
        _service_levels(pdf, _t, invoice)
    pdf.set_font(FAMILY, "", 10)
    totals = [
        ("Net", invoice.subtotal),
        (tax_label(invoice.tax_name, invoice.tax_rate_percent), invoice.tax),
        ("Total", invoice.total),
    ]
    if invoice.amount_credited:
        totals.append(("Credited", -invoice.amount_credited))
    if invoice.amount_paid:
        totals.append(("Paid", -invoice.amount_paid))
    if invoice.credit_applied:
        notes = ", ".join(c.number or "" for c in invoice.credits_applied)
        totals.append((f"Credit applied ({notes})", -invoice.credit_applied))
    if invoice.amount_credited or invoice.amount_paid or invoice.credit_applied:
        totals.append(("Balance due", invoice.balance))
    for label, amount in totals:
        pdf.set_font(FAMILY, "B" if label in ("Total", "Balance due") else "", 10)
        pdf.cell(150, 6, _t(label), align="R")
        pdf.cell(40, 6, _t(_money(amount, cur)), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FAMILY, "", 8)
    pdf.multi_cell(
        0,
        4,
        _t(
            f"Payment due within {invoice.payment_terms_days} days of the issue date"
            + (f", by {invoice.due_date}" if invoice.due_date else "")
            + f". Please quote {invoice.number or 'the invoice number'} with your payment."
        ),
    )
    _remittance(pdf, _t, invoice.seller.get("remittance"))
    return bytes(pdf.output())


def render_credit_note_pdf(
    note: CreditNoteRead, invoice: InvoiceRead, fallback_fonts: Sequence[Path] = ()
) -> bytes:
    """A credit note the client files next to the invoice it corrects: both parties, the
    invoice it credits, the reason, the credited lines, tax and total."""
    pdf, _t = unicode_pdf(fallback_fonts)
    pdf.set_compression(False)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(_t(note.number))
    _footer(pdf, _t(f"Credit note {note.number}"))
    pdf.add_page()
    cur = note.currency
    pdf.set_font(FAMILY, "B", 18)
    pdf.cell(0, 10, _t(f"CREDIT NOTE {note.number}"), new_x="LMARGIN", new_y="NEXT")
    bottom = 28.0
    for label, x, data in (("From", 10, invoice.seller), ("Credit to", 110, invoice.buyer)):
        pdf.set_xy(x, 28)
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(90, 5, _t(label), new_x="LEFT", new_y="NEXT")
        pdf.set_font(FAMILY, "", 9)
        for text in (
            data.get("legal_name"),
            *address_lines(data.get("postal_address")),
            f"Tax id: {data.get('tax_id') or '-'}",
        ):
            pdf.cell(90, 5, _t(text), new_x="LEFT", new_y="NEXT")
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(10, bottom + 4)
    for label, value in (
        ("Credit note", note.number),
        ("Issue date", note.issue_date),
        ("Credits invoice", f"{invoice.number} of {invoice.issue_date}"),
        ("Contract", invoice.contract_number or invoice.contract_id),
        ("Service period", f"{invoice.service_from} to {invoice.service_to}"),
        ("Reason", note.reason),
    ):
        pdf.set_font(FAMILY, "B", 9)
        pdf.cell(40, 5, _t(label))
        pdf.set_font(FAMILY, "", 9)
        pdf.multi_cell(0, 5, _t(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 8)
    pdf.cell(150, 5, "Credited", border="B")
    pdf.cell(40, 5, "Amount", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 8)
    for line in note.lines:
        description = _t(line.description)
        wrapped = cast(list[str], pdf.multi_cell(148, 4, description, dry_run=True, output="LINES"))
        height = 4 * max(1, len(wrapped)) + 1
        if pdf.will_page_break(height):
            pdf.add_page()
        top = pdf.get_y()
        pdf.multi_cell(148, 4, description, new_x="RIGHT", new_y="TOP")
        pdf.set_xy(pdf.l_margin + 150, top)
        pdf.cell(40, 4, _t(_money(line.amount, cur)), align="R")
        pdf.set_xy(pdf.l_margin, top + height)
    pdf.ln(3)
    tax = tax_label(invoice.tax_name, invoice.tax_rate_percent)
    for label, amount in (("Net", note.subtotal), (tax, note.tax), ("Total", note.total)):
        pdf.set_font(FAMILY, "B" if label == "Total" else "", 10)
        pdf.cell(150, 6, _t(label), align="R")
        pdf.cell(40, 6, _t(_money(amount, cur)), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
