"""PDF documents in any language the services' text holds: invoices (billing) and contracts
(contracts) are set in DejaVu Sans, a Unicode TrueType font shipped here (``fonts/``, with its
licence) and embedded as a subset: Latin with every European accent, Greek, Cyrillic, and the
dashes, signs and quotes people type. Fallback fonts (paths of TrueType/OpenType files, e.g.
Noto Sans CJK) draw what DejaVu lacks; a character no font has is printed as "?", never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont
from fpdf import FPDF

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
STYLES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

Printable = Callable[[Any], str]


@lru_cache(maxsize=16)
def _cmap(path: Path) -> frozenset[int]:
    with TTFont(path, lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap() or {})


def _covered(fallbacks: tuple[Path, ...]) -> frozenset[int]:
    """Code points the text can use: those both DejaVu styles draw, and the fallbacks'."""
    regular, bold = (_cmap(FONTS / name) for name in STYLES.values())
    covered = regular & bold
    for path in fallbacks:
        covered |= _cmap(path)
    return covered


def _printable(covered: frozenset[int]) -> Printable:
    def text(value: Any) -> str:
        raw = "" if value is None else str(value)
        return "".join(c if ord(c) in covered or c in "\n\t" else "?" for c in raw)

    return text


def unicode_pdf(fallback_fonts: Sequence[Path | str] = ()) -> tuple[FPDF, Printable]:
    """An A4 document with the fonts registered (``FAMILY``, styles "" and "B"), and the
    function that makes any value printable with them."""
    fallbacks = tuple(Path(p) for p in fallback_fonts)
    pdf = FPDF(format="A4")
    for style, name in STYLES.items():
        pdf.add_font(FAMILY, style, FONTS / name)
    for number, path in enumerate(fallbacks):
        pdf.add_font(f"Fallback{number}", "", path)
    if fallbacks:  # regular glyphs stand in for bold ones the fallback lacks
        pdf.set_fallback_fonts([f"Fallback{n}" for n in range(len(fallbacks))], exact_match=False)
    return pdf, _printable(_covered(fallbacks))
