"""Envelope layout, strict Base32, URL prefixes, and the QR budget (version ≤ 12 at level Q) and round trip."""

import base64
import datetime as dt

import pytest
import qrcode
from hypothesis import given
from hypothesis import strategies as st
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.envelope import (
    DOMAIN,
    MAX_QR_VERSION,
    EnvelopeError,
    RecordTooLarge,
    b32decode_strict,
    b32encode,
    build_envelope,
    make_qr_text,
    normalize_url_prefix,
    parse_envelope,
    sign_record,
    split_qr_text,
)
from certificates.keys import KeyStore
from certificates.numbering import AwardCode, CertKind, format_award_number, format_skill_number
from certificates.qr import build_qr, decode_image, min_version, png_bytes
from certificates.record import STATUS_INDEX_LIMIT, issue_record

NOW = dt.datetime(2025, 6, 10, 2, 0, tzinfo=dt.UTC)
DEV_PREFIX = "HTTP://127.0.0.1:8000/C/"


@pytest.fixture
def store(tmp_path):
    s = KeyStore(tmp_path / "keys")
    s.generate(now=NOW - dt.timedelta(days=30))
    return s


def longest_record(name="欧阳𠮷䶮", kind=CertKind.SKILL_LEVEL):
    """Worst realistic content: a 4-character name with rare characters, widest number, 16-bit codes.

    Issuer and work-type/event codes are platform catalogue ids; up to 65535 they take 3 bytes. Larger
    codes are allowed by the format but cost 2 bytes each, which sign_record's budget check catches.
    """
    if kind == CertKind.SKILL_LEVEL:
        number, level = format_skill_number("S", "9999", "65", "999999", 2099, 5, 999999), 5
    else:
        number, level = format_award_number(2099, "999999", AwardCode.MERIT_PRIZE, 999999), AwardCode.MERIT_PRIZE
    return issue_record(
        kind=kind, number=number, name=name, resident_id="65010219991231999X",
        occupation="8-99-99-99", work_type=65535, level=level, issued_on=dt.date(2099, 12, 31),
        issuer=65535, full_record={"photo": "x" * 64}, status_index=STATUS_INDEX_LIMIT - 1,
    )


# --------------------------------------------------------------------------------------------------- Base32


def test_b32_round_trip_all_lengths():
    for n in range(1, 40):
        data = bytes(range(n))
        text = b32encode(data)
        assert "=" not in text and text.isupper()
        assert b32decode_strict(text) == data


@pytest.mark.parametrize(
    "text",
    ["", "my", "MY======", "MY=", "M Y", " MY", "MY\n", "MZ", "M", "MYA", "MYAAAA", "M1", "M8", "MÝ", "MY\x00"],
)
def test_b32_rejects_non_canonical(text):
    with pytest.raises(EnvelopeError):
        b32decode_strict(text)


# -------------------------------------------------------------------------------------------------- envelope


def test_envelope_layout_and_signature_domain():
    key = Ed25519PrivateKey.generate()
    env = build_envelope(b"\x91\x01", key, b"\xab\xcd")
    assert env[0] == 1 and env[1:3] == b"\xab\xcd" and env[3:5] == b"\x91\x01" and len(env) == 3 + 2 + 64
    parsed = parse_envelope(env)
    key.public_key().verify(parsed.signature, DOMAIN + b"\x01\xab\xcd\x91\x01")
    assert parsed.message == DOMAIN + b"\x01\xab\xcd\x91\x01"


@pytest.mark.parametrize("version", [0, 2, 0x7F, 0xFF])
def test_unknown_version(version):
    with pytest.raises(EnvelopeError) as err:
        parse_envelope(bytes([version]) + b"\x00" * 100)
    assert err.value.code == "unsupported_version"


def test_short_envelopes():
    for n in range(0, 67):
        with pytest.raises(EnvelopeError):
            parse_envelope(b"\x01" + b"\x00" * n if n else b"")


# ------------------------------------------------------------------------------------------------ URL prefix


def test_prefix_normalised_and_validated():
    assert normalize_url_prefix("https://v.jineng.example.cn/c/") == "HTTPS://V.JINENG.EXAMPLE.CN/C/"
    for bad in ["ftp://x/c/", "https://x/c", "https://x y/c/", "https://x/c?/", "https://x_y/c/"]:
        with pytest.raises(ValueError):
            normalize_url_prefix(bad)


def test_prefix_from_env(monkeypatch):
    monkeypatch.setenv("JINENG_VERIFY_URL_PREFIX", "https://v.example.cn/c/")
    assert make_qr_text(b"\x01").startswith("HTTPS://V.EXAMPLE.CN/C/")
    monkeypatch.delenv("JINENG_VERIFY_URL_PREFIX")
    assert make_qr_text(b"\x01").startswith(DEV_PREFIX)


