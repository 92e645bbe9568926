"""证书编号: certificate numbers for skill-level (职业技能等级证书) and award (获奖证书) certificates.

Skill-level certificate number (职业技能等级证书编码规则, 人社鉴发〔2019〕2号), 22 characters::

    Y 0001 37 000001 25 3 000042
    │ │    │  │      │  │ └ 6-digit certificate sequence
    │ │    │  │      │  └── level: 1 = 一级/高级技师 … 5 = 五级/初级工
    │ │    │  │      └───── last two digits of the issue year
    │ │    │  └──────────── 6-digit organisation / site number
    │ │    └─────────────── GB/T 2260 province code (11 … 82)
    │ └──────────────────── 4-digit organisation code (0000 = registered at provincial level)
    └────────────────────── Y = 用人单位 (employer), S = 社会培训评价组织 (social evaluation organisation)

There is no check digit, so a typo cannot be caught offline; what *can* be checked is that the year and
level positions agree with the signed issue date and level (:func:`cross_check`).

Award certificate number (our own format; no national template exists), 18 characters::

    JN 25 000731 11 000042
    │  │  │      │  └ 6-digit sequence within the competition
    │  │  │      └─── 2-digit award code (see :class:`AwardCode`)
    │  │  └────────── 6-digit competition code assigned by the platform
    │  └───────────── last two digits of the issue year
    └──────────────── "JN" prefix: cannot collide with a skill number, which starts with Y or S

Both formats use only upper-case letters and digits, so they sit in a QR alphanumeric segment and are easy
to read out on the phone. The award number mirrors the skill number's cross-check: year and award code must
agree with the signed record.
"""

from __future__ import annotations

import datetime as _dt
import enum
import re
from dataclasses import dataclass

from .names import AWARD_NAMES, LEVEL_NAMES

__all__ = [
    "PROVINCE_CODES",
    "AwardCode",
    "AwardNumber",
    "CertKind",
    "NumberError",
    "SkillLevel",
    "SkillNumber",
    "cross_check",
    "format_award_number",
    "format_skill_number",
    "kind_of_number",
    "parse_award_number",
    "parse_number",
    "parse_skill_number",
    "validate_number",
]


class NumberError(ValueError):
    """A certificate number that does not follow its format or disagrees with the signed record."""


class CertKind(enum.IntEnum):
    """What a certificate attests: a vocational skill level, or an award in a competition."""

    SKILL_LEVEL = 1
    AWARD = 2


class SkillLevel(enum.IntEnum):
    """职业技能等级. The digit is the one in position 16 of the certificate number."""

    ONE = 1
    TWO = 2
    THREE = 3
    FOUR = 4
    FIVE = 5

    @property
    def label(self) -> str:
        """The form 人社鉴发〔2021〕1号 requires, e.g. "三级/高级工" (:data:`certificates.names.LEVEL_NAMES`)."""
        return LEVEL_NAMES[self]


class AwardCode(enum.IntEnum):
    """Award codes used in award numbers and in the signed record's level/award field.

    Two families exist in Chinese competitions: medals (WorldSkills style, 优胜奖 for the top half) and
    prize grades by ratio of entrants (一/二/三等奖). Codes are two digits so they fit the number format.
    """

    GOLD = 1
    SILVER = 2
    BRONZE = 3
    EXCELLENCE = 4
    SPECIAL_PRIZE = 10
    FIRST_PRIZE = 11
    SECOND_PRIZE = 12
    THIRD_PRIZE = 13
    MERIT_PRIZE = 14

    @property
    def label(self) -> str:
        """The Chinese name printed on the certificate (:data:`certificates.names.AWARD_NAMES`)."""
        return AWARD_NAMES[self]

# GB/T 2260 province-level codes (first two digits of an administrative division code).
PROVINCE_CODES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
    "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip

_SKILL_RE = re.compile(r"([YS])(\d{4})(\d{2})(\d{6})(\d{2})(\d)(\d{6})")
_AWARD_RE = re.compile(r"JN(\d{2})(\d{6})(\d{2})(\d{6})")


@dataclass(frozen=True, slots=True)
class SkillNumber:
    """The parts of a 22-character skill-level certificate number."""

    issuer_type: str  # "Y" employer, "S" social training-evaluation organisation
    organization: str  # 4 digits
    province: str  # 2 digits, GB/T 2260
    site: str  # 6 digits
    year: int  # 0..99, last two digits of the issue year
    level: SkillLevel
    sequence: int  # 0..999999

    def __str__(self) -> str:
        return format_skill_number(
            self.issuer_type, self.organization, self.province, self.site, self.year, self.level,
            self.sequence,
        )


@dataclass(frozen=True, slots=True)
class AwardNumber:
    """The parts of an 18-character award certificate number."""

    year: int  # 0..99
    competition: str  # 6 digits
    award: AwardCode
    sequence: int  # 0..999999

    def __str__(self) -> str:
        return format_award_number(self.year, self.competition, self.award, self.sequence)


def _digits(value: str | int, width: int, what: str) -> str:
    # Accept ints for convenience, but never let a wider value be silently truncated.
    text = f"{value:0{width}d}" if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or len(text) != width or not text.isascii() or not text.isdigit():
        raise NumberError(f"{what} must be {width} ASCII digits, got {value!r}")
    return text


