"""Attack and bad-input cases (docs/certificates.md, "What the tests attack") against verify().

Every case checks the verdict *and* that it was reached on purpose: the internal-error safety net of
verify() must never be what stops an attack.
"""

import datetime as dt
import os
import unicodedata

import msgspec
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates import (
    CertKind,
    CertRecord,
    KeySet,
    KeyStore,
    StatusInfo,
    VerificationState,
    contains_id_pattern,
    encode_record,
    format_cert_id,
    format_skill_number,
    issue_record,
    sign_record,
    verify,
)
from certificates.envelope import b32encode, build_envelope, make_qr_text, split_qr_text
from certificates.keys import KeyState, PublishedKey, kid_of

NOW = dt.datetime(2025, 6, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing
TODAY = dt.date(2025, 6, 10)
KEY_T0 = NOW - dt.timedelta(days=30)
PREFIX = "HTTP://127.0.0.1:8000/C/"
RESIDENT_ID = "370102199001011234"
S = VerificationState
INTERNAL = "could not be verified (internal error)"


@pytest.fixture
def store(tmp_path):
    s = KeyStore(tmp_path / "keys")
    s.generate(now=KEY_T0)
    return s


def record(**over) -> CertRecord:
    issued = over.pop("issued_on", TODAY)
    level = over.pop("level", 3)
    fields = dict(
        kind=CertKind.SKILL_LEVEL,
        number=format_skill_number("Y", "0001", "37", "000001", issued.year, level, 42),
        name="欧阳𠮷䶮",
        resident_id=RESIDENT_ID,
        occupation="6-31-01-03",
        work_type=0,
        level=level,
        issued_on=issued,
        issuer=137,
        full_record={"photo_sha256": "ab" * 32, "id_tag": "…"},
    )
    fields.update(over)
    return issue_record(**fields)


def sign(store, rec=None, now=NOW) -> tuple[bytes, str]:
    return sign_record(rec or record(), store, url_prefix=PREFIX, now=now)


def sign_raw(store, body: bytes) -> str:
    """Sign arbitrary body bytes with the store's real active key (what a buggy or tricked issuer could emit)."""
    kid, key, _ = store.signer()
    return make_qr_text(build_envelope(body, key, kid), PREFIX)


def text_of(envelope: bytes) -> str:
    return make_qr_text(envelope, PREFIX)


def valid_status(_cert_id):
    return StatusInfo.valid()


def run(text, keyset, source=valid_status, **kw):
    result = verify(text, keyset, source, now=kw.pop("now", NOW), **kw)
    assert result.reason != INTERNAL, "verify() hit its internal-error safety net"
    assert result.valid == (result.state is S.VALID)
    return result


# ---------------------------------------------------------------------------------------------- the baseline


def test_genuine_certificate_is_valid(store):
    rec = record()
    env, text = sign(store)
    result = run(text, store.keyset())
    assert result.state is S.VALID and result.valid
    facts = result.facts
    assert facts.name == "欧阳𠮷䶮" and facts.masked_id == "370***********1234"
    assert facts.number == rec.number and facts.level == "三级/高级工" and facts.issued_on == TODAY
    assert facts.occupation_code == "6-31-01-03" and facts.work_type == "--" and facts.issuer == "137"
    assert result.key.kid == store.active_key().kid and result.key.state == "active"
    assert split_qr_text(text)[1] == env


def test_names_from_signed_key_set(store):
    _, text = sign(store)
    store.set_names({"issuer": {"137": "济宁市技师学院"}, "occupation": {"6-31-01-03": "电工"}})
    keyset = KeySet.load(store.publish(now=NOW), store.root_public_key())
    facts = run(text, keyset).facts
    assert facts.issuer == "济宁市技师学院" and facts.occupation == "6-31-01-03 电工"


# ----------------------------------------------------------------------------------- cryptography / encoding


@pytest.mark.parametrize("signature", [bytes(64), b"\xff" * 64, os.urandom(64)])
def test_forged_or_zeroed_signature(store, signature):
    env, _ = sign(store)
    assert run(text_of(env[:-64] + signature), store.keyset()).state is S.INVALID_SIGNATURE


def test_attacker_key_reusing_real_kid(store):
    env, _ = sign(store)
    attacker = Ed25519PrivateKey.generate()
    forged = build_envelope(env[3:-64], attacker, env[1:3])  # real kid, attacker's valid signature
    result = run(text_of(forged), store.keyset())
    assert result.state is S.INVALID_SIGNATURE and result.facts is None


def _colliding_keys() -> tuple[Ed25519PrivateKey, Ed25519PrivateKey]:
    seen: dict[bytes, Ed25519PrivateKey] = {}
    while True:  # ~320 keys on average for a 2-byte kid (birthday bound)
        key = Ed25519PrivateKey.generate()
        kid = kid_of(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
        if kid in seen:
            return seen[kid], key
        seen[kid] = key


def _published(key: Ed25519PrivateKey) -> PublishedKey:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PublishedKey(kid=kid_of(raw).hex(), public_key=raw.hex(), state=KeyState.ACTIVE, active_from=KEY_T0)


def test_two_keys_share_a_kid_second_verifies():
    first, second = _colliding_keys()
    keyset = KeySet([_published(first), _published(second)])
    kid = bytes.fromhex(_published(second).kid)
    assert len(keyset.candidates(kid)) == 2
    body = encode_record(record())
    result = run(text_of(build_envelope(body, second, kid)), keyset)
    assert result.state is S.VALID
    assert result.key.fingerprint != keyset.candidates(kid)[0].fingerprint
    # And a signature by neither key sharing the kid is still refused.
    assert run(text_of(build_envelope(body, Ed25519PrivateKey.generate(), kid)), keyset).state is S.INVALID_SIGNATURE


def test_unknown_kid(store):
    env, _ = sign(store)
    real = env[1:3]
    other = bytes([real[0] ^ 0xFF, real[1]])
    result = run(text_of(env[:1] + other + env[3:]), store.keyset())
    assert result.state is S.UNKNOWN_KEY


def test_kid_changed_to_another_real_key(store):
    env, _ = sign(store)
    store.rotate(now=NOW)
    new_kid = bytes.fromhex(store.active_key().kid)
    if new_kid == env[1:3]:
        pytest.skip("the two keys happen to share a kid")
    assert run(text_of(env[:1] + new_kid + env[3:]), store.keyset()).state is S.INVALID_SIGNATURE


def test_swapped_payload_and_signature(store):
    env_a, _ = sign(store, record(name="张三"))
    env_b, _ = sign(store, record(name="李四"))
    assert run(text_of(env_a[:-64] + env_b[-64:]), store.keyset()).state is S.INVALID_SIGNATURE
    assert run(text_of(env_b[:-64] + env_a[-64:]), store.keyset()).state is S.INVALID_SIGNATURE


def test_every_single_bit_flip_is_never_valid(store):
    env, _ = sign(store)
    keyset = store.keyset()
    states = set()
    for i in range(len(env) * 8):
        flipped = bytearray(env)
        flipped[i // 8] ^= 1 << (i % 8)
        result = run(text_of(bytes(flipped)), keyset)
        assert not result.valid
        assert result.state is not S.VALID_STATUS_UNKNOWN
        states.add(result.state)
    assert states <= {S.INVALID_SIGNATURE, S.UNKNOWN_KEY, S.MALFORMED, S.UNSUPPORTED_VERSION}


def test_every_qr_character_change_is_never_valid(store):
    _, text = sign(store)
    keyset = store.keyset()
    payload_start = len(PREFIX)
    for i in range(payload_start, len(text)):
        for replacement in "A7Q":
            if text[i] != replacement:
                changed = text[:i] + replacement + text[i + 1 :]
                assert not run(changed, keyset).valid


def test_truncated_qr_text_at_every_length(store):
    _, text = sign(store)
    keyset = store.keyset()
    for n in range(len(text)):
        result = run(text[:n], keyset)
        assert result.state is S.MALFORMED, (n, result.state)


def test_truncated_envelope_at_every_length(store):
    env, _ = sign(store)
    keyset = store.keyset()
    for n in range(1, len(env)):
        assert run(text_of(env[:n]), keyset).state is S.MALFORMED


@pytest.mark.parametrize("extra", [b"\x00", b"\x00" * 5, b"AAAA", os.urandom(1), os.urandom(64)])
def test_trailing_bytes_after_signature(store, extra):
    env, _ = sign(store)
    assert run(text_of(env + extra), store.keyset()).state is S.MALFORMED


@pytest.mark.parametrize("extra", ["A", "AA", "AAA", "AAAA", "AAAAAAAA", "7", "Q"])
def test_extra_base32_characters(store, extra):
    _, text = sign(store)
    assert run(text + extra, store.keyset()).state is S.MALFORMED


def test_non_canonical_base32(store):
    # Pick a record whose envelope length leaves pad bits in the last Base32 character.
    names = ["张三", "张三丰", "欧阳三丰", "欧阳𠮷", "司马𠮷䶮"]
    env = next(e for e in (sign(store, record(name=n))[0] for n in names) if len(e) % 5)
    text = text_of(env)
    keyset = store.keyset()
    assert run(text, keyset).state is S.VALID
    payload = text[len(PREFIX) :]
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".index(payload[-1])
    pad_bits = (8 * len(env)) % 5 and 5 - (8 * len(env)) % 5
    assert pad_bits
    nonzero_pad = PREFIX + payload[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[last | 1]
    variants = [
        PREFIX + payload.lower(),
        PREFIX + payload[:10].lower() + payload[10:],
        text + "=" * (-len(payload) % 8),
        text + "=",
        PREFIX + payload[:20] + " " + payload[20:],
        " " + text,
        text + " ",
        text + "\n",
        text + "\r\n",
        PREFIX + " " + payload,
        nonzero_pad,
        text.replace("/C/", "/C//"),
    ]
    for variant in variants:
        assert run(variant, keyset).state is S.MALFORMED, variant


def test_case_insensitive_scheme_and_host_still_verify(store):
    _, text = sign(store)
    lowered = "http://127.0.0.1:8000/c/" + text[len(PREFIX) :]
    assert run(lowered, store.keyset()).state is S.VALID


@pytest.mark.parametrize("version", [0, 2, 0x81, 0xFF])
def test_unsupported_version(store, version):
    env, _ = sign(store)
    assert run(text_of(bytes([version]) + env[1:]), store.keyset()).state is S.UNSUPPORTED_VERSION


def test_alg_none_fields_are_ignored(store):
    env, text = sign(store)
    keyset = store.keyset()
    fields = msgspec.msgpack.decode(env[3:-64])
    # A signed body carrying an "alg" claim is just malformed data: nothing in the data picks an algorithm.
    assert run(sign_raw(store, msgspec.msgpack.encode(fields + [{"alg": "none"}])), keyset).state is S.MALFORMED
    assert run(sign_raw(store, msgspec.msgpack.encode({"alg": "none", "record": fields})), keyset).state is S.MALFORMED
    # Unsigned "alg: none" envelopes, with an empty or zero signature, never pass.
    for sig in (b"", bytes(64)):
        forged = b"\x01" + env[1:3] + msgspec.msgpack.encode({"alg": "none"}) + sig
        assert not run(text_of(forged), keyset).valid
    assert run(text_of(env[:-64] + bytes(64)), keyset).state is S.INVALID_SIGNATURE
    assert run(text + "?alg=none", keyset).state is S.MALFORMED
    assert run(text + "#alg=none", keyset).state is S.MALFORMED


def test_oversized_input_rejected_before_parsing(store):
    keyset = store.keyset()
    for blob in ("A" * 1_000_000, PREFIX + "A" * 1_000_000, b"A" * 1_000_000, "€" * 1_000_000):
        result = run(blob, keyset)
        assert result.state is S.MALFORMED and "too long" in result.reason


def _signed_fields(store):
    env, _ = sign(store)
    return msgspec.msgpack.decode(env[3:-64])


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda f: f + [0], id="extra-field"),
        pytest.param(lambda f: f[:-1], id="missing-field"),
        pytest.param(lambda f: [], id="empty-array"),
        pytest.param(lambda f: f[:2] + [int(f[2][1:])] + f[3:], id="number-as-int"),
        pytest.param(lambda f: f[:7] + ["3"] + f[8:], id="level-as-str"),
        pytest.param(lambda f: f[:7] + [3.0] + f[8:], id="level-as-float"),
        pytest.param(lambda f: f[:7] + [True] + f[8:], id="level-as-bool"),
        pytest.param(lambda f: [f[0], f[1].hex()] + f[2:], id="cert-id-as-str"),
        pytest.param(lambda f: f[:10] + [2**64 - 1] + f[11:], id="huge-int"),
        pytest.param(lambda f: f[:10] + [-(2**63)] + f[11:], id="huge-negative-int"),
        pytest.param(lambda f: f[:3] + [None] + f[4:], id="null-name"),
        pytest.param(lambda f: f[:3] + [""] + f[4:], id="empty-name"),
        pytest.param(lambda f: f[:4] + [RESIDENT_ID] + f[5:], id="full-id-number"),
        pytest.param(lambda f: f[:3] + [[[[[[[[["x"]]]]]]]]] + f[4:], id="nested"),
        pytest.param(lambda f: dict(enumerate(f)), id="map"),
        pytest.param(lambda f: [9] + f[1:], id="unknown-kind"),
    ],
)
def test_malformed_messagepack_signed_by_real_key(store, mutate):
    body = msgspec.msgpack.encode(mutate(_signed_fields(store)))
    assert run(sign_raw(store, body), store.keyset()).state is S.MALFORMED


def test_malformed_raw_messagepack_signed_by_real_key(store):
    env, _ = sign(store)
    body = env[3:-64]
    name = "欧阳𠮷䶮".encode()
    bodies = [
        body.replace(name, b"\xff" * len(name)),  # invalid UTF-8
        body.replace(name, b"\xed\xa0\x80" + name[3:]),  # UTF-8 encoded surrogate
        b"\x91" * 100_000 + b"\x01",  # deep nesting
        b"\xdd\xff\xff\xff\xff",  # array header claiming 4 billion items
        b"\xcf" + b"\xff" * 8,  # bare huge integer
        body + b"\xc0",  # trailing nil inside the signed body
        body[:1] + b"\xcc\x01" + body[2:],  # non-canonical integer encoding
        b"\xc1",  # never-used byte
    ]
    keyset = store.keyset()
    for raw in bodies:
        assert run(sign_raw(store, raw), keyset).state is S.MALFORMED


# ------------------------------------------------------------------------------------------ content checks


def _raw_record(**over) -> CertRecord:
    return msgspec.structs.replace(record(), **over)


def test_number_year_mismatch(store):
    wrong = format_skill_number("Y", "0001", "37", "000001", 2024, 3, 42)
    result = run(sign_raw(store, encode_record(_raw_record(number=wrong))), store.keyset())
    assert result.state is S.MALFORMED and result.detail == "number_mismatch"
    assert result.facts is None


def test_number_level_mismatch(store):
    # A genuine 五级 number under a signed 二级 level (or the QR of one pasted onto the other's template).
    five = format_skill_number("Y", "0001", "37", "000001", 2025, 5, 42)
    result = run(sign_raw(store, encode_record(_raw_record(number=five, level=2))), store.keyset())
    assert result.state is S.MALFORMED and result.detail == "number_mismatch"


def test_nfd_name_in_signed_record_is_malformed(store):
    nfd = unicodedata.normalize("NFD", "Zoë Wáng")
    result = run(sign_raw(store, encode_record(_raw_record(name=nfd))), store.keyset())
    assert result.state is S.MALFORMED and result.detail == "name_not_normalised"


def test_nfd_input_is_signed_as_nfc(store):
    _, text = sign(store, record(name=unicodedata.normalize("NFD", "Zoë Wáng")))
    assert run(text, store.keyset()).facts.name == unicodedata.normalize("NFC", "Zoë Wáng")


# --------------------------------------------------------------------------------------------- lifecycle


def test_revoked(store):
    _, text = sign(store)
    result = run(text, store.keyset(), lambda cid: StatusInfo.revoked("obtained by fraud"))
    assert result.state is S.REVOKED and result.reason == "obtained by fraud" and not result.valid
    assert result.facts is not None  # the page shows what was revoked


def test_suspended_then_reinstated(store):
    rec = record()
    _, text = sign(store, rec)
    statuses = {rec.cert_id: StatusInfo.suspended("under review")}
    assert run(text, store.keyset(), statuses.get).state is S.SUSPENDED
    statuses[rec.cert_id] = StatusInfo.valid()
    assert run(text, store.keyset(), statuses.get).state is S.VALID


def test_superseded_points_to_replacement(store):
    old, new = record(name="张三"), record(name="张三", work_type=5)
    _, text = sign(store, old)
    source = {old.cert_id: StatusInfo.superseded(new.cert_id, new.number)}.get
    result = run(text, store.keyset(), source)
    assert result.state is S.SUPERSEDED
    assert result.status.replacement_id == format_cert_id(new.cert_id)
    assert result.status.replacement_number == new.number


def _boom(_cert_id):
    raise ConnectionError("status service down")


@pytest.mark.parametrize(
    "source",
    [None, lambda cid: None, _boom, lambda cid: "valid", lambda cid: {"status": "valid"}],
    ids=["no-source", "unknown", "raises", "garbage-str", "garbage-dict"],
)
def test_status_unknown_is_never_green(store, source):
    _, text = sign(store)
    result = verify(text, store.keyset(), source, now=NOW)
    assert result.state is S.VALID_STATUS_UNKNOWN and not result.valid
    assert result.facts is not None


def test_stale_key_set_is_never_green(store):
    _, text = sign(store)
    keyset = KeySet.load(store.publish(now=NOW, valid_for=dt.timedelta(days=7)), store.root_public_key())
    assert run(text, keyset, now=NOW + dt.timedelta(days=1)).state is S.VALID
    stale = run(text, keyset, now=NOW + dt.timedelta(days=8))
    assert stale.state is S.VALID_STATUS_UNKNOWN and stale.warnings
    # A known revocation still shows as revoked.
    assert run(text, keyset, lambda c: StatusInfo.revoked(), now=NOW + dt.timedelta(days=8)).state is S.REVOKED


def test_retired_key_inside_and_after_window(store):
    _, inside = sign(store, record(issued_on=TODAY))
    retire_at = NOW + dt.timedelta(days=1)
    old_kid = store.active_key().kid
    store.rotate(now=retire_at)
    keyset = store.keyset()
    later = NOW + dt.timedelta(days=200)
    result = run(inside, keyset, now=later)
    assert result.state is S.VALID and result.key.state == "retired" and result.key.kid == old_kid
    # The retired key's private half signs a certificate dated after retirement (e.g. stolen from a backup).
    info = next(k for k in store.list_keys() if k.kid == old_kid)
    old_private = serialization.load_pem_private_key((store.directory / info.file).read_bytes(), None)
    body = encode_record(record(issued_on=TODAY + dt.timedelta(days=30)))
    after = text_of(build_envelope(body, old_private, bytes.fromhex(old_kid)))
    result = run(after, keyset, now=later)
    assert result.state is S.KEY_NOT_VALID_AT_ISSUE and result.facts is None
    assert "retired" in result.reason


def _stolen(store, issued_on):
    kid, key, _ = store.signer()
    return text_of(build_envelope(encode_record(record(issued_on=issued_on)), key, kid))


def test_compromised_key(store):
    before = _stolen(store, TODAY - dt.timedelta(days=5))
    on_day = _stolen(store, TODAY)
    after = _stolen(store, TODAY + dt.timedelta(days=3))
    key = store.active_key()
    store.compromise(key.kid, at=NOW)
    store.rotate(now=NOW)
    keyset = store.keyset()
    later = NOW + dt.timedelta(days=10)
    ok = run(before, keyset, now=later)
    assert ok.state is S.VALID and ok.key.state == "compromised" and ok.warnings
    assert run(on_day, keyset, now=later).state is S.KEY_NOT_VALID_AT_ISSUE
    assert run(after, keyset, now=later).state is S.KEY_NOT_VALID_AT_ISSUE


def test_compromised_key_with_issuance_log(store):
    logged_rec = record(issued_on=TODAY - dt.timedelta(days=5), name="张三")
    forged_rec = record(issued_on=TODAY - dt.timedelta(days=5), name="王五")  # back-dated by the thief
    kid, key, _ = store.signer()
    logged = text_of(build_envelope(encode_record(logged_rec), key, kid))
    forged = text_of(build_envelope(encode_record(forged_rec), key, kid))
    store.compromise(kid.hex(), at=NOW)
    keyset = store.keyset()
    log = {logged_rec.cert_id}
    assert run(logged, keyset, issuance_log=log).state is S.VALID
    assert run(forged, keyset, issuance_log=log).state is S.KEY_NOT_VALID_AT_ISSUE
    assert run(logged, keyset, issuance_log={logged_rec.record_digest}).state is S.VALID


def test_clock_skew_and_future_issue_date(store):
    kid, key, _ = store.signer()
    tomorrow = text_of(build_envelope(encode_record(record(issued_on=TODAY + dt.timedelta(days=1))), key, kid))
    assert run(tomorrow, store.keyset()).state is S.VALID  # one day of tolerance
    far = text_of(build_envelope(encode_record(record(issued_on=TODAY + dt.timedelta(days=3))), key, kid))
    result = run(far, store.keyset())
    assert result.state is S.KEY_NOT_VALID_AT_ISSUE and "future" in result.reason


def test_unexpected_host_warns_but_verifies(store):
    _, text = sign(store)
    result = run(text, store.keyset(), expected_prefix="HTTPS://V.JINENG.EXAMPLE.CN/C/")
    assert result.state is S.VALID and any("expected" in w for w in result.warnings)
    phishing = "HTTPS://V.J1NENG.EXAMPLE.CN/C/" + text[len(PREFIX) :]
    assert run(phishing, store.keyset(), expected_prefix="HTTPS://V.JINENG.EXAMPLE.CN/C/").warnings


# ----------------------------------------------------------------------------------------------- privacy


@pytest.mark.parametrize("resident_id", [RESIDENT_ID, "11010519491231002X", "650102200012319999"])
def test_no_id_number_in_qr_text_or_result(store, resident_id):
    rec = record(resident_id=resident_id)
    _, text = sign(store, rec)
    assert not contains_id_pattern(text)
    for state_source in (valid_status, lambda c: StatusInfo.revoked("x"), None):
        result = verify(text, store.keyset(), state_source, now=NOW)
        blob = result.to_json().decode()
        assert not contains_id_pattern(blob)
        assert resident_id not in blob and resident_id[3:-4] not in blob


# ----------------------------------------------------------------------------------------- property tests


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=400), st.binary(max_size=400), st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", max_size=400)))
def test_arbitrary_input_never_raises_never_valid(store, data):
    result = run(data, store.keyset())
    assert not result.valid


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_random_envelope_edits_never_valid(store, data):
    env, _ = sign(store)
    pos = data.draw(st.integers(0, 10_000)) % len(env)  # envelope length varies with random ids
    op = data.draw(st.sampled_from(["replace", "insert", "delete"]))
    byte = data.draw(st.integers(0, 255))
    mutated = bytearray(env)
    if op == "replace":
        if mutated[pos] == byte:
            return
        mutated[pos] = byte
    elif op == "insert":
        mutated.insert(pos, byte)
    else:
        del mutated[pos]
    assert not run(text_of(bytes(mutated)), store.keyset()).valid


def test_body_that_is_valid_msgpack_for_another_layout(store):
    # Same values, in a JSON-like map a different verifier might accept: still rejected.
    fields = _signed_fields(store)
    keys = ["kind", "cert_id", "number", "name", "masked_id", "occupation", "work_type", "level", "issued_on",
            "issuer", "status_index", "record_digest"]
    body = msgspec.msgpack.encode(dict(zip(keys, fields)))
    assert run(sign_raw(store, body), store.keyset()).state is S.MALFORMED


def test_b32_of_envelope_is_what_the_qr_carries(store):
    env, text = sign(store)
    assert text == PREFIX + b32encode(env)