def test_split_qr_text():
    env = b"\x01" * 70
    text = make_qr_text(env, DEV_PREFIX)
    assert split_qr_text(text) == (DEV_PREFIX, env)
    # Scheme and host are case-insensitive (a browser may lower-case them); the payload is not.
    assert split_qr_text(text.replace("HTTP://", "http://").replace("/C/", "/c/")) == (DEV_PREFIX, env)
    assert split_qr_text(b32encode(env)) == ("", env)
    for bad in [text.lower(), text + "=", " " + text, text[:-1] + "a", "javascript://x/C/" + b32encode(env)]:
        with pytest.raises(EnvelopeError):
            split_qr_text(bad)


def test_oversized_input_rejected_before_parsing():
    with pytest.raises(EnvelopeError, match="too long"):
        split_qr_text("A" * 1_000_000)
    with pytest.raises(EnvelopeError, match="too long"):
        split_qr_text(b"A" * 1_000_000)


# ------------------------------------------------------------------------------------------------- QR budget


def _best_fit_version(text: str) -> int:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q)
    qr.add_data(qrcode.util.QRData(text.encode(), mode=qrcode.util.MODE_ALPHA_NUM))
    return qr.best_fit()


@pytest.mark.parametrize("name", ["欧阳𠮷䶮", "𠮷䶮堃喆", "司马𠮷𠮷", "张三"])
@pytest.mark.parametrize("kind", [CertKind.SKILL_LEVEL, CertKind.AWARD])
@pytest.mark.parametrize("prefix", [DEV_PREFIX, "HTTPS://V.JINENG.EXAMPLE.CN/C/"])
def test_longest_realistic_content_fits_version_12_q(store, name, kind, prefix):
    record = longest_record(name, kind)
    _, text = sign_record(record, store, url_prefix=prefix, now=dt.datetime(2099, 12, 31, tzinfo=dt.UTC))
    assert _best_fit_version(text) <= MAX_QR_VERSION
    assert min_version(text) == _best_fit_version(text)
    symbol = build_qr(text)
    assert symbol.version <= 12 and symbol.size == 17 + 4 * symbol.version


def test_min_version_matches_qrcode_best_fit():
    for n in (1, 50, 154, 155, 296, 297, 331, 332):
        assert min_version("A" * n) == _best_fit_version("A" * n)


def test_too_large_record_refused(store):
    record = longest_record("阿卜杜热合曼·买买提江·艾合买提")
    with pytest.raises(RecordTooLarge):
        sign_record(record, store, url_prefix=DEV_PREFIX, now=dt.datetime(2099, 12, 31, tzinfo=dt.UTC))


def test_build_qr_uses_alphanumeric_only():
    symbol = build_qr(DEV_PREFIX + "AE" * 50)
    assert symbol.modules and all(isinstance(c, bool) for row in symbol.modules for c in row)
    with pytest.raises(ValueError):
        build_qr("http://lower.case/")


def test_build_qr_refuses_versions_above_the_limit_and_keeps_built_symbols():
    text = DEV_PREFIX + "AE" * 50
    assert build_qr(text) is build_qr(text)  # cached per text: a certificate's QR text never changes
    assert build_qr("A" * 296, max_version=12).version == 12
    with pytest.raises(ValueError, match="version 13"):
        build_qr("A" * 297, max_version=MAX_QR_VERSION)


def test_qr_png_round_trip(store):
    record = longest_record()
    _, text = sign_record(record, store, url_prefix=DEV_PREFIX, now=dt.datetime(2099, 12, 31, tzinfo=dt.UTC))
    png = png_bytes(text, box_size=4)
    assert png.startswith(b"\x89PNG")
    assert decode_image(png) == [text]


def test_sign_refuses_date_outside_key_window(store):
    record = longest_record()  # dated 2099-12-31
    with pytest.raises(ValueError, match="future"):
        sign_record(record, store, now=NOW)


def test_base64_is_not_base32():
    # Guard against accidentally switching alphabets: base64 output is not accepted.
    with pytest.raises(EnvelopeError):
        split_qr_text(DEV_PREFIX + base64.b64encode(b"\x01" * 70).decode())


# The fast strict decoder must agree exactly with "standard decode, then re-encode must equal the input".
def _reference_strict(text: str) -> bytes | None:
    if not text or not all(c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in text):
        return None
    try:
        data = base64.b32decode(text + "=" * (-len(text) % 8))
    except ValueError:
        return None
    return data if base64.b32encode(data).decode().rstrip("=") == text else None


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abz018=_ +-", max_size=40))
def test_strict_decoder_matches_reference(text):
    expected = _reference_strict(text)
    try:
        got = b32decode_strict(text)
    except EnvelopeError:
        got = None
    assert got == expected


@given(st.binary(max_size=64))
def test_strict_decoder_round_trips_bytes(data):
    if data:
        assert b32decode_strict(b32encode(data)) == data
