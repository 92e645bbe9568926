"""What a certificate PDF prints: :class:`CertificateView`, the server's input to the renderer.

The server maps its records to a view of display strings only (masked ID number, formatted dates, the
finished QR text) and hands it to :func:`certificates.pdf.render_certificate`. A view checks that the fields
its kind requires are there; it does not know how the QR text was signed. Views are msgspec Structs, so a
JSON list of them is the input of ``jineng certificates render``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import msgspec

from .names import CERTIFICATE_TITLES
from .typeset import clean_text

__all__ = ["CertificateRenderError", "CertificateView"]


class CertificateRenderError(ValueError):
    """The view cannot be rendered (unreadable photo, unusable QR text, missing glyphs in strict mode)."""


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
        """证书名称 (:data:`certificates.names.CERTIFICATE_TITLES`)."""
        return CERTIFICATE_TITLES[self.kind]

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
