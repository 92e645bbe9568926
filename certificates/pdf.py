"""PDF rendering of Jineng's certificates (职业技能等级证书 and 获奖证书).

The server maps its records to a :class:`CertificateView` (display strings only: masked ID number,
formatted dates, the finished QR text) and calls :func:`render_certificate` or :func:`render_many`.
This module knows nothing about the database, the web server or how the QR text was signed.

What the output guarantees:

* A4, one page per certificate, every font embedded as a TrueType subset (``/FontFile2``): the main
  face is AR PL UMing CN (a Ming/Song face) and rare characters that it lacks (䶮, 𠮷, ...) are drawn
  from ``JinengHanFallback`` (a subset of HanaMinA), chosen per glyph.  No standard-14 font is used,
  not even in reportlab's page preamble.  See ``certificates/fonts/README.md``.
* The QR code is level Q, version chosen by size (alphanumeric mode when the text allows it, e.g. an
  uppercase URL + Base32), drawn as vector rectangles with a 4-module quiet zone, ~40 mm wide, and
  the human-readable verification code is printed under it.
* Deterministic: the same view gives the same bytes (``Canvas(invariant=1)``).
* Text is NFC-normalised and stripped of control/format characters (zero-width, bidi overrides,
  variation selectors) before drawing, so such characters cannot break or disguise the rendering.
  Validating names is the caller's job; :func:`missing_glyphs` tells which characters no font has.

reportlab is not thread-safe: rendering in this module is serialised by a process-wide lock; for
throughput use a process pool (``certificates.batch``).
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from pathlib import Path
from typing import Iterable, Literal, NamedTuple, Sequence

import msgspec
import qrcode
import qrcode.base
import qrcode.util
from qrcode.constants import ERROR_CORRECT_Q
from reportlab import rl_config
from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .names import AWARD_TITLE, CERTIFICATE_TITLES, SKILL_LEVEL_TITLE

__all__ = [
    "CertificateView",
    "CertificateRenderError",
    "QrMatrix",
    "SKILL_LEVEL_TITLE",
    "AWARD_TITLE",
    "MAIN_FONT",
    "FALLBACK_FONT",
    "register_fonts",
    "render_certificate",
    "render_many",
    "qr_matrix",
    "missing_glyphs",
    "clean_text",
]

DEFAULT_SKILL_BODY = "经评价，该人员达到以下职业技能等级，特发此证。"
DEFAULT_AWARD_BODY = "特发此证，以资鼓励。"


# --------------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------------


class CertificateView(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Everything printed on one certificate, as display strings.

    Common fields: ``kind``, ``certificate_number`` (证书编号), ``issue_date`` (发证日期, printed as
    given, e.g. "2025年6月30日"), ``issuer`` (评价机构名称 for a skill-level certificate, 颁发单位 for
    an award), ``qr_text`` (the finished QR payload, e.g. "HTTPS://HOST/C/" + Base32) and
    ``verification_code`` (short code printed under the QR).  ``query_url`` is the printed 查询网址.

    Skill level (人社鉴发〔2021〕1号): ``name`` 姓名, ``id_type`` 证件类型, ``id_number`` 证件号码 (pass
    the masked form you want printed), ``occupation`` 职业名称, ``work_type`` 工种/职业方向 ("--" if
    none), ``level`` 职业技能等级 ("三级/高级工"), ``photo`` (PNG/JPEG bytes; a "照片" box if absent),
    ``body_text`` 证书正文 (a default sentence if empty).

    Award: ``competition`` (name) and ``edition`` (printed before it, e.g. "第三届"), ``organizers``
    (主办/承办 bodies), ``event`` 赛项, ``group`` 组别, ``award`` (一等奖/金牌/...), ``members``,
    ``coaches``, ``body_text`` (default "特发此证，以资鼓励。").
    """

    kind: Literal["skill_level", "award"]
    certificate_number: str
    issue_date: str
    issuer: str
    qr_text: str
    verification_code: str
    query_url: str = ""
    body_text: str = ""
    # skill level
    name: str = ""
    id_type: str = ""
    id_number: str = ""
    occupation: str = ""
    work_type: str = "--"
    level: str = ""
    photo: bytes | None = None
    # award
    competition: str = ""
    edition: str = ""
    organizers: tuple[str, ...] = ()
    event: str = ""
    group: str = ""
    award: str = ""
    members: tuple[str, ...] = ()
    coaches: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        required = ["certificate_number", "issue_date", "issuer", "qr_text", "verification_code"]
        if self.kind == "skill_level":
            required += ["name", "id_type", "id_number", "occupation", "work_type", "level"]
        else:
            required += ["competition", "event", "award"]
        empty = [f for f in required if not clean_text(getattr(self, f)).strip()]
        if self.kind == "award" and not [m for m in self.members if clean_text(m).strip()]:
            empty.append("members")
        if empty:
            raise ValueError(f"{self.kind} certificate is missing: {', '.join(empty)}")

    @property
    def title(self) -> str:
        return CERTIFICATE_TITLES[self.kind]


