"""Privacy helpers: masking, keyed ID matching, NFC names, and the ID-pattern detector used by leak tests."""

import hashlib
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates.privacy import (
    compact_masked_id,
    contains_id_pattern,
    expand_masked_id,
    id_match_tag,
    id_matches,
    is_valid_resident_id,
    mask_resident_id,
    names_equal,
    normalize_name,
    normalize_resident_id,
)

ID = "11010519491231002X"  # GB 11643 standard's example number (valid check character)


def test_mask_keeps_first_three_and_last_four():
    assert mask_resident_id("370102199001011234") == "370***********1234"
    assert mask_resident_id(ID) == "110***********002X"
    assert mask_resident_id("11010519491231002x") == "110***********002X"
    assert mask_resident_id(" 370102 19900101 1234 ") == "370***********1234"


def test_compact_mask_round_trip():
    assert compact_masked_id("370102199001011234") == "370*1234"
    assert expand_masked_id("370*1234") == mask_resident_id("370102199001011234")
    with pytest.raises(ValueError):
        expand_masked_id("3701234")


def test_mask_rejects_too_short():
    with pytest.raises(ValueError):
        mask_resident_id("1234567")


def test_gb11643_check_digit():
    assert is_valid_resident_id(ID)
    assert not is_valid_resident_id("110105194912310021")
    assert not is_valid_resident_id("1101051949123100")
    assert normalize_resident_id("１１０１０５１９４９１２３１００２ｘ") == ID  # full-width input


def test_hmac_matching():
    pepper = b"p" * 32
    tag = id_match_tag(pepper, ID)
    assert id_matches(pepper, ID.lower(), tag)
    assert not id_matches(pepper, "110105194912310021", tag)
    assert not id_matches(b"q" * 32, ID, tag)
    assert tag != hashlib.sha256(ID.encode()).digest()
    with pytest.raises(ValueError):
        id_match_tag(b"short", ID)


def test_nfc_nfd_names_are_equal():
    nfc = "Zoë 李"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    assert names_equal(nfc, nfd)
    assert normalize_name(nfd) == nfc
    assert not names_equal("张三", "张叁")


@pytest.mark.parametrize(
    "text",
    [ID, "370102199001011234", "id=370102199001011234;", "x370102900101123x", "123456789012345", '"11010519491231002X"'],
)
def test_id_patterns_detected(text):
    assert contains_id_pattern(text)


@pytest.mark.parametrize(
    "text",
    [
        "370***********1234",
        "Y000137000001253000042",  # 21-digit run inside a certificate number is not an ID
        "JN2500073111000042",  # 16 digits
        "20993a9e-eedcef30",
        "12345678901234",  # 14
        "1234567890123456",  # 16
        "HTTP://127.0.0.1:8000/C/AFP5XHABYQECBGJ2T3XNZ3ZQ",
    ],
)
def test_non_ids_not_detected(text):
    assert not contains_id_pattern(text)


@given(st.text(alphabet="0123456789X", min_size=18, max_size=18).filter(lambda s: "X" not in s[:17]))
def test_any_18_char_id_shape_is_detected(candidate):
    assert contains_id_pattern(f"name:{candidate};")
