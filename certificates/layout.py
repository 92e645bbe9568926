"""Page layouts of the two certificates: where every field, the frame, the photo and the QR block go.

* 职业技能等级证书 (:func:`draw_page` for ``kind="skill_level"``): the fields 人社鉴发〔2021〕1号 requires, in
  that order, values in 12 pt (小四号), a 1-inch photo box at the top right, the QR block at the bottom
  right and the 查询网址 beside it.
* 获奖证书 (``kind="award"``): competition and award large and centred, then event, group, members,
  coaches, organizers, number, issuer and date as rows, then the 证书正文.

Rows shrink (to 8.5 pt) and wrap to fit their column, which narrows beside the photo and the QR block; rows
move closer together when a long award would reach the QR block. The QR block is the modules of
:class:`certificates.qr.QrSymbol` drawn as vector rectangles, ~40 mm wide with a 4-module white quiet
zone, "扫码验证真伪" above and the verification code below. Labels and titles come from
:mod:`certificates.names`; text is typeset by :mod:`certificates.typeset`.
"""

from __future__ import annotations

import io
import re
from typing import NamedTuple, Sequence

from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from .names import AWARD_TITLE, FIELD_LABELS, SKILL_LEVEL_TITLE
from .qr import QrSymbol
from .typeset import clean_text, draw_text, fit, text_width, wrap
from .view import CertificateRenderError, CertificateView

__all__ = [
    "DEFAULT_AWARD_BODY",
    "DEFAULT_SKILL_BODY",
    "QR_BOTTOM",
    "QR_LEFT",
    "QR_SIZE",
    "VALUE_SIZE",
    "draw_page",
    "label",
]

DEFAULT_SKILL_BODY = "经评价，该人员达到以下职业技能等级，特发此证。"
DEFAULT_AWARD_BODY = "特发此证，以资鼓励。"


def label(field: str) -> str:
    """A field's printed label; two-character labels are spaced out to the width of four ("姓　　名")."""
    text = FIELD_LABELS[field]
    return f"{text[0]}\u3000\u3000{text[1]}" if len(text) == 2 else text


PAGE_W, PAGE_H = A4
ACCENT = Color(0.55, 0.09, 0.09)  # deep seal red for frame and title
INK = Color(0.08, 0.08, 0.08)
LABEL_INK = Color(0.30, 0.30, 0.30)
RULE = Color(0.78, 0.74, 0.70)
VALUE_SIZE = 12.0  # 小四号, as 人社鉴发〔2021〕1号 asks for the filled-in fields
QR_SIZE = 40 * mm


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
    draw_text(c, PAGE_W / 2, PAGE_H - 42 * mm, title, size, color=ACCENT, char_space=char_space, align="center")
    draw_text(c, PAGE_W / 2, PAGE_H - 50 * mm, subtitle, 9.5, color=LABEL_INK, char_space=1.2, align="center")
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
        size, lines = fit(row.value, right - x_value, VALUE_SIZE, 8.5, row.max_lines)
        lead = size * 1.35
        if c is not None:
            draw_text(c, x_label, y, row.label, 10.5, color=LABEL_INK)
            yy = y
            for line in lines:
                draw_text(c, x_value, yy, line, size, color=INK)
                yy -= lead
            c.setStrokeColor(RULE)
            c.setLineWidth(0.4)
            c.line(x_value, yy + lead - 2.2 * mm, right, yy + lead - 2.2 * mm)
        y -= (len(lines) - 1) * lead + pitch
    return y


def _paragraph(c: Canvas, text: str, x: float, y: float, width: float, size: float,
               color=INK, align: str = "left") -> float:
    lead = size * 1.5
    for line in wrap(text, size, width):
        if align == "center":
            draw_text(c, x + width / 2, y, line, size, color=color, align="center")
        else:
            draw_text(c, x, y, line, size, color=color)
        y -= lead
    return y


QR_RIGHT = PAGE_W - 24 * mm
QR_BOTTOM = 34 * mm
QR_LEFT = QR_RIGHT - QR_SIZE
QR_ZONE_TOP = QR_BOTTOM + QR_SIZE + 9 * mm  # top of the "扫码验证真伪" caption


def _avoid_qr(right: float, y: float) -> float:
    """Right edge for text at baseline y so that it never runs into the QR block."""
    return min(right, QR_LEFT - 8 * mm) if y < QR_ZONE_TOP + 2 * mm else right


def _draw_qr(c: Canvas, qr: QrSymbol, x: float, y: float, size: float) -> float:
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


