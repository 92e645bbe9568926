"""The signed record: building from server data, strict MessagePack decoding, digest of the full record."""

import datetime as dt
import unicodedata

import msgspec
import pytest

from certificates.numbering import AwardCode, CertKind, format_award_number, format_skill_number
from certificates.record import (
    CertRecord,
    RecordError,
    date_from_days,
    days_from_date,
    decode_record,
    encode_record,
    format_cert_id,
    format_occupation,
    issue_record,
    parse_cert_id,
    parse_occupation,
    record_digest,
)

FULL = {"person_id": 7, "photo_sha256": "ab" * 32, "name": "欧阳𠮷䶮", "issued": dt.date(2025, 6, 10)}


def make(**over):
    fields = dict(
        kind=CertKind.SKILL_LEVEL,
        number=format_skill_number("Y", "0001", "37", "000001", 2025, 3, 42),
        name="欧阳𠮷䶮",
        resident_id="370102199001011234",
        occupation="6-31-01-03",
        work_type=0,
        level=3,
        issued_on=dt.date(2025, 6, 10),
        issuer=137,
        full_record=FULL,
        cert_id=bytes(range(8)),
        status_index=4242,
    )
    fields.update(over)
    return issue_record(**fields)


def test_issue_record_fields():
    rec = make()
    assert rec.masked_id == "370*1234"
    assert rec.occupation == 6310103
    assert rec.issue_date == dt.date(2025, 6, 10)
    assert rec.record_digest == record_digest(FULL)
    assert len(rec.record_digest) == 16
    assert "370102199001011234" not in repr(rec)
    assert decode_record(encode_record(rec)) == rec


def test_award_record():
    rec = make(
        kind=CertKind.AWARD, number=format_award_number(2025, "000731", AwardCode.GOLD, 1), level=AwardCode.GOLD,
        work_type=12,
    )
    assert rec.kind is CertKind.AWARD


def test_issue_record_normalises_name():
    rec = make(name=unicodedata.normalize("NFD", " Zoë ") )
    assert rec.name == "Zoë"


def test_issue_record_refuses_number_mismatch():
    with pytest.raises(RecordError) as err:
        make(level=2)
    assert err.value.code == "number_mismatch"
    with pytest.raises(RecordError):
        make(issued_on=dt.date(2024, 12, 31))


def test_issue_record_refuses_invisible_characters():
    with pytest.raises(RecordError):
        make(name="张\u200b三")
    with pytest.raises(RecordError):
        make(name="张\u202e三")


def test_digest_is_canonical_and_sensitive():
    reordered = dict(reversed(list(FULL.items())))
    assert record_digest(reordered) == record_digest(FULL)
    assert record_digest({**FULL, "photo_sha256": "cd" * 32}) != record_digest(FULL)
    with pytest.raises(TypeError):
        record_digest([1, 2])


def test_helpers():
    assert parse_occupation("6-31-01-03") == 6310103
    assert format_occupation(6310103) == "6-31-01-03"
    assert parse_occupation("--") == 0 and format_occupation(0) == "--"
    with pytest.raises(RecordError):
        parse_occupation("6-31-1-03")
    cid = bytes(range(8))
    assert format_cert_id(cid) == "00010203-04050607"
    assert parse_cert_id("00010203-04050607") == cid
    assert date_from_days(days_from_date(dt.date(2031, 2, 3))) == dt.date(2031, 2, 3)


def _fields(rec: CertRecord) -> list:
    return msgspec.msgpack.decode(encode_record(rec))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda f: f + [0],  # extra field
        lambda f: f[:-1],  # missing field
        lambda f: [f[0], f[1].hex()] + f[2:],  # cert_id as str
        lambda f: f[:2] + [12345] + f[3:],  # number as int
        lambda f: f[:7] + ["3"] + f[8:],  # level as str
        lambda f: f[:7] + [True] + f[8:],  # level as bool
        lambda f: f[:10] + [2**64 - 1] + f[11:],  # huge status_index
        lambda f: f[:10] + [-1] + f[11:],
        lambda f: f[:8] + [10] + f[9:],  # issue date in 1970
        lambda f: [3] + f[1:],  # unknown kind
        lambda f: f[:4] + ["370102199001011234"] + f[5:],  # full ID in place of the mask
        lambda f: f[:11] + [b"x" * 15],  # short digest
        lambda f: f[:3] + [[[[["deep"]]]]] + f[4:],
        lambda f: dict(enumerate(f)),  # map instead of array
        lambda f: f[:3] + [{"alg": "none"}] + f[4:],
    ],
)
def test_strict_decode_rejects(mutate):
    body = msgspec.msgpack.encode(mutate(_fields(make())))
    with pytest.raises((msgspec.DecodeError, msgspec.ValidationError, ValueError)):
        decode_record(body)


def test_strict_decode_rejects_raw_malformations():
    body = encode_record(make())
    bad = [
        body + b"\x00",  # trailing byte
        body[:-1],  # truncated
        b"\xcf" + b"\xff" * 8,  # a huge integer alone
        b"\x91" * 5000 + b"\x01",  # deep nesting
        b"",
    ]
    for raw in bad:
        with pytest.raises((msgspec.DecodeError, msgspec.ValidationError, ValueError)):
            decode_record(raw)


def test_invalid_utf8_name_rejected():
    body = encode_record(make(name="张三"))
    name = "张三".encode()
    assert name in body
    with pytest.raises((msgspec.DecodeError, msgspec.ValidationError, ValueError)):
        decode_record(body.replace(name, b"\xff\xfe\xfd\xfc\xfb\xfa"))


def test_non_canonical_encoding_rejected():
    body = encode_record(make())
    assert body[1] == 1  # kind as positive fixint
    longer = body[:1] + b"\xcc\x01" + body[2:]  # same value as uint8
    assert msgspec.msgpack.decode(longer) == msgspec.msgpack.decode(body)
    with pytest.raises(RecordError) as err:
        decode_record(longer)
    assert err.value.code == "non_canonical"
