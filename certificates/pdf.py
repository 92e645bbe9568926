"""PDF rendering of Jineng's certificates: a :class:`CertificateView` in, the bytes of an A4 PDF out.

The server maps its records to a :class:`~certificates.view.CertificateView` (display strings only: masked
ID number, formatted dates, the finished QR text) and calls :func:`render_certificate` or
:func:`render_many`. This module makes the document (canvas, metadata, one page per view); the pages are
laid out by :mod:`certificates.layout`, their text typeset by :mod:`certificates.typeset` with the embedded
fonts, and the QR code built by :mod:`certificates.qr`, the project's one QR encoder.

What the output guarantees:

* A4, one page per certificate, every font embedded as a TrueType subset (``/FontFile2``); no standard-14
  font is used, not even in reportlab's page preamble.
* The QR code is level Q, one alphanumeric segment, at most version 12 (:data:`MAX_QR_VERSION`); a QR text
  outside that is a :class:`CertificateRenderError`, not a larger or byte-mode symbol.
* Deterministic: the same views give the same bytes (``Canvas(invariant=1)``). The document's creation
  and modification dates are the (first) certificate's issue date (``issued_on``, else the printed
  ``issue_date``), at 00:00 Beijing time; a view whose date cannot be read keeps reportlab's fixed date.
* Text is NFC-normalised and stripped of control/format characters before drawing
  (:func:`~certificates.typeset.clean_text`). Validating names is the caller's job; :func:`missing_glyphs`
  tells which characters no font has, and ``strict=True`` refuses them.

reportlab is not thread-safe: rendering in this module is serialised by a process-wide lock; for
throughput use a process pool (``certificates.batch``).
"""

from __future__ import annotations

import io
import threading
from typing import Sequence

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from .layout import DEFAULT_AWARD_BODY, DEFAULT_SKILL_BODY, VALUE_SIZE, draw_page
from .names import AWARD_TITLE, SKILL_LEVEL_TITLE
from .qr import MAX_QR_VERSION, QrSymbol, build_qr
from .typeset import FALLBACK_FONT, MAIN_FONT, clean_text, register_fonts
from .typeset import missing_glyphs as _missing_in_texts
from .view import CertificateRenderError, CertificateView

__all__ = [
    "AWARD_TITLE",
    "DEFAULT_AWARD_BODY",
    "DEFAULT_SKILL_BODY",
    "FALLBACK_FONT",
    "MAIN_FONT",
    "SKILL_LEVEL_TITLE",
    "CertificateRenderError",
    "CertificateView",
    "clean_text",
    "missing_glyphs",
    "qr_symbol",
    "register_fonts",
    "render_certificate",
    "render_many",
]

_render_lock = threading.RLock()


def missing_glyphs(text_or_view: str | CertificateView) -> set[str]:
    """Characters (after :func:`clean_text`) of a text, or of everything a view prints, that no font has."""
    if isinstance(text_or_view, CertificateView):
        return _missing_in_texts(text_or_view.texts())
    return _missing_in_texts(text_or_view)


def qr_symbol(view: CertificateView) -> QrSymbol:
    """The QR code a view's page shows: :func:`certificates.qr.build_qr`, at most :data:`MAX_QR_VERSION`."""
    try:
        return build_qr(view.qr_text, max_version=MAX_QR_VERSION)
    except ValueError as exc:
        raise CertificateRenderError(f"QR text cannot be printed: {exc}") from None


def _pdf_date(view: CertificateView) -> str | None:
    day = view.issue_day
    return None if day is None else f"D:{day:%Y%m%d}000000+08'00'"


def _new_canvas(buf: io.BytesIO, first: CertificateView, title: str) -> Canvas:
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
    c.setAuthor(clean_text(first.issuer))
    c.setCreator("Jineng certificates")
    c.setSubject(title)
    date = _pdf_date(first)
    if date is not None:
        c.setDateFormatter(lambda *_: date)  # CreationDate and ModDate; the rest stays invariant
    return c


def _draw(c: Canvas, view: CertificateView, strict: bool) -> None:
    if strict:
        missing = missing_glyphs(view)
        if missing:
            raise CertificateRenderError("no font has: " + " ".join(f"U+{ord(ch):04X}" for ch in sorted(missing)))
    draw_page(c, view, qr_symbol(view))
    c.showPage()


def render_certificate(view: CertificateView, *, strict: bool = False) -> bytes:
    """Render one certificate as a single-page A4 PDF.

    ``strict=True`` raises :class:`CertificateRenderError` when a character has no glyph in the
    embedded fonts instead of printing the font's empty-box glyph.
    """
    return render_many([view], strict=strict)


def render_many(views: Sequence[CertificateView], *, strict: bool = False) -> bytes:
    """Render several certificates into one multi-page PDF (one page each, in order).

    Title, author and dates of the document are those of the first certificate.
    """
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
    c = _new_canvas(buf, first, title)
    for view in views:
        _draw(c, view, strict)
    c.save()
    return buf.getvalue()