def _qr_block(c: Canvas, view: CertificateView, qr: QrSymbol) -> None:
    x, y = QR_LEFT, QR_BOTTOM
    _draw_qr(c, qr, x, y, QR_SIZE)
    cx = x + QR_SIZE / 2
    draw_text(c, cx, y + QR_SIZE + 4.5 * mm, "扫码验证真伪", 8.5, color=LABEL_INK, align="center")
    code = clean_text(view.verification_code)
    size = 10.5
    while size > 7 and text_width("验证码 " + code, size) > QR_SIZE + 8 * mm:
        size -= 0.5
    draw_text(c, cx, y - 6.5 * mm, "验证码 " + code, size, color=INK, align="center")


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
        draw_text(c, x + w / 2, y + h / 2 - 1.5 * mm, "照片", 10.5, color=LABEL_INK, align="center")


def _draw_skill_level(c: Canvas, v: CertificateView, qr: QrSymbol) -> None:
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
        _Row(label("name"), clean_text(v.name)),
        _Row(label("id_type"), clean_text(v.id_type)),
        _Row(label("id_number"), clean_text(v.id_number)),
        _Row(label("occupation"), clean_text(v.occupation)),
        _Row(label("work_type"), clean_text(v.work_type)),
        _Row(label("level"), clean_text(v.level)),
        _Row(label("number"), clean_text(v.certificate_number)),
        _Row(label("issuer"), clean_text(v.issuer), 3),
        _Row(label("issue_date"), clean_text(v.issue_date)),
    ]
    body = clean_text(v.body_text) or DEFAULT_SKILL_BODY
    y = _paragraph(c, body, x_label, PAGE_H - 64 * mm, photo_x - 5 * mm - x_label, 12)
    _table(c, rows, min(y - 6 * mm, PAGE_H - 80 * mm), x_label, x_value, right_edge, 12 * mm, 40 * mm)
    _qr_block(c, v, qr)
    _footer(c, v, x_label, QR_LEFT - 10 * mm)


def _draw_award(c: Canvas, v: CertificateView, qr: QrSymbol) -> None:
    _frame(c)
    _title(c, AWARD_TITLE, "CERTIFICATE OF AWARD", 34, 14)
    left, right = 32 * mm, PAGE_W - 32 * mm
    width = right - left
    competition = clean_text(v.edition) + clean_text(v.competition)
    size, lines = fit(competition, width, 17, 12, 2)
    y = PAGE_H - 68 * mm
    for line in lines:
        draw_text(c, PAGE_W / 2, y, line, size, color=INK, align="center")
        y -= size * 1.4
    award = clean_text(v.award)
    y -= 6 * mm
    asize, _ = fit(award, width, 28, 16, 1)
    draw_text(c, PAGE_W / 2, y - asize * 0.35, award, asize, color=ACCENT, char_space=asize * 0.25, align="center")
    y -= asize + 8 * mm

    def join(items: Sequence[str]) -> str:
        return "、".join(s for s in (clean_text(i).strip() for i in items) if s)

    rows = [_Row(label("event"), clean_text(v.event))]
    if v.group:
        rows.append(_Row(label("group"), clean_text(v.group)))
    rows.append(_Row(label("award"), award))
    rows.append(_Row(label("members"), join(v.members), 3))
    if v.coaches:
        rows.append(_Row(label("coaches"), join(v.coaches), 2))
    if v.organizers:
        rows.append(_Row(label("organizers"), join(v.organizers), 3))
    rows += [
        _Row(label("number"), clean_text(v.certificate_number)),
        _Row(label("award_issuer"), clean_text(v.issuer), 2),
        _Row(label("issue_date"), clean_text(v.issue_date)),
    ]
    y = _table(c, rows, y, left, left + 30 * mm, lambda y_: _avoid_qr(right, y_), 10.5 * mm, 48 * mm)
    body = clean_text(v.body_text) or DEFAULT_AWARD_BODY
    _paragraph(c, body, left, y - 2 * mm, _avoid_qr(right, y - 2 * mm) - left, 12)
    _qr_block(c, v, qr)
    _footer(c, v, left, QR_LEFT - 10 * mm)


def draw_page(c: Canvas, view: CertificateView, qr: QrSymbol) -> None:
    """Draw one certificate page (without ``showPage``) with ``qr`` as its QR code."""
    if view.kind == "skill_level":
        _draw_skill_level(c, view, qr)
    else:
        _draw_award(c, view, qr)
