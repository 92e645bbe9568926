"""QR codes for certificate texts: the project's one QR encoder (the ``qrcode`` library), size check, PNG,
and decoding.

The QR text is an upper-case URL plus Base32, all inside the QR alphanumeric set, so the whole text is one
alphanumeric segment (5.5 bits per character instead of 8 in byte mode). :func:`build_qr` insists on it and
on error-correction level Q (~25 % of the symbol can be damaged: folded, stamped or photocopied
certificates). Everything that draws a QR code takes its modules from here: the PDF layout draws
:attr:`QrSymbol.rows` as vector rectangles, :func:`png_bytes` paints the same modules into an image.

Speed: ``qrcode`` builds the symbol in pure Python, and most of its time goes into trying all eight masks
(ISO/IEC 18004 mask selection, kept: the symbol is exactly the library's). What is cached is what can be
without changing the symbol: the version comes from :func:`min_version` arithmetic instead of a trial
encoding, no image factory runs, the matrix is packed into one integer per row, and finished symbols are
kept in a small per-process LRU cache by text (a certificate's QR text never changes, so re-rendering it, or
its PNG, does not encode it again).

Decoding (zxing-cpp, pypdfium2 for PDF pages) serves tests and the offline ``jineng verify`` command.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path

import qrcode
from qrcode.constants import ERROR_CORRECT_Q
from qrcode.util import BIT_LIMIT_TABLE, MODE_ALPHA_NUM, QRData, length_in_bits

__all__ = [
    "MAX_QR_VERSION",
    "QrSymbol",
    "build_qr",
    "decode_image",
    "decode_pdf",
    "min_version",
    "png_bytes",
]

_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
# Largest QR version a certificate may need at level Q (65×65 modules: ~0.6 mm modules at 40 mm wide).
MAX_QR_VERSION = 12
_SYMBOL_CACHE = 512  # finished symbols kept per process (~3 KB each at version 12)
_ROW_BITS = bytes.maketrans(b"\x00\x01", b"01")


@dataclass(frozen=True, slots=True)
class QrSymbol:
    """A built QR code, no quiet zone: bit ``j`` of ``rows[i]`` is set when module (row i, column j) is dark."""

    text: str
    version: int
    rows: tuple[int, ...]

    @property
    def size(self) -> int:
        """Modules per side (17 + 4 × version)."""
        return len(self.rows)

    @property
    def modules(self) -> list[list[bool]]:
        """The matrix as rows of booleans (a fresh copy): ``modules[row][col]`` is True for a dark module."""
        n = len(self.rows)
        return [[bool((r >> j) & 1) for j in range(n)] for r in self.rows]

    def is_dark(self, row: int, col: int) -> bool:
        """True when module (row, col) is dark."""
        return bool((self.rows[row] >> col) & 1)


def min_version(text: str) -> int:
    """Smallest QR version holding ``text`` as one alphanumeric segment at level Q (41 if none does).

    Pure arithmetic over qrcode's capacity table, so the signer can check the budget for every certificate
    without building a symbol.
    """
    if not set(text) <= _ALNUM:
        raise ValueError("text is not in the QR alphanumeric character set")
    n = len(text)
    for version in range(1, 41):
        bits = 4 + length_in_bits(MODE_ALPHA_NUM, version) + 11 * (n // 2) + 6 * (n % 2)
        if bits <= BIT_LIMIT_TABLE[ERROR_CORRECT_Q][version]:
            return version
    return 41


def build_qr(text: str, *, max_version: int = 40) -> QrSymbol:
    """Build the symbol (smallest version, level Q, one alphanumeric segment, qrcode's best mask).

    Raises ``ValueError`` for text outside the QR alphanumeric set (upper case) and for text that needs a
    version above ``max_version`` (certificates: :data:`MAX_QR_VERSION`).
    """
    if not set(text) <= _ALNUM:
        raise ValueError("certificate QR text must use only the QR alphanumeric character set (upper case)")
    version = min_version(text)
    if version > max_version:
        raise ValueError(f"QR text of {len(text)} characters needs version {version} at level Q (limit {max_version})")
    return _symbol(text, version)


@functools.lru_cache(maxsize=_SYMBOL_CACHE)
def _symbol(text: str, version: int) -> QrSymbol:
    qr = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_Q, border=0)
    # One explicit alphanumeric segment: add_data() with optimisation could split digit runs into numeric
    # segments, and some scanners handle mixed segments poorly.
    qr.add_data(QRData(text.encode("ascii"), mode=MODE_ALPHA_NUM))
    qr.make(fit=False)  # the version is known: no trial encoding; the mask is still the library's best
    if int(qr.version) != version:
        raise AssertionError(f"qrcode chose version {qr.version}, min_version said {version}")
    # Row i as an integer with bit j = module (i, j): bytes() of the booleans, reversed, read as binary.
    rows = tuple(int(bytes(row[::-1]).translate(_ROW_BITS), 2) for row in qr.modules)
    return QrSymbol(text=text, version=version, rows=rows)


def png_bytes(text: str, box_size: int = 10, border: int = 4) -> bytes:
    """A PNG of the QR code (the modules of :func:`build_qr`) with the standard 4-module quiet zone."""
    from PIL import Image

    symbol = build_qr(text)
    n, side = symbol.size, symbol.size + 2 * border
    light = bytes([255]) * side
    pixels = bytearray(light * border)
    for r in symbol.rows:
        pixels += light[:border] + bytes(0 if (r >> j) & 1 else 255 for j in range(n)) + light[:border]
    pixels += light * border
    image = Image.frombytes("L", (side, side), bytes(pixels)).convert("1")
    if box_size != 1:
        image = image.resize((side * box_size, side * box_size), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _read(image: object) -> list[str]:
    import zxingcpp  # imported lazily: only verification tools need the decoder

    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [r.text for r in results if r.valid]


def decode_image(source: bytes | str | Path) -> list[str]:
    """Texts of every QR code in a PNG/JPEG image (bytes or path)."""
    from PIL import Image

    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source
    with Image.open(io.BytesIO(data)) as image:
        return _read(image.convert("L"))


def decode_pdf(source: bytes | str | Path, *, dpi: int = 200, pages: int | None = None) -> list[str]:
    """Render PDF pages at ``dpi`` (pypdfium2) and return the texts of every QR code found."""
    import pypdfium2 as pdfium

    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source
    pdf = pdfium.PdfDocument(data)
    try:
        texts: list[str] = []
        count = len(pdf) if pages is None else min(pages, len(pdf))
        for i in range(count):
            page = pdf[i]
            try:
                bitmap = page.render(scale=dpi / 72, grayscale=True)
                texts.extend(_read(bitmap.to_pil()))
            finally:
                page.close()
        return texts
    finally:
        pdf.close()
