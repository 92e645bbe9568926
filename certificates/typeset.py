"""Fonts and typesetting for the certificate PDFs: embedded CJK fonts, per-glyph fallback, widths, wrapping.

* :func:`register_fonts` registers the two embedded TrueType faces with reportlab once per process: the main
  face is AR PL UMing CN (a Ming/Song face, :data:`MAIN_FONT`) and rare characters that it lacks (䶮, 𠮷, ...)
  are drawn from :data:`FALLBACK_FONT` (a subset of HanaMinA), chosen per glyph (:func:`runs`). Both are
  embedded as subsets (``/FontFile2``); see ``certificates/fonts/README.md``. Registration also fixes
  reportlab's ToUnicode CMap for characters above U+FFFF and caches the large 'glyf' tables.
* :func:`clean_text` is what reaches the page: NFC, without control/format characters (zero-width, bidi
  overrides, variation selectors), so such characters cannot break or disguise the rendering;
  :func:`missing_glyphs` tells which characters no font has.
* :func:`text_width`, :func:`wrap` (CJK line breaking) and :func:`fit` (largest size that fits) measure;
  :func:`draw_text` draws one line with the font runs.

Nothing here knows what a certificate is: :mod:`certificates.layout` places the texts.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Sequence

from reportlab.lib.colors import Color, black
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

__all__ = [
    "FALLBACK_FONT",
    "MAIN_FONT",
    "clean_text",
    "draw_text",
    "fit",
    "missing_glyphs",
    "register_fonts",
    "runs",
    "text_width",
    "wrap",
]

FONT_DIR = Path(__file__).resolve().parent / "fonts"
MAIN_FONT = "JinengSong"  # AR PL UMing CN, face 0 of uming.ttc
FALLBACK_FONT = "JinengHanFallback"  # subset of HanaMinA for what UMing lacks
MAIN_FONT_FILE = FONT_DIR / "uming.ttc"
FALLBACK_FONT_FILE = FONT_DIR / "JinengHanFallback.ttf"

_font_lock = threading.Lock()
_main_cmap: dict[int, int] = {}
_fallback_cmap: dict[int, int] = {}


def _utf16_hex(cp: int) -> str:
    if cp < 0x10000:
        return "%04X" % cp
    cp -= 0x10000
    return "%04X%04X" % (0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF))


def _make_to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """reportlab's ToUnicode CMap, but with UTF-16 surrogate pairs for code points above U+FFFF.

    reportlab 5.1 writes ``<20BB7>`` for 𠮷, an odd-length hex string that breaks text extraction
    (and copy/paste) for the whole subset.
    """
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        "<< /Registry (%s)" % fontname,
        "/Ordering (%s)" % fontname,
        "/Supplement 0",
        ">> def",
        "/CMapName /%s def" % fontname,
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<00> <%02X>" % (len(subset) - 1),
        "endcodespacerange",
        "%d beginbfchar" % len(subset),
    ]
    lines += ["<%02X> <%s>" % (i, _utf16_hex(v)) for i, v in enumerate(subset)]
    lines += ["endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


def _cache_glyf(face: ttfonts.TTFontFile) -> None:
    """Keep one copy of the 'glyf' table per process.

    reportlab's subsetter calls ``get_table('glyf')`` for every document, which slices (copies) the
    whole table: 17 MB for UMing, ~4 ms per PDF.  The table is immutable bytes, so a cached copy is
    equivalent.
    """
    original = face.get_table
    cache: dict[str, bytes] = {}

    def get_table(tag: str) -> bytes:
        if tag != "glyf":
            return original(tag)
        if tag not in cache:
            cache[tag] = original(tag)
        return cache[tag]

    face.get_table = get_table


def register_fonts() -> None:
    """Register the embedded fonts with reportlab (idempotent, once per process)."""
    if _main_cmap:
        return
    with _font_lock:
        if _main_cmap:
            return
        # Same output as reportlab's for BMP characters; fixes astral ones (see above).
        ttfonts.makeToUnicodeCMap = _make_to_unicode_cmap
        main = TTFont(MAIN_FONT, str(MAIN_FONT_FILE), subfontIndex=0)
        fallback = TTFont(FALLBACK_FONT, str(FALLBACK_FONT_FILE))
        _cache_glyf(main.face)
        _cache_glyf(fallback.face)
        pdfmetrics.registerFont(main)
        pdfmetrics.registerFont(fallback)
        _fallback_cmap.update(fallback.face.charToGlyph)
        _main_cmap.update(main.face.charToGlyph)  # set last: it is the "registered" flag


_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_SPACE_CHARS = {"\t", "\n", "\r", "\u2028", "\u2029", "\u3000"}


def clean_text(text: str) -> str:
    """NFC-normalise and drop characters that must not reach the page.

    Removed: control and format characters (zero-width space/joiners, LRM/RLM, bidi embeddings,
    overrides and isolates, BOM, soft hyphen), private-use and unassigned code points, and variation
    selectors (the fonts have no IVS tables; the base character is drawn).  Tabs, newlines and the
    ideographic space become one ASCII space.
    """
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _SPACE_CHARS:
            out.append(" ")
            continue
        cp = ord(ch)
        if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF or 0x180B <= cp <= 0x180F:
            continue
        if unicodedata.category(ch) in _DROP_CATEGORIES:
            continue
        out.append(ch)
    return "".join(out)

def missing_glyphs(texts: str | Iterable[str]) -> set[str]:
    """Characters (after :func:`clean_text`) that neither embedded font can draw."""
    register_fonts()
    missing = set()
    for text in [texts] if isinstance(texts, str) else texts:
        for ch in clean_text(text):
            cp = ord(ch)
            if cp != 0x20 and cp not in _main_cmap and cp not in _fallback_cmap:
                missing.add(ch)
    return missing


def runs(text: str) -> list[tuple[str, str]]:
    """Split cleaned text into (font name, substring) runs by which font has each glyph."""
    out: list[tuple[str, str]] = []
    main, fallback = _main_cmap, _fallback_cmap
    cur_font = ""
    start = 0
    for i, ch in enumerate(text):
        cp = ord(ch)
        font = FALLBACK_FONT if (cp not in main and cp in fallback) else MAIN_FONT
        if font != cur_font:
            if i > start:
                out.append((cur_font, text[start:i]))
            cur_font, start = font, i
    if len(text) > start:
        out.append((cur_font, text[start:]))
    return out


def text_width(text: str, size: float, char_space: float = 0.0) -> float:
    w = sum(pdfmetrics.stringWidth(s, f, size) for f, s in runs(text))
    return w + char_space * max(len(text) - 1, 0)


_TOKEN_RE = re.compile(r"[!-~]+| |.", re.S)
_NO_LINE_START = set("，。、；：？！）》」』】〉”’,.;:!?)]}%·…—")


def wrap(text: str, size: float, width: float) -> list[str]:
    """Greedy line breaking: between CJK characters, at spaces, or inside over-long ASCII runs.

    Closing punctuation never starts a line (it may overhang instead).  Widths are additive (no
    kerning), so the line width is kept as a running sum.
    """
    lines: list[str] = []
    line, line_w = "", 0.0
    for tok in _TOKEN_RE.findall(text):
        if not line and tok == " ":
            continue
        tok_w = text_width(tok, size)
        if line_w + tok_w <= width or tok in _NO_LINE_START:
            line, line_w = line + tok, line_w + tok_w
            continue
        if line:
            lines.append(line.rstrip())
            line, line_w = "", 0.0
            if tok == " ":
                continue
        if tok_w <= width:
            line, line_w = tok, tok_w
            continue
        for ch in tok:  # over-long token (URL, number): split it character by character
            ch_w = text_width(ch, size)
            if line and line_w + ch_w > width:
                lines.append(line)
                line, line_w = "", 0.0
            line, line_w = line + ch, line_w + ch_w
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def fit(text: str, width: float, size: float, min_size: float, max_lines: int) -> tuple[float, list[str]]:
    """Largest size (step 0.5 pt) at which ``text`` wraps into at most ``max_lines`` lines."""
    s = size
    while True:
        lines = wrap(text, s, width)
        if len(lines) <= max_lines or s <= min_size:
            return s, lines
        s = max(min_size, s - 0.5)


def draw_text(c: Canvas, x: float, y: float, text: str, size: float, *, color: Color = black,
              char_space: float = 0.0, align: str = "left") -> None:
    """Draw one line of cleaned text with per-glyph font fallback; ``align`` is left, center or right of x."""
    if not text:
        return
    if align != "left":
        w = text_width(text, size, char_space)
        x -= w / 2 if align == "center" else w
    t = c.beginText(x, y)
    if char_space:
        t.setCharSpace(char_space)
    t.setFillColor(color)
    for font, s in runs(text):
        t.setFont(font, size)
        t.textOut(s)
    if char_space:
        t.setCharSpace(0)  # Tc is graphics state in PDF: it would outlive this text object
    c.drawText(t)