class CertificateRenderError(ValueError):
    """The view cannot be rendered (unreadable photo, QR text too long, missing glyphs in strict mode)."""


# --------------------------------------------------------------------------------------------------
# Fonts
# --------------------------------------------------------------------------------------------------

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


def missing_glyphs(text_or_view: str | CertificateView) -> set[str]:
    """Characters (after :func:`clean_text`) that neither embedded font can draw."""
    register_fonts()
    if isinstance(text_or_view, CertificateView):
        texts = list(_view_texts(text_or_view))
    else:
        texts = [text_or_view]
    missing = set()
    for text in texts:
        for ch in clean_text(text):
            cp = ord(ch)
            if cp != 0x20 and cp not in _main_cmap and cp not in _fallback_cmap:
                missing.add(ch)
    return missing


def _view_texts(view: CertificateView) -> Iterable[str]:
    for f in view.__struct_fields__:
        value = getattr(view, f)
        if f in ("kind", "photo", "qr_text") or value is None:
            continue
        if isinstance(value, tuple):
            yield from value
        else:
            yield value


def _runs(text: str) -> list[tuple[str, str]]:
    """Split cleaned text into (font name, substring) runs by which font has each glyph."""
    runs: list[tuple[str, str]] = []
    main, fallback = _main_cmap, _fallback_cmap
    cur_font = ""
    start = 0
    for i, ch in enumerate(text):
        cp = ord(ch)
        font = FALLBACK_FONT if (cp not in main and cp in fallback) else MAIN_FONT
        if font != cur_font:
            if i > start:
                runs.append((cur_font, text[start:i]))
            cur_font, start = font, i
    if len(text) > start:
        runs.append((cur_font, text[start:]))
    return runs


def _width(text: str, size: float, char_space: float = 0.0) -> float:
    w = sum(pdfmetrics.stringWidth(s, f, size) for f, s in _runs(text))
    return w + char_space * max(len(text) - 1, 0)


