"""Small pure helpers of the issuing domain: verification codes, award and level words, display dates.

Verification code (printed under the QR code for those who cannot scan it; docs/certificates.md, "The
printed verification code"): 12 characters of Crockford Base32 (60 random bits) followed by Crockford's
check symbol (the value mod 37, symbols ``0-9A-Z`` minus ``ILOU`` plus ``*~$=U``), shown as
``XXXX-XXXX-XXXX-C``. Typing is forgiving the way
Crockford intends: case, dashes and spaces are ignored, ``I``/``L`` read as ``1`` and ``O`` as ``0``.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import date

from certificates import AwardCode

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_SYMBOLS = CROCKFORD + "*~$=U"
CODE_CHARS = 12
CODE_BITS = 5 * CODE_CHARS  # 60
_DECODE = {c: i for i, c in enumerate(CROCKFORD)} | {"O": 0, "I": 1, "L": 1}
_CHECK_DECODE = {c: i for i, c in enumerate(CHECK_SYMBOLS)} | {"O": 0, "I": 1, "L": 1}


def _check_symbol(value: int) -> str:
    return CHECK_SYMBOLS[value % 37]


def new_verification_code() -> str:
    """A fresh code: 12 random Crockford characters + check symbol (13 characters, no dashes)."""
    value = secrets.randbits(CODE_BITS)
    chars = "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(CODE_CHARS)))
    return chars + _check_symbol(value)


def normalize_verification_code(text: str) -> str | None:
    """The canonical 13-character form of a typed code, or None when it is not one (bad length, bad
    character, wrong check symbol)."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    cleaned = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text)).upper()
    if len(cleaned) != CODE_CHARS + 1:
        return None
    value = 0
    for ch in cleaned[:CODE_CHARS]:
        digit = _DECODE.get(ch)
        if digit is None:
            return None
        value = value * 32 + digit
    check = cleaned[CODE_CHARS]
    if _CHECK_DECODE.get(check) != value % 37:
        return None
    return "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(CODE_CHARS))) + _check_symbol(value)


def format_verification_code(code: str) -> str:
    """``ABCD-EFGH-JKMN-P``: groups of four for reading aloud."""
    return f"{code[0:4]}-{code[4:8]}-{code[8:12]}-{code[12:]}"


# --- awards ----------------------------------------------------------------------------

# Tier codes and names of results files → the award code signed on the certificate.
_AWARD_WORDS = {
    "gold": AwardCode.GOLD, "金牌": AwardCode.GOLD, "金奖": AwardCode.GOLD,
    "silver": AwardCode.SILVER, "银牌": AwardCode.SILVER, "银奖": AwardCode.SILVER,
    "bronze": AwardCode.BRONZE, "铜牌": AwardCode.BRONZE, "铜奖": AwardCode.BRONZE,
    "excellence": AwardCode.EXCELLENCE, "medallion": AwardCode.EXCELLENCE, "优胜奖": AwardCode.EXCELLENCE,
    "medallion_for_excellence": AwardCode.EXCELLENCE,
    "special": AwardCode.SPECIAL_PRIZE, "special_prize": AwardCode.SPECIAL_PRIZE, "grand": AwardCode.SPECIAL_PRIZE,
    "特等奖": AwardCode.SPECIAL_PRIZE,
    "first": AwardCode.FIRST_PRIZE, "first_prize": AwardCode.FIRST_PRIZE, "一等奖": AwardCode.FIRST_PRIZE,
    "second": AwardCode.SECOND_PRIZE, "second_prize": AwardCode.SECOND_PRIZE, "二等奖": AwardCode.SECOND_PRIZE,
    "third": AwardCode.THIRD_PRIZE, "third_prize": AwardCode.THIRD_PRIZE, "三等奖": AwardCode.THIRD_PRIZE,
    "merit": AwardCode.MERIT_PRIZE, "merit_prize": AwardCode.MERIT_PRIZE, "优秀奖": AwardCode.MERIT_PRIZE,
}
# The graduate record's award words (server.people.schemas.Award) for each award code.
PEOPLE_AWARD = {
    AwardCode.GOLD: "gold", AwardCode.SILVER: "silver", AwardCode.BRONZE: "bronze",
    AwardCode.EXCELLENCE: "excellence", AwardCode.FIRST_PRIZE: "first_prize",
    AwardCode.SECOND_PRIZE: "second_prize", AwardCode.THIRD_PRIZE: "third_prize",
    AwardCode.SPECIAL_PRIZE: "other", AwardCode.MERIT_PRIZE: "other",
}


def award_code(tier_code: str | None, tier_name: str | None = None) -> AwardCode | None:
    """The AwardCode of a results file's tier, by its code (``first``, ``gold`` …) or else its name."""
    for word in (tier_code, tier_name):
        if word:
            key = "".join(word.split()).lower().replace("-", "_")
            if key in _AWARD_WORDS:
                return _AWARD_WORDS[key]
    return None


def chinese_date(day: date) -> str:
    """发证日期 as printed: 2026年11月29日."""
    return f"{day.year}年{day.month}月{day.day}日"


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals (3 → 三, 12 → 十二, 20 → 二十, 45 → 四十五); other numbers as digits."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def edition_text(edition: int | None) -> str:
    """第N届 before a competition's name, in Chinese numerals ("" when unknown)."""
    return f"第{chinese_number(edition)}届" if edition else ""
