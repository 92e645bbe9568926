"""QR codes for certificate texts: build (alphanumeric mode, level Q), size check, PNG, and decoding.

The QR text is an upper-case URL plus Base32, all inside the QR alphanumeric set, so the whole text is one
alphanumeric segment (5.5 bits per character instead of 8 in byte mode). :func:`build_qr` insists on it and
on error-correction level Q (~25 % of the symbol can be damaged: folded, stamped or photocopied
certificates). The PDF renderer draws the returned module matrix as vector rectangles.

Decoding (zxing-cpp, pypdfium2 for PDF pages) serves tests and the offline ``jineng verify`` command.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import qrcode
from qrcode.constants import ERROR_CORRECT_Q
from qrcode.util import BIT_LIMIT_TABLE, MODE_ALPHA_NUM, QRData, length_in_bits

__all__ = [
    "QrSymbol",
    "build_qr",
    "decode_image",
    "decode_pdf",
    "min_version",
    "png_bytes",
]

_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


@dataclass(frozen=True, slots=True)
class QrSymbol:
    """A built QR code: ``modules[row][col]`` is True for a dark module; no quiet zone included."""

    text: str
    version: int
    modules: list[list[bool]]

    @property
    def size(self) -> int:
        """Modules per side (17 + 4 × version)."""
        return len(self.modules)


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


def _make(text: str, border: int, box_size: int = 1) -> qrcode.QRCode:
    if not set(text) <= _ALNUM:
        raise ValueError("certificate QR text must use only the QR alphanumeric character set (upper case)")
    qr = qrcode.QRCode(version=None, error_correction=ERROR_CORRECT_Q, border=border, box_size=box_size)
    # One explicit alphanumeric segment: add_data() with optimisation could split digit runs into numeric
    # segments, and some scanners handle mixed segments poorly.
    qr.add_data(QRData(text.encode("ascii"), mode=MODE_ALPHA_NUM))
    qr.make(fit=True)
    modes = {chunk.mode for chunk in qr.data_list}
    if modes != {MODE_ALPHA_NUM}:
        raise AssertionError(f"qrcode did not use alphanumeric mode only: {modes}")
    return qr


def build_qr(text: str) -> QrSymbol:
    """Build the symbol (best-fit version, level Q, alphanumeric mode) and return its module matrix."""
    qr = _make(text, border=0)
    matrix = [[bool(cell) for cell in row] for row in qr.get_matrix()]
    return QrSymbol(text=text, version=int(qr.version), modules=matrix)


def png_bytes(text: str, box_size: int = 10, border: int = 4) -> bytes:
    """A PNG of the QR code with the standard 4-module quiet zone."""
    image = _make(text, border=border, box_size=box_size).make_image(fill_color="black", back_color="white")
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
