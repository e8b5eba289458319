"""The text of a PDF fpdf2 wrote uncompressed, read back through each font's ToUnicode map
(what a PDF reader does to copy or search text), in pure Python."""

from __future__ import annotations

import re

_OBJECT = re.compile(rb"(\d+) 0 obj\s(.*?)endobj", re.S)
_STRING = re.compile(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i : i + 1] != b"\\":
            out += raw[i : i + 1]
            i += 1
            continue
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + len(octal.group())
        else:
            nxt = raw[i + 1 : i + 2]
            out += _ESCAPES.get(nxt, nxt)
            i += 2
    return bytes(out)


def _cmap(stream: bytes) -> dict[int, str]:
    out: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
        for low, high, first in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            start = int(first, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                out[code] = chr(start + offset)
    return out


def embedded_fonts(pdf: bytes) -> set[str]:
    """Base font names, without the subset prefix (``ABCDEF+``)."""
    return {n.decode().split("+")[-1] for n in re.findall(rb"/BaseFont /(\S+)", pdf)}


def pdf_text(pdf: bytes) -> str:
    objects = {int(n): body for n, body in _OBJECT.findall(pdf)}
    maps: dict[bytes, dict[int, str]] = {}
    for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", pdf):
        unicode_ref = re.search(rb"/ToUnicode (\d+) 0 R", objects[int(ref)])
        assert unicode_ref is not None, f"font {name!r} has no ToUnicode map"
        maps[name] = _cmap(objects[int(unicode_ref.group(1))])
    lines: list[str] = []
    for body in objects.values():
        if b"stream" not in body or b" Tj" not in body:
            continue
        font: dict[int, str] = {}
        for block in re.findall(rb"\bBT\b(.*?)\bET\b", body, re.S):  # one text object
            pieces = []
            for match in _STRING.finditer(block):
                if match.group(1):  # a font switch (fallback fonts switch inside a line)
                    font = maps[match.group(1)]
                    continue
                raw = _unescape(match.group(2))
                codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
                pieces.append("".join(font.get(c, "\ufffd") for c in codes))
            if pieces:
                lines.append("".join(pieces))
    return "\n".join(lines)
