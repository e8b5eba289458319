"""A contract version as a document: HTML (what signers sign, hashed with SHA-256) and PDF.

Rendering is deterministic: the same version renders to the same bytes, so a signature's hash
proves which text was signed. Every user value is HTML-escaped. The PDF is set in Unicode
fonts (``shared.pdf``), so names and typography (em dashes, accents) print as typed. Once
signatures are given, the PDF carries a signature page after the signed text: who signed, for
which party, when, from where, and the hash of the text they signed.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from html import escape
from typing import Any

from pypdf import PdfReader, PdfWriter

from contracts.contracts.elements import DAYS, KeyElements, Metric, Pricing
from shared.money import money_text
from shared.pdf import FAMILY, unicode_pdf

FIXED_DATE = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DocumentParty:
    legal_name: str
    country: str
    tax_id: str | None


@dataclass(frozen=True)
class DocumentSource:
    number: str
    title: str
    type: str
    currency: str
    time_zone: str
    version: int
    effective_from: date | None
    change_summary: str | None
    client: DocumentParty
    operator: DocumentParty
    elements: KeyElements


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value) or "—"
    return str(value)


def sections(src: DocumentSource) -> list[tuple[str, list[tuple[str, str]]]]:
    """The document as (heading, [(label, text)]) — shared by HTML and PDF."""
    el = src.elements
    out: list[tuple[str, list[tuple[str, str]]]] = []

    def party(p: DocumentParty) -> str:
        return f"{p.legal_name} ({p.country}{', tax id ' + p.tax_id if p.tax_id else ''})"

    out.append(
        (
            "Agreement",
            [
                ("Number", src.number),
                ("Type", src.type),
                ("Version", str(src.version)),
                ("Effective from", _value(src.effective_from)),
                ("Operator", party(src.operator)),
                ("Client", party(src.client)),
                ("Currency", src.currency),
                ("Time zone", src.time_zone),
            ]
            + ([("Changes in this version", src.change_summary)] if src.change_summary else []),
        )
    )
    if el.scope:
        hours = [
            f"{day}: "
            + (", ".join(f"{a}-{b}" for a, b in getattr(el.scope.hours, day)) or "closed")
            for day in DAYS
        ]
        out.append(
            (
                "Scope",
                [
                    ("Channels", _value([c.value for c in el.scope.channels])),
                    ("Services", _value(el.scope.services)),
                    ("Languages", _value(el.scope.languages)),
                    ("Queues", _value(el.scope.queues)),
                    ("Hours of operation", "; ".join(hours)),
                    ("Holidays", _value([d.isoformat() for d in el.scope.holidays])),
                    (
                        "Forecast volumes",
                        _value(
                            [
                                f"{f.period} {f.channel.value}: {f.contacts}"
                                for f in el.scope.forecast_volumes
                            ]
                        ),
                    ),
                ],
            )
        )
    if el.pricing:
        p = el.pricing
        out.append(
            (
                "Pricing",
                [
                    ("Currency", p.currency or src.currency),
                    ("Payment terms", f"net {p.payment_terms_days} days"),
                    ("Price plan", _value(p.price_plan_ref)),
                    (
                        "Minimum monthly commitment",
                        "—"
                        if p.minimum_monthly_commitment is None
                        else f"{money_text(p.minimum_monthly_commitment, src.currency)} "
                        f"{src.currency}",
                    ),
                    ("Summary", _value(p.summary)),
                    (
                        "Rate card",
                        "attached (Attachment A)" if p.rate_card else "none attached",
                    ),
                ],
            )
        )
    if el.term:
        t = el.term
        out.append(
            (
                "Term",
                [
                    ("Start date", t.start_date.isoformat()),
                    ("Initial term (months)", _value(t.initial_term_months)),
                    ("End date", _value(t.end_date)),
                    ("Renewal", t.renewal_type.value),
                    ("Renewal term (months)", _value(t.renewal_term_months)),
                    ("Maximum renewals", _value(t.max_renewals)),
                    ("Notice (days)", str(t.notice_days)),
                ],
            )
        )
    if el.termination:
        t2 = el.termination
        fee = t2.early_termination_fee
        fixed_fee = money_text(fee.amount or Decimal(0), src.currency)
        out.append(
            (
                "Termination",
                [
                    ("For convenience", _value(t2.for_convenience)),
                    ("Notice (days)", _value(t2.notice_days)),
                    (
                        "Early-termination fee",
                        {
                            "none": "none",
                            "fixed": f"{fixed_fee} {src.currency}",
                            "months_of_minimum": f"{fee.months} months of the minimum commitment",
                        }[fee.kind.value],
                    ),
                    ("For-cause grounds", _value(t2.for_cause_grounds)),
                ],
            )
        )
    if el.service_levels:
        rows = []
        for s in el.service_levels:
            threshold = f" within {s.threshold_seconds}s" if s.threshold_seconds else ""
            direction = s.direction.value.replace("_", " ") if s.direction else ""
            # A quality score's target is in points, where most targets are fractions: the
            # signed text says so, so "85" cannot be read as 85 %.
            unit = " points (QA score 0-100)" if s.metric is Metric.quality_score else ""
            rows.append(
                (
                    f"{s.display_name} ({s.key})" if s.name else s.key,
                    f"{s.metric.value}{threshold}: {direction} {s.target}{unit} "
                    f"per {s.window.value}"
                    f"; channels {_value([c.value for c in s.channels])}"
                    f"; queues {_value(s.queues)}; business hours only "
                    f"{_value(s.business_hours_only)}; critical {_value(s.critical)}"
                    f"; pool share {_value(s.pool_share)}",
                )
            )
        out.append(("Service levels", rows))
    if el.service_credit_terms:
        c = el.service_credit_terms
        out.append(
            (
                "Service credits",
                [
                    ("At risk", f"{c.at_risk_percent}% of the period's fees"),
                    ("Credit cap", f"{c.credit_cap_percent}%" if c.credit_cap_percent else "—"),
                    ("Pool allocation cap", f"{c.pool_cap_percent}%"),
                    (
                        "Bonus rules",
                        _value(
                            [f"{b.service_level_key}: +{b.bonus_percent}%" for b in c.bonus_rules]
                        ),
                    ),
                ],
            )
        )
    if el.confidentiality:
        c2 = el.confidentiality
        out.append(
            (
                "Confidentiality",
                [
                    ("Classification", c2.classification.value),
                    ("Regulations", _value([r.value for r in c2.regulations])),
                    ("Retention (days)", _value(c2.retention_days)),
                    ("Pseudonymize caller identifiers", _value(c2.pseudonymize_caller_ids)),
                    ("NDA", _value(c2.nda_contract_id)),
                ],
            )
        )
    if el.indemnification:
        i = el.indemnification
        cap = i.liability_cap
        cap_text = "—"
        if cap is not None:
            cap_text = {
                "amount": f"{money_text(cap.amount or Decimal(0), src.currency)} {src.currency}",
                "multiple_of_annual_fees": f"{cap.multiple} times the annual fees",
                "unlimited": "unlimited",
            }[cap.kind]
        out.append(
            (
                "Indemnification",
                [
                    ("Liability cap", cap_text),
                    ("Carve-outs", _value(i.carve_outs)),
                    ("Insurance", _value(i.insurance)),
                ],
            )
        )
    if el.pricing and el.pricing.rate_card:
        out.append(("Attachment A — Rate card", rate_card_rows(el.pricing, src.currency)))
    return out


def rate_card_rows(pricing: Pricing, contract_currency: str) -> list[tuple[str, str]]:
    """The agreed prices as signed: "0.55 BRL per minute; 0.48 above 20,000 minutes".

    The rate card is part of the contract's own pricing element, not read from billing's
    price plan when the document is rendered: the signed text has to render to the same
    bytes for as long as its hash is checked, whatever billing's plan says later."""
    currency = pricing.currency or contract_currency
    rows = []
    for line in pricing.rate_card:
        text = f"{line.price.normalize():,f} {currency}"
        if line.unit:
            text += f" {line.unit}"
        if line.notes:
            text += f"; {line.notes}"
        rows.append((line.charge, text))
    if pricing.price_plan_ref:
        rows.append(("Billed through", f"price plan {pricing.price_plan_ref}"))
    return rows


