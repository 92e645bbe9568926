"""Privacy helpers: masked ID numbers, keyed ID matching, name normalisation, ID-leak detection.

Rules (docs/certificates.md, Privacy rules): a full resident ID number, or any hash of one, never goes into
a QR code or onto a public page. An 18-digit ID has only ~10¹⁰ plausible values and ~10⁶ once the masked
digits are known, so an unkeyed hash is brute-forced in under a second. Online matching therefore uses
HMAC-SHA256 under a server-side pepper and compares in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

__all__ = [
    "gb11643_check_character",
    "compact_masked_id",
    "contains_id_pattern",
    "expand_masked_id",
    "id_match_tag",
    "id_matches",
    "is_valid_resident_id",
    "mask_resident_id",
    "names_equal",
    "normalize_name",
    "normalize_resident_id",
]

# Width of the hidden middle when a masked ID is shown. Always that of an 18-digit resident ID, so the
# display does not leak the length of other document numbers either.
_MASK_WIDTH = 11

# An isolated run of exactly 15 digits (first-generation ID) or 17 digits + check character (GB 11643).
# The look-arounds stop a 21-digit certificate number from counting as an ID.
_ID_PATTERN = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9])")

_GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_GB11643_CHECK = "10X98765432"


def normalize_resident_id(id_number: str) -> str:
    """Canonical form of an ID number: NFKC (full-width digits), no spaces, upper-case ``X``."""
    if not isinstance(id_number, str):
        raise TypeError("id_number must be a str")
    text = unicodedata.normalize("NFKC", id_number)
    return "".join(text.split()).upper()


def gb11643_check_character(first17: str) -> str:
    """The mod 11-2 check character (0-9 or X) of the first 17 digits of a resident ID."""
    total = sum(int(d) * w for d, w in zip(first17, _GB11643_WEIGHTS))
    return _GB11643_CHECK[total % 11]


def is_valid_resident_id(id_number: str) -> bool:
    """GB 11643 check: 17 digits and a mod 11-2 check character (digit or X)."""
    text = normalize_resident_id(id_number)
    if len(text) != 18 or not text[:17].isascii() or not text[:17].isdigit():
        return False
    return gb11643_check_character(text[:17]) == text[17]


def _visible_parts(id_number: str) -> tuple[str, str]:
    text = normalize_resident_id(id_number)
    if len(text) < 8 or not text.isascii() or not text.isalnum():
        # Fewer than 8 characters would leave at most one hidden character: not a mask at all.
        raise ValueError("an ID number to mask must be at least 8 letters or digits")
    return text[:3], text[-4:]


def mask_resident_id(id_number: str) -> str:
    """First 3 + last 4 characters with the middle hidden, e.g. ``370***********1234``."""
    head, tail = _visible_parts(id_number)
    return head + "*" * _MASK_WIDTH + tail


def compact_masked_id(id_number: str) -> str:
    """The masked ID as the signed record carries it: ``370*1234`` (one star for the hidden middle).

    The QR budget (version 12, level Q) cannot afford eleven literal stars; :func:`expand_masked_id` turns
    it back into the display form.
    """
    head, tail = _visible_parts(id_number)
    return f"{head}*{tail}"


def expand_masked_id(compact: str) -> str:
    """Display form of a compact masked ID: ``370*1234`` → ``370***********1234``."""
    head, star, tail = compact.partition("*")
    if not star or len(head) != 3 or len(tail) != 4:
        raise ValueError("a compact masked ID is 3 characters, '*', 4 characters")
    return head + "*" * _MASK_WIDTH + tail


def id_match_tag(pepper: bytes, id_number: str) -> bytes:
    """HMAC-SHA256(pepper, normalised ID): what the server stores to answer "does this ID match?".

    The pepper is a server secret supplied by the caller; without it the tag is useless for brute force.
    """
    if not isinstance(pepper, bytes) or len(pepper) < 16:
        raise ValueError("the pepper must be at least 16 secret bytes")
    return hmac.new(pepper, normalize_resident_id(id_number).encode("utf-8"), hashlib.sha256).digest()


def id_matches(pepper: bytes, candidate_id: str, stored_tag: bytes) -> bool:
    """Constant-time comparison of a typed-in ID number against a stored tag."""
    return hmac.compare_digest(id_match_tag(pepper, candidate_id), stored_tag)


def normalize_name(name: str) -> str:
    """NFC form with surrounding whitespace removed: the form that is signed and compared.

    NFC (not NFKC) keeps compatibility characters such as the middle dot in 少数民族 names as written.
    """
    if not isinstance(name, str):
        raise TypeError("name must be a str")
    return unicodedata.normalize("NFC", name).strip()


def names_equal(a: str, b: str) -> bool:
    """Names are equal when their NFC forms are; NFD input from some keyboards and OSes compares equal."""
    return normalize_name(a) == normalize_name(b)


def contains_id_pattern(text: str) -> bool:
    """True if ``text`` holds anything shaped like a 15- or 18-character resident ID number.

    Used by tests to assert that no public output (QR text, verification JSON) leaks an ID. Deliberately
    ignores the check digit: a leak with a wrong check digit is still a leak.
    """
    return _ID_PATTERN.search(text) is not None