_TOKEN_RE = re.compile(r"[!-~]+| |.", re.S)
_NO_LINE_START = set("，。、；：？！）》」』】〉”’,.;:!?)]}%·…—")


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Greedy line breaking: between CJK characters, at spaces, or inside over-long ASCII runs.

    Closing punctuation never starts a line (it may overhang instead).  Widths are additive (no
    kerning), so the line width is kept as a running sum.
    """
    lines: list[str] = []
    line, line_w = "", 0.0
    for tok in _TOKEN_RE.findall(text):
        if not line and tok == " ":
            continue
        tok_w = _width(tok, size)
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
            ch_w = _width(ch, size)
            if line and line_w + ch_w > width:
                lines.append(line)
                line, line_w = "", 0.0
            line, line_w = line + ch, line_w + ch_w
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _fit(text: str, width: float, size: float, min_size: float, max_lines: int) -> tuple[float, list[str]]:
    """Largest size (step 0.5 pt) at which ``text`` wraps into at most ``max_lines`` lines."""
    s = size
    while True:
        lines = _wrap(text, s, width)
        if len(lines) <= max_lines or s <= min_size:
            return s, lines
        s = max(min_size, s - 0.5)


# --------------------------------------------------------------------------------------------------
# QR code
# --------------------------------------------------------------------------------------------------


class QrMatrix(NamedTuple):
    """A QR symbol without quiet zone: ``rows[i]`` has bit ``j`` set when module (i, j) is dark."""

    version: int
    size: int
    rows: tuple[int, ...]

    def is_dark(self, i: int, j: int) -> bool:
        return bool((self.rows[i] >> j) & 1)


class _VersionLayout(NamedTuple):
    func_rows: list[int]  # finder/timing/alignment values (format & version areas light)
    func_cols: list[int]
    data_rows: list[int]  # data area
    data_cols: list[int]
    mask_rows: list[list[int]]  # mask pattern m restricted to the data area
    mask_cols: list[list[int]]
    info_rows: list[list[int]]  # format + version info + dark module for mask m (final symbol)
    slots: list[tuple[int, int]]  # (row, column) of each data bit in placement order


_layouts: dict[int, _VersionLayout] = {}
_ALNUM = frozenset(qrcode.util.ALPHA_NUM.decode("ascii"))
_ALNUM_VALUE = {ch: i for i, ch in enumerate(qrcode.util.ALPHA_NUM.decode("ascii"))}
_Q_BIT_LIMITS = qrcode.util.BIT_LIMIT_TABLE[ERROR_CORRECT_Q]


def _bits(cells: Iterable[bool | None]) -> int:
    v = 0
    for j, c in enumerate(cells):
        if c:
            v |= 1 << j
    return v


def _layout(version: int) -> _VersionLayout:
    lay = _layouts.get(version)
    if lay is not None:
        return lay
    n = version * 4 + 17
    q = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_Q)
    q.modules_count = n
    q.modules = [[None] * n for _ in range(n)]
    q.setup_position_probe_pattern(0, 0)
    q.setup_position_probe_pattern(n - 7, 0)
    q.setup_position_probe_pattern(0, n - 7)
    q.setup_position_adjust_pattern()
    q.setup_timing_pattern()
    func = [row[:] for row in q.modules]
    q.setup_type_info(True, 0)
    if version >= 7:
        q.setup_type_number(True)
    reserved = [[c is not None for c in row] for row in q.modules]
    data = [[not r for r in row] for row in reserved]
    func_rows = [_bits(row) for row in func]
    func_cols = [_bits(func[i][j] for i in range(n)) for j in range(n)]
    data_rows = [_bits(row) for row in data]
    data_cols = [_bits(data[i][j] for i in range(n)) for j in range(n)]
    mask_rows, mask_cols, info_rows = [], [], []
    for m in range(8):
        f = qrcode.util.mask_func(m)
        grid = [[data[i][j] and f(i, j) for j in range(n)] for i in range(n)]
        mask_rows.append([_bits(row) for row in grid])
        mask_cols.append([_bits(grid[i][j] for i in range(n)) for j in range(n)])
        q.modules = [[None] * n for _ in range(n)]
        q.setup_type_info(False, m)
        if version >= 7:
            q.setup_type_number(False)
        info_rows.append([_bits(row) for row in q.modules])
    slots = []  # the zig-zag of qrcode's map_data / ISO 18004 7.7.3
    row, inc = n - 1, -1
    for col in range(n - 1, 0, -2):
        if col <= 6:
            col -= 1
        while True:
            for cc in (col, col - 1):
                if data[row][cc]:
                    slots.append((row, cc))
            row += inc
            if row < 0 or row >= n:
                row -= inc
                inc = -inc
                break
    lay = _VersionLayout(func_rows, func_cols, data_rows, data_cols, mask_rows, mask_cols, info_rows, slots)
    _layouts[version] = lay
    return lay


def _alnum_bits(text: str) -> tuple[int, int, int]:
    """(version, bit string as int, bit count) for one alphanumeric segment at level Q."""
    n = len(text)
    for version in range(1, 41):
        count_bits = 9 if version < 10 else 11 if version < 27 else 13
        need = 4 + count_bits + 11 * (n // 2) + 6 * (n % 2)
        if need <= _Q_BIT_LIMITS[version]:
            break
    else:
        raise CertificateRenderError(f"QR text too long ({n} characters)")
    acc = (qrcode.util.MODE_ALPHA_NUM << count_bits) | n
    val = _ALNUM_VALUE
    for i in range(0, n - 1, 2):
        acc = (acc << 11) | (45 * val[text[i]] + val[text[i + 1]])
    if n % 2:
        acc = (acc << 6) | val[text[-1]]
    return version, acc, need


def _generic_bits(text: str) -> tuple[int, int, int]:
    """Like :func:`_alnum_bits` for any text, through qrcode's segment optimisation."""
    q = qrcode.QRCode(error_correction=ERROR_CORRECT_Q)
    q.add_data(text)
    try:
        version = q.best_fit()
    except (qrcode.exceptions.DataOverflowError, ValueError) as exc:  # ValueError: "version 41"
        raise CertificateRenderError(f"QR text too long ({len(text)} characters)") from exc
    buf = qrcode.util.BitBuffer()
    for seg in q.data_list:
        buf.put(seg.mode, 4)
        buf.put(len(seg), qrcode.util.length_in_bits(seg.mode, version))
        seg.write(buf)
    raw = bytes(buf.buffer)
    return version, int.from_bytes(raw, "big") >> (8 * len(raw) - len(buf)), len(buf)