def render_html(src: DocumentSource) -> str:
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(src.number)} — {escape(src.title)}</title>",
        "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}"
        "th{text-align:left;vertical-align:top;padding-right:1em}</style>",
        "</head><body>",
        f"<h1>{escape(src.title)}</h1>",
    ]
    for heading, rows in sections(src):
        parts.append(f"<h2>{escape(heading)}</h2><table>")
        for label, text in rows:
            parts.append(f"<tr><th>{escape(label)}</th><td>{escape(text)}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render_pdf(src: DocumentSource, *, document_sha256: str | None = None) -> bytes:
    pdf, text = unicode_pdf()
    pdf.set_creation_date(FIXED_DATE)  # the same version renders to the same bytes
    pdf.set_title(text(f"{src.number} {src.title}"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 16)
    pdf.multi_cell(0, 9, text(src.title), new_x="LMARGIN", new_y="NEXT")
    for heading, rows in sections(src):
        pdf.ln(3)
        pdf.set_font(FAMILY, "B", 12)
        pdf.cell(0, 8, text(heading), new_x="LMARGIN", new_y="NEXT")
        for label, value in rows:
            pdf.set_font(FAMILY, "B", 9)
            pdf.multi_cell(0, 5, text(label), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(FAMILY, "", 9)
            pdf.multi_cell(0, 5, text(value), new_x="LMARGIN", new_y="NEXT")
    if document_sha256:
        pdf.ln(4)
        pdf.set_font(FAMILY, "", 8)
        pdf.multi_cell(
            0, 4, f"SHA-256 of the signed HTML: {document_sha256}", new_x="LMARGIN", new_y="NEXT"
        )
    return bytes(pdf.output())


@dataclass(frozen=True)
class SignatureLine:
    name: str
    role: str | None
    party: str
    email: str
    signed_at: datetime | None
    ip: str | None
    document_sha256: str | None


def render_signature_page(
    number: str, version: int, document_sha256: str | None, signers: Sequence[SignatureLine]
) -> bytes:
    """The execution page: each signer, and the evidence of what and when they signed."""
    pdf, text = unicode_pdf()
    pdf.set_creation_date(FIXED_DATE)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 14)
    pdf.cell(0, 9, text(f"Signatures — {number}, version {version}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 8)
    pdf.multi_cell(
        0, 4, text(f"SHA-256 of the text presented for signature: {document_sha256 or '—'}"),
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    for signer in signers:
        pdf.ln(4)
        pdf.set_font(FAMILY, "B", 10)
        who = f"{signer.name}, {signer.role}" if signer.role else signer.name
        pdf.multi_cell(0, 6, text(f"{who} — for the {signer.party}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, "", 9)
        if signer.signed_at is None:
            details = [f"E-mail: {signer.email}", "Not signed yet"]
        else:
            matches = signer.document_sha256 == document_sha256
            details = [
                f"E-mail: {signer.email}",
                f"Signed: {signer.signed_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
                + (f" from {signer.ip}" if signer.ip else ""),
                f"Signed text SHA-256: {signer.document_sha256 or '—'}"
                + (" (this document)" if matches else " (DIFFERS from this document)"),
            ]
        for line in details:
            pdf.multi_cell(0, 5, text(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def with_pages(document: bytes, pages: bytes) -> bytes:
    """``document`` (as frozen, untouched) followed by ``pages``."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(document)))
    writer.append(PdfReader(io.BytesIO(pages)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def signed_pdf(
    document: bytes,
    number: str,
    version: int,
    document_sha256: str | None,
    signers: Sequence[SignatureLine],
) -> bytes:
    """A frozen PDF followed by its signature page, or as it is while nobody is named."""
    if not signers:
        return document
    return with_pages(document, render_signature_page(number, version, document_sha256, signers))


@dataclass(frozen=True)
class Frozen:
    """A version's document as sent for signature: the HTML, its hash and the PDF."""

    html: str
    sha256: str
    pdf: bytes


def freeze(src: DocumentSource) -> Frozen:
    html = render_html(src)
    digest = sha256(html)
    return Frozen(html, digest, render_pdf(src, document_sha256=digest))
