"""What a certificate PDF prints: :class:`CertificateView`, the server's input to the renderer.

The server maps its records to a view of display strings only (masked ID number, formatted dates, the
finished QR text) and hands it to :func:`certificates.pdf.render_certificate`. A view checks that the fields
its kind requires are there; it does not know how the QR text was signed. Views are msgspec Structs, so a
JSON list of them is the input of ``jineng certificates render``.

:func:`parse_issue_date` reads the printed 发证日期 ("2025年6月30日", "二〇二五年六月三十日",
"2025-06-30"): the PDF is dated by it.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator
from typing import Literal

import msgspec

from .names import CERTIFICATE_TITLES
from .typeset import clean_text

__all__ = ["CertificateRenderError", "CertificateView", "parse_issue_date"]


class CertificateRenderError(ValueError):
    """The view cannot be rendered (unreadable photo, unusable QR text, missing glyphs in strict mode)."""


_CN_DIGITS = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0}
_DATE_FORMS = (
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
    re.compile(r"(?P<y>[〇零○一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月(?P<d>[一二三四五六七八九十]{1,3})日"),
)


def _cn_number(text: str) -> int:
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    tens, _, ones = text.partition("十")
    return 10 * (_CN_DIGITS[tens] if tens else 1) + (_CN_DIGITS[ones] if ones else 0)


def parse_issue_date(text: str) -> _dt.date | None:
    """The date a printed 发证日期 names, or None when it is not one of the usual forms (or not a date)."""
    text = clean_text(text).strip()
    for form in _DATE_FORMS:
        m = form.fullmatch(text)
        if m is None:
            continue
        try:
            y, mo, d = (int(v) if v.isascii() else _cn_number(v) for v in m.group("y", "m", "d"))
            return _dt.date(y, mo, d)
        except (KeyError, ValueError):
            return None
    return None


class CertificateView(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Everything printed on one certificate, as display strings.

    Common fields: ``kind``, ``certificate_number`` (证书编号), ``issue_date`` (发证日期, printed as
    given, e.g. "2025年6月30日"), ``issuer`` (评价机构名称 for a skill-level certificate, 颁发单位 for
    an award), ``qr_text`` (the finished QR payload, e.g. "HTTPS://HOST/C/" + Base32) and
    ``verification_code`` (short code printed under the QR).  ``query_url`` is the printed 查询网址.
    ``issued_on`` is the issue date as a date; when omitted it is read from ``issue_date`` (see
    :attr:`issue_day`).  It dates the PDF (creation date), so the same certificate always gives the same
    bytes; when both are given they must agree.

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
    issued_on: _dt.date | None = None
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
        if self.issued_on is not None:
            printed = parse_issue_date(self.issue_date)
            if printed is not None and printed != self.issued_on:
                raise ValueError(f"issue_date {self.issue_date!r} is not issued_on {self.issued_on.isoformat()}")

    @property
    def title(self) -> str:
        """证书名称 (:data:`certificates.names.CERTIFICATE_TITLES`)."""
        return CERTIFICATE_TITLES[self.kind]

    @property
    def issue_day(self) -> _dt.date | None:
        """``issued_on``, else the date ``issue_date`` names, else None."""
        return self.issued_on if self.issued_on is not None else parse_issue_date(self.issue_date)

    def texts(self) -> Iterator[str]:
        """Every string printed on the page (not the QR payload)."""
        for f in self.__struct_fields__:
            value = getattr(self, f)
            if f in ("kind", "qr_text"):
                continue
            if isinstance(value, str):
                yield value
            elif isinstance(value, tuple):
                yield from value