_GF_EXP = [0] * 512
_GF_LOG = [0] * 256
_x = 1
for _i in range(255):
    _GF_EXP[_i] = _x
    _GF_LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _GF_EXP[_i] = _GF_EXP[_i - 255]
del _x, _i
_rs_tables: dict[int, list[int]] = {}


def _rs_table(ec: int) -> list[int]:
    """For each leading coefficient f: f * (generator without its x^ec term), packed in an int."""
    table = _rs_tables.get(ec)
    if table is None:
        gen = [1]
        for i in range(ec):  # multiply by (x - a^i)
            nxt = gen + [0]
            for k, g in enumerate(gen):
                if g:
                    nxt[k + 1] ^= _GF_EXP[_GF_LOG[g] + i]
            gen = nxt
        table = [0] * 256
        for f in range(1, 256):
            lf = _GF_LOG[f]
            table[f] = int.from_bytes(bytes(_GF_EXP[lf + _GF_LOG[g]] if g else 0 for g in gen[1:]), "big")
        _rs_tables[ec] = table
    return table


def _codewords(version: int, bits: int, nbits: int) -> bytes:
    """Terminate and pad the data bits, add Reed-Solomon blocks and interleave (ISO 18004 7.4-7.6)."""
    blocks = qrcode.base.rs_blocks(version, ERROR_CORRECT_Q)
    limit = 8 * sum(b.data_count for b in blocks)
    if nbits > limit:
        raise CertificateRenderError("QR text too long")
    pad = min(limit - nbits, 4)
    pad += (-(nbits + pad)) % 8
    data = (bits << pad).to_bytes((nbits + pad) // 8, "big")
    data += (b"\xec\x11" * limit)[: limit // 8 - len(data)]
    dcs, ecs, offset = [], [], 0
    for block in blocks:
        dc = data[offset:offset + block.data_count]
        offset += block.data_count
        ec = block.total_count - block.data_count
        table, shift, full = _rs_table(ec), 8 * (ec - 1), (1 << (8 * ec)) - 1
        rem = 0
        for d in dc:
            rem = ((rem << 8) & full) ^ table[d ^ (rem >> shift)]
        dcs.append(dc)
        ecs.append(rem.to_bytes(ec, "big"))
    out = bytearray()
    for group in (dcs, ecs):
        for i in range(max(len(g) for g in group)):
            out.extend(g[i] for g in group if i < len(g))
    return bytes(out)


def _penalty(rows: list[int], cols: list[int], n: int) -> int:
    """ISO/IEC 18004 mask penalty (N1-N4), equal to qrcode.util.lost_point, on bit-packed lines."""
    full = (1 << n) - 1
    pairs = (1 << (n - 1)) - 1
    windows = (1 << (n - 10)) - 1
    p = 0
    for lines in (rows, cols):
        for r in lines:
            # N1: runs of >= 5 same-coloured modules score (length - 2)
            eq = (r ^ (r >> 1) ^ full) & pairs
            c4 = eq & (eq >> 1) & (eq >> 2) & (eq >> 3)
            if c4:
                p += c4.bit_count() + 2 * (c4 & ~(c4 << 1)).bit_count()
            # N3: 1:1:3:1:1 finder-like pattern with 4 light modules after or before it
            nr = r ^ full
            core = r & (nr >> 1) & (r >> 2) & (r >> 3) & (r >> 4) & (nr >> 5) & (r >> 6)
            if core:
                z4 = nr & (nr >> 1) & (nr >> 2) & (nr >> 3)
                p += 40 * ((core & (z4 >> 7) & windows).bit_count() + ((core >> 4) & z4 & windows).bit_count())
    # N2: 2x2 blocks of one colour, 3 each
    for i in range(n - 1):
        a, b = rows[i], rows[i + 1]
        p += 3 * ((((a ^ b) | (a ^ (a >> 1)) | (b ^ (b >> 1))) ^ full) & pairs).bit_count()
    # N4: proportion of dark modules
    dark = sum(r.bit_count() for r in rows)
    p += int(abs(float(dark) / (n * n) * 100 - 50) / 5) * 10
    return p


def qr_matrix(text: str) -> QrMatrix:
    """Encode ``text`` at level Q in the smallest version, with the standard's best mask.

    Alphanumeric mode when every character allows it (uppercase URL + Base32), otherwise qrcode's
    segment optimisation.  The symbol equals ``qrcode.QRCode(error_correction=Q).make(fit=True)``
    (tested), but codewords, placement and mask choice run on bit-packed rows with table-driven
    Reed-Solomon instead of qrcode's per-module loops: ~2 ms instead of ~22 ms for version 12.
    """
    version, bits, nbits = _alnum_bits(text) if text and set(text) <= _ALNUM else _generic_bits(text)
    lay = _layout(version)
    n = version * 4 + 17
    plain = [0] * n  # unmasked data modules
    plain_cols = [0] * n
    slots = lay.slots
    k = 0
    for byte in _codewords(version, bits, nbits):
        if byte:
            for b in range(8):
                if byte & (0x80 >> b):
                    i, j = slots[k + b]
                    plain[i] |= 1 << j
                    plain_cols[j] |= 1 << i
        k += 8
    best, best_score = 0, -1
    for m in range(8):
        rows = [f | (u ^ k) for f, u, k in zip(lay.func_rows, plain, lay.mask_rows[m])]
        cols = [f | (u ^ k) for f, u, k in zip(lay.func_cols, plain_cols, lay.mask_cols[m])]
        score = _penalty(rows, cols, n)
        if best_score < 0 or score < best_score:
            best, best_score = m, score
    final = tuple(
        f | g | (u ^ k)
        for f, g, u, k in zip(lay.func_rows, lay.info_rows[best], plain, lay.mask_rows[best])
    )
    return QrMatrix(version, n, final)


def _draw_qr(c: Canvas, qr: QrMatrix, x: float, y: float, size: float) -> float:
    """Draw the symbol with its lower-left corner at (x, y), ``size`` wide; return the module size.

    The quiet zone (4 modules) is a white rectangle; dark modules are one filled path of horizontal
    runs, written in module units under a scaling matrix (integers only: fast, no rounding seams).
    """
    n = qr.size
    m = size / n
    quiet = 4 * m
    c.setFillColor(white)
    c.rect(x - quiet, y - quiet, size + 2 * quiet, size + 2 * quiet, stroke=0, fill=1)
    ops = []
    for i, r in enumerate(qr.rows):
        if r:
            bits = format(r, "b")[::-1]
            ops.extend(f"{a.start()} {i} {a.end() - a.start()} 1 re" for a in _RUN_RE.finditer(bits))
    c.saveState()
    c.transform(m, 0, 0, -m, x, y + size)  # row 0 at the top
    c.setFillColor(black)
    c.addLiteral("\n".join(ops) + "\nf")
    c.restoreState()
    return m


_RUN_RE = re.compile("1+")


# --------------------------------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------------------------------

PAGE_W, PAGE_H = A4
ACCENT = Color(0.55, 0.09, 0.09)  # deep seal red for frame and title
INK = Color(0.08, 0.08, 0.08)
LABEL_INK = Color(0.30, 0.30, 0.30)
RULE = Color(0.78, 0.74, 0.70)
VALUE_SIZE = 12.0  # 小四号, as 人社鉴发〔2021〕1号 asks for the filled-in fields
QR_SIZE = 40 * mm


def _text(c: Canvas, x: float, y: float, text: str, size: float, *, color=INK, char_space: float = 0.0,
          align: str = "left") -> None:
    """Draw one line of cleaned text with per-glyph font fallback."""
    if not text:
        return
    if align != "left":
        w = _width(text, size, char_space)
        x -= w / 2 if align == "center" else w
    t = c.beginText(x, y)
    if char_space:
        t.setCharSpace(char_space)
    t.setFillColor(color)
    for font, s in _runs(text):
        t.setFont(font, size)
        t.textOut(s)
    if char_space:
        t.setCharSpace(0)  # Tc is graphics state in PDF: it would outlive this text object
    c.drawText(t)


def _frame(c: Canvas) -> None:
    c.setStrokeColor(ACCENT)
    c.setLineWidth(2.2)
    c.rect(9 * mm, 9 * mm, PAGE_W - 18 * mm, PAGE_H - 18 * mm, stroke=1, fill=0)
    c.setLineWidth(0.6)
    c.rect(11.5 * mm, 11.5 * mm, PAGE_W - 23 * mm, PAGE_H - 23 * mm, stroke=1, fill=0)
    # corner brackets inside the inner frame
    c.setLineWidth(1.2)
    k, d = 10 * mm, 14 * mm
    for cx, sx in ((d, 1), (PAGE_W - d, -1)):
        for cy, sy in ((d, 1), (PAGE_H - d, -1)):
            p = c.beginPath()
            p.moveTo(cx, cy + sy * k)
            p.lineTo(cx, cy)
            p.lineTo(cx + sx * k, cy)
            c.drawPath(p, stroke=1, fill=0)
            c.setFillColor(ACCENT)
            c.rect(cx + sx * 1.6 * mm - 0.9 * mm, cy + sy * 1.6 * mm - 0.9 * mm, 1.8 * mm, 1.8 * mm, stroke=0, fill=1)


def _title(c: Canvas, title: str, subtitle: str, size: float, char_space: float) -> None:
    _text(c, PAGE_W / 2, PAGE_H - 42 * mm, title, size, color=ACCENT, char_space=char_space, align="center")
    _text(c, PAGE_W / 2, PAGE_H - 50 * mm, subtitle, 9.5, color=LABEL_INK, char_space=1.2, align="center")
    c.setStrokeColor(ACCENT)
    c.setLineWidth(0.5)
    y = PAGE_H - 54 * mm
    c.line(62 * mm, y, PAGE_W - 62 * mm, y)
    c.setFillColor(ACCENT)
    p = c.beginPath()  # small diamond in the middle of the rule
    p.moveTo(PAGE_W / 2, y + 1.4 * mm)
    p.lineTo(PAGE_W / 2 + 1.4 * mm, y)
    p.lineTo(PAGE_W / 2, y - 1.4 * mm)
    p.lineTo(PAGE_W / 2 - 1.4 * mm, y)
    p.close()
    c.drawPath(p, stroke=0, fill=1)


class _Row(NamedTuple):
    label: str
    value: str
    max_lines: int = 2


def _table(c: Canvas, rows: Sequence[_Row], top: float, x_label: float, x_value: float,
           right_edge, pitch: float, floor: float) -> float:
    """Draw label/value rows from ``top`` down; ``right_edge(y)`` gives the value column's right edge
    at baseline y (narrower beside the photo and the QR code).  Rows get closer together (down to
    7 mm) when the table would otherwise reach below ``floor``.  Returns the y below the last row."""
    end = _table_pass(None, rows, top, x_label, x_value, right_edge, pitch)
    if end < floor:
        pitch = max(7 * mm, pitch - (floor - end) / len(rows))
    return _table_pass(c, rows, top, x_label, x_value, right_edge, pitch)


def _table_pass(c: Canvas | None, rows: Sequence[_Row], top: float, x_label: float, x_value: float,
                right_edge, pitch: float) -> float:
    y = top
    for row in rows:
        right = right_edge(y)
        size, lines = _fit(row.value, right - x_value, VALUE_SIZE, 8.5, row.max_lines)
        lead = size * 1.35
        if c is not None:
            _text(c, x_label, y, row.label, 10.5, color=LABEL_INK)
            yy = y
            for line in lines:
                _text(c, x_value, yy, line, size, color=INK)
                yy -= lead
            c.setStrokeColor(RULE)
            c.setLineWidth(0.4)
            c.line(x_value, yy + lead - 2.2 * mm, right, yy + lead - 2.2 * mm)
        y -= (len(lines) - 1) * lead + pitch
    return y


def _paragraph(c: Canvas, text: str, x: float, y: float, width: float, size: float,
               color=INK, align: str = "left") -> float:
    lead = size * 1.5
    for line in _wrap(text, size, width):
        if align == "center":
            _text(c, x + width / 2, y, line, size, color=color, align="center")
        else:
            _text(c, x, y, line, size, color=color)
        y -= lead
    return y


QR_RIGHT = PAGE_W - 24 * mm
QR_BOTTOM = 34 * mm
QR_LEFT = QR_RIGHT - QR_SIZE
QR_ZONE_TOP = QR_BOTTOM + QR_SIZE + 9 * mm  # top of the "扫码验证真伪" caption


def _avoid_qr(right: float, y: float) -> float:
    """Right edge for text at baseline y so that it never runs into the QR block."""
    return min(right, QR_LEFT - 8 * mm) if y < QR_ZONE_TOP + 2 * mm else right


def _qr_block(c: Canvas, view: CertificateView, qr: QrMatrix) -> None:
    x, y = QR_LEFT, QR_BOTTOM
    _draw_qr(c, qr, x, y, QR_SIZE)
    cx = x + QR_SIZE / 2
    _text(c, cx, y + QR_SIZE + 4.5 * mm, "扫码验证真伪", 8.5, color=LABEL_INK, align="center")
    code = clean_text(view.verification_code)
    size = 10.5
    while size > 7 and _width("验证码 " + code, size) > QR_SIZE + 8 * mm:
        size -= 0.5
    _text(c, cx, y - 6.5 * mm, "验证码 " + code, size, color=INK, align="center")


def _footer(c: Canvas, view: CertificateView, left: float, right: float) -> None:
    """Query URL (and nothing else) at the bottom left, beside the QR code."""
    if not view.query_url:
        return
    text = "查询网址：" + clean_text(view.query_url)
    _paragraph(c, text, left, 30 * mm, right - left, 8.5, color=LABEL_INK)


def _draw_photo(c: Canvas, photo: bytes | None, x: float, y: float, w: float, h: float) -> None:
    c.setStrokeColor(RULE)
    c.setLineWidth(0.6)
    if photo:
        try:
            img = ImageReader(io.BytesIO(photo))
            iw, ih = img.getSize()
        except Exception as exc:  # PIL raises many types for bad input
            raise CertificateRenderError(f"unreadable photo: {exc}") from exc
        scale = min(w / iw, h / ih)
        dw, dh = iw * scale, ih * scale
        c.drawImage(img, x + (w - dw) / 2, y + (h - dh) / 2, dw, dh, mask="auto")
        c.rect(x, y, w, h, stroke=1, fill=0)
    else:
        c.setFillColor(Color(0.97, 0.97, 0.97))
        c.rect(x, y, w, h, stroke=1, fill=1)
        _text(c, x + w / 2, y + h / 2 - 1.5 * mm, "照片", 10.5, color=LABEL_INK, align="center")


def _draw_skill_level(c: Canvas, v: CertificateView, qr: QrMatrix) -> None:
    _frame(c)
    _title(c, SKILL_LEVEL_TITLE, "VOCATIONAL SKILL LEVEL CERTIFICATE", 30, 6)
    x_label, x_value = 32 * mm, 66 * mm
    photo_w, photo_h = 25 * mm, 35 * mm  # 1-inch photo
    photo_x, photo_top = PAGE_W - 32 * mm - photo_w, PAGE_H - 66 * mm
    photo_bottom = photo_top - photo_h
    _draw_photo(c, v.photo, photo_x, photo_bottom, photo_w, photo_h)

    full_right = PAGE_W - 32 * mm

    def right_edge(y: float) -> float:
        return photo_x - 5 * mm if y > photo_bottom - 3 * mm else _avoid_qr(full_right, y)

    rows = [
        _Row("姓　　名", clean_text(v.name)),
        _Row("证件类型", clean_text(v.id_type)),
        _Row("证件号码", clean_text(v.id_number)),
        _Row("职业名称", clean_text(v.occupation)),
        _Row("工种/职业方向", clean_text(v.work_type)),
        _Row("职业技能等级", clean_text(v.level)),
        _Row("证书编号", clean_text(v.certificate_number)),
        _Row("评价机构名称", clean_text(v.issuer), 3),
        _Row("发证日期", clean_text(v.issue_date)),
    ]
    body = clean_text(v.body_text) or DEFAULT_SKILL_BODY
    y = _paragraph(c, body, x_label, PAGE_H - 64 * mm, photo_x - 5 * mm - x_label, 12)
    _table(c, rows, min(y - 6 * mm, PAGE_H - 80 * mm), x_label, x_value, right_edge, 12 * mm, 40 * mm)
    _qr_block(c, v, qr)
    _footer(c, v, x_label, QR_LEFT - 10 * mm)


def _draw_award(c: Canvas, v: CertificateView, qr: QrMatrix) -> None:
    _frame(c)
    _title(c, AWARD_TITLE, "CERTIFICATE OF AWARD", 34, 14)
    left, right = 32 * mm, PAGE_W - 32 * mm
    width = right - left
    competition = clean_text(v.edition) + clean_text(v.competition)
    size, lines = _fit(competition, width, 17, 12, 2)
    y = PAGE_H - 68 * mm
    for line in lines:
        _text(c, PAGE_W / 2, y, line, size, color=INK, align="center")
        y -= size * 1.4
    award = clean_text(v.award)
    y -= 6 * mm
    asize, _ = _fit(award, width, 28, 16, 1)
    _text(c, PAGE_W / 2, y - asize * 0.35, award, asize, color=ACCENT, char_space=asize * 0.25, align="center")
    y -= asize + 8 * mm

    def join(items: Sequence[str]) -> str:
        return "、".join(s for s in (clean_text(i).strip() for i in items) if s)

    rows = [_Row("赛　　项", clean_text(v.event))]
    if v.group:
        rows.append(_Row("组　　别", clean_text(v.group)))
    rows.append(_Row("获奖等次", award))
    rows.append(_Row("参赛选手", join(v.members), 3))
    if v.coaches:
        rows.append(_Row("指导教师", join(v.coaches), 2))
    if v.organizers:
        rows.append(_Row("主办单位", join(v.organizers), 3))
    rows += [
        _Row("证书编号", clean_text(v.certificate_number)),
        _Row("颁发单位", clean_text(v.issuer), 2),
        _Row("发证日期", clean_text(v.issue_date)),
    ]
    y = _table(c, rows, y, left, left + 30 * mm, lambda y_: _avoid_qr(right, y_), 10.5 * mm, 48 * mm)
    body = clean_text(v.body_text) or DEFAULT_AWARD_BODY
    _paragraph(c, body, left, y - 2 * mm, _avoid_qr(right, y - 2 * mm) - left, 12)
    _qr_block(c, v, qr)
    _footer(c, v, left, QR_LEFT - 10 * mm)


# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------

_render_lock = threading.RLock()


def _new_canvas(buf: io.BytesIO, title: str, issuer: str) -> Canvas:
    c = Canvas(
        buf,
        pagesize=A4,
        invariant=1,
        pageCompression=1,
        initialFontName=MAIN_FONT,
        initialFontSize=VALUE_SIZE,
        lang="zh-CN",
    )
    c.setTitle(title)
    c.setAuthor(issuer)
    c.setCreator("Jineng certificates")
    c.setSubject(title)
    return c


def _draw_page(c: Canvas, view: CertificateView, strict: bool) -> None:
    if strict:
        missing = missing_glyphs(view)
        if missing:
            raise CertificateRenderError("no font has: " + " ".join(f"U+{ord(ch):04X}" for ch in sorted(missing)))
    qr = qr_matrix(view.qr_text)
    if view.kind == "skill_level":
        _draw_skill_level(c, view, qr)
    else:
        _draw_award(c, view, qr)
    c.showPage()


def render_certificate(view: CertificateView, *, strict: bool = False) -> bytes:
    """Render one certificate as a single-page A4 PDF.

    ``strict=True`` raises :class:`CertificateRenderError` when a character has no glyph in the
    embedded fonts instead of printing the font's empty-box glyph.
    """
    return render_many([view], strict=strict)


def render_many(views: Sequence[CertificateView], *, strict: bool = False) -> bytes:
    """Render several certificates into one multi-page PDF (one page each, in order)."""
    if not views:
        raise ValueError("render_many needs at least one certificate")
    register_fonts()
    with _render_lock:
        use_a85 = rl_config.useA85
        rl_config.useA85 = 0  # binary streams: ASCII85 costs ~4 ms per page in pure Python
        try:
            return _render(views, strict)
        finally:
            rl_config.useA85 = use_a85


def _render(views: Sequence[CertificateView], strict: bool) -> bytes:
    buf = io.BytesIO()
    first = views[0]
    title = f"{first.title} {clean_text(first.certificate_number)}" if len(views) == 1 else first.title
    c = _new_canvas(buf, title, clean_text(first.issuer))
    for view in views:
        _draw_page(c, view, strict)
    c.save()
    return buf.getvalue()