def _year2(year: int) -> int:
    # A four-digit year is accepted and reduced; the number only keeps the last two digits.
    if isinstance(year, bool) or not isinstance(year, int) or not (0 <= year <= 99 or 2000 <= year <= 2099):
        raise NumberError(f"year must be 2000..2099 or 0..99, got {year!r}")
    return year % 100


def format_skill_number(
    issuer_type: str,
    organization: str | int,
    province: str | int,
    site: str | int,
    year: int,
    level: int,
    sequence: int,
) -> str:
    """Build a 22-character 证书编号, validating every part (province against GB/T 2260)."""
    if issuer_type not in ("Y", "S"):
        raise NumberError(f"issuer type must be 'Y' (用人单位) or 'S' (社会培训评价组织), got {issuer_type!r}")
    org = _digits(organization, 4, "organisation code")
    prov = _digits(province, 2, "province code")
    if prov not in PROVINCE_CODES:
        raise NumberError(f"province code {prov} is not a GB/T 2260 province")
    site_text = _digits(site, 6, "site number")
    try:
        lvl = SkillLevel(level)
    except ValueError:
        raise NumberError(f"level must be 1..5, got {level!r}") from None
    seq = _digits(sequence, 6, "sequence")
    return f"{issuer_type}{org}{prov}{site_text}{_year2(year):02d}{int(lvl)}{seq}"


def parse_skill_number(text: str) -> SkillNumber:
    """Parse and validate a skill-level certificate number; raises :class:`NumberError`."""
    m = _SKILL_RE.fullmatch(text) if isinstance(text, str) and text.isascii() else None
    if m is None:
        raise NumberError("a skill-level certificate number is Y or S followed by 21 digits")
    issuer_type, org, prov, site, year, level, seq = m.groups()
    if prov not in PROVINCE_CODES:
        raise NumberError(f"province code {prov} is not a GB/T 2260 province")
    if not 1 <= int(level) <= 5:
        raise NumberError(f"level digit must be 1..5, got {level}")
    return SkillNumber(issuer_type, org, prov, site, int(year), SkillLevel(int(level)), int(seq))


def format_award_number(year: int, competition: str | int, award: int, sequence: int) -> str:
    """Build an 18-character award certificate number ``JN`` + YY + competition + award + sequence."""
    try:
        code = AwardCode(award)
    except ValueError:
        raise NumberError(f"unknown award code {award!r}") from None
    comp = _digits(competition, 6, "competition code")
    seq = _digits(sequence, 6, "sequence")
    return f"JN{_year2(year):02d}{comp}{int(code):02d}{seq}"


def parse_award_number(text: str) -> AwardNumber:
    """Parse and validate an award certificate number; raises :class:`NumberError`."""
    m = _AWARD_RE.fullmatch(text) if isinstance(text, str) and text.isascii() else None
    if m is None:
        raise NumberError("an award certificate number is 'JN' followed by 16 digits")
    year, comp, award, seq = m.groups()
    try:
        code = AwardCode(int(award))
    except ValueError:
        raise NumberError(f"unknown award code {award}") from None
    return AwardNumber(int(year), comp, code, int(seq))


def kind_of_number(text: str) -> CertKind:
    """Which certificate kind a number's format belongs to (by its prefix); raises :class:`NumberError`."""
    if isinstance(text, str) and text[:2] == "JN":
        return CertKind.AWARD
    if isinstance(text, str) and text[:1] in ("Y", "S"):
        return CertKind.SKILL_LEVEL
    raise NumberError("unknown certificate number format")


def parse_number(text: str) -> SkillNumber | AwardNumber:
    """Parse either kind of number."""
    if kind_of_number(text) is CertKind.AWARD:
        return parse_award_number(text)
    return parse_skill_number(text)


def validate_number(text: str) -> bool:
    """True when ``text`` is a well-formed number of either kind."""
    try:
        parse_number(text)
    except NumberError:
        return False
    return True


def cross_check(number: str, kind: int, level_or_award: int, issued_on: _dt.date) -> None:
    """Check that a number agrees with the signed fields; raise :class:`NumberError` on any mismatch.

    The number's prefix must match the kind, its year positions the issue year, and its level/award
    positions the signed level or award code. This is what makes a genuine QR code pasted onto a forged
    二级 template, or a number copied from another certificate, visible.
    """
    # Works on the regex groups directly (no dataclass, no enum): this runs on every verification.
    m = _SKILL_RE.fullmatch(number) if isinstance(number, str) and number.isascii() else None
    if m is not None:
        if m.group(3) not in PROVINCE_CODES:
            raise NumberError(f"province code {m.group(3)} is not a GB/T 2260 province")
        if kind != CertKind.SKILL_LEVEL:
            raise NumberError("a Y/S number belongs to a skill-level certificate")
        number_year, number_code = int(m.group(5)), int(m.group(6))
        if number_code != level_or_award:
            raise NumberError(f"number says level {number_code}, the signed record says {level_or_award}")
    else:
        parsed = parse_award_number(number)  # raises NumberError for anything else
        if kind != CertKind.AWARD:
            raise NumberError("a JN number belongs to an award certificate")
        number_year, number_code = parsed.year, int(parsed.award)
        if number_code != level_or_award:
            raise NumberError(f"number says award {number_code}, the signed record says {level_or_award}")
    if number_year != issued_on.year % 100:
        raise NumberError(f"number says year {number_year:02d}, the signed issue date is {issued_on.isoformat()}")
