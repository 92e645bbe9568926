"""GB 11643 resident identity numbers: 17 digits + a mod 11-2 check character (0-9 or X).

Validation checks the shape, the check character and that positions 7-14 form a real birth date.
Masking keeps the first 3 and last 4 characters (province and sequence/check): enough for a person to
recognise their own number, too little to recover it.
"""

from __future__ import annotations

import re
from datetime import date

from certificates.privacy import gb11643_check_character as check_character
from certificates.privacy import id_match_tag, mask_resident_id, normalize_resident_id

_SHAPE = re.compile(r"^[1-9]\d{16}[\dX]$")

__all__ = ["ResidentIdError", "birth_date", "check_character", "gender_of", "keyed_digest", "mask", "normalize",
           "validate"]


class ResidentIdError(ValueError):
    """Why a string is not a valid resident ID, in words a coordinator understands."""


def normalize(value: str) -> str:
    return normalize_resident_id(value)


def birth_date(value: str) -> date:
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def validate(value: str, *, today: date | None = None) -> str:
    """Return the normalized ID or raise ``ResidentIdError`` saying what is wrong."""
    rid = normalize(value)
    if len(rid) != 18:
        raise ResidentIdError(f"A resident ID has 18 characters; this one has {len(rid)}.")
    if not _SHAPE.match(rid):
        raise ResidentIdError("A resident ID is 17 digits followed by a digit or X.")
    try:
        born = birth_date(rid)
    except ValueError:
        raise ResidentIdError(f"Positions 7-14 ({rid[6:14]}) are not a real birth date.") from None
    if born.year < 1900 or born > (today or date.today()):
        raise ResidentIdError(f"The birth date {born.isoformat()} is not plausible.")
    if check_character(rid[:17]) != rid[17]:
        raise ResidentIdError("The check character (last position) does not match: the number has a typo.")
    return rid


def gender_of(rid: str) -> str:
    """Position 17 is odd for men and even for women (GB 11643)."""
    return "male" if int(rid[16]) % 2 else "female"


def mask(rid: str) -> str:
    return mask_resident_id(rid)


def keyed_digest(rid: str, pepper: str) -> str:
    """HMAC of the normalized ID under the server secret: allows exact matching without storing a
    guessable plain hash (an ID has far too few candidates for an unkeyed hash to hide it)."""
    return id_match_tag(pepper.encode(), rid).hex()
