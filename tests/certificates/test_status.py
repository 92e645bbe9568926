"""Signed status lists (offline status) and how verify() combines them with online status."""

import base64
import datetime as dt
import gzip
import json

import msgspec
import pytest

from certificates import (
    CertKind,
    CertStatus,
    KeyStore,
    StatusInfo,
    StatusList,
    StatusListError,
    VerificationState,
    build_status_list,
    format_skill_number,
    issue_record,
    sign_record,
    verify,
)
from certificates.keys import canonical_json
from certificates.status import STATUS_DOMAIN, STATUS_LIST_MIN_SIZE, StatusListDocument, _SignedStatusList

NOW = dt.datetime(2025, 6, 10, 2, 0, tzinfo=dt.UTC)
S = VerificationState


@pytest.fixture
def store(tmp_path):
    s = KeyStore(tmp_path / "keys")
    s.generate(now=NOW - dt.timedelta(days=60))
    return s


def cert(store, issued_on=dt.date(2025, 6, 1), status_index=None):
    rec = issue_record(
        kind=CertKind.SKILL_LEVEL, number=format_skill_number("S", "0001", "37", "000001", 2025, 4, 7), name="张三",
        resident_id="370102199001011234", occupation="6-31-01-03", work_type=0, level=4, issued_on=issued_on,
        issuer=1, full_record={"k": 1}, status_index=status_index,
    )
    return rec, sign_record(rec, store, now=NOW)[1]


def test_list_round_trip_and_size(store):
    doc = build_status_list({0: CertStatus.REVOKED, 5: 2, 131071: CertStatus.SUPERSEDED}, keystore=store, sequence=1, now=NOW)
    sl = StatusList.load(doc, store.root_public_key())
    assert sl.size == STATUS_LIST_MIN_SIZE >= 131072
    assert [sl.code_at(i) for i in (0, 1, 5, 131071)] == [1, 0, 2, 3]
    assert len(doc) < 4096  # gzip: a mostly-valid list is small


def test_offline_statuses_through_verify(store):
    revoked, t_revoked = cert(store, status_index=10)
    suspended, t_suspended = cert(store, status_index=11)
    superseded, t_superseded = cert(store, status_index=12)
    fine, t_fine = cert(store, status_index=13)
    entries = {10: CertStatus.REVOKED, 11: CertStatus.SUSPENDED, 12: CertStatus.SUPERSEDED}
    sl = StatusList.load(build_status_list(entries, keystore=store, sequence=3, now=NOW), store.root_public_key())
    keyset = store.keyset()
    assert verify(t_revoked, keyset, status_list=sl, now=NOW).state is S.REVOKED
    assert verify(t_suspended, keyset, status_list=sl, now=NOW).state is S.SUSPENDED
    assert verify(t_superseded, keyset, status_list=sl, now=NOW).state is S.SUPERSEDED
    result = verify(t_fine, keyset, status_list=sl, now=NOW)
    assert result.state is S.VALID and result.status.source == "status_list"


def test_stale_list_gives_unknown(store):
    rec, text = cert(store, status_index=3)
    sl = StatusList.load(
        build_status_list({3: CertStatus.REVOKED}, keystore=store, sequence=1, now=NOW, valid_for=dt.timedelta(days=1)),
        store.root_public_key(),
    )
    later = NOW + dt.timedelta(days=2)
    assert sl.lookup(3, rec.issue_date, later) is None
    result = verify(text, store.keyset(), status_list=sl, now=later)
    assert result.state is S.VALID_STATUS_UNKNOWN and any("status list" in w for w in result.warnings)


def test_certificate_newer_than_list_is_unknown_not_revoked(store):
    # valera#240: a freshly issued certificate is not yet in the published list.
    sl = StatusList.load(build_status_list({}, keystore=store, sequence=1, now=NOW), store.root_public_key())
    _, same_day = cert(store, issued_on=dt.date(2025, 6, 10), status_index=99)
    result = verify(same_day, store.keyset(), status_list=sl, now=NOW + dt.timedelta(hours=5))
    assert result.state is S.VALID_STATUS_UNKNOWN


def test_online_answer_wins_over_list(store):
    rec, text = cert(store, status_index=1)
    sl = StatusList.load(build_status_list({1: CertStatus.REVOKED}, keystore=store, sequence=1, now=NOW), store.root_public_key())
    assert verify(text, store.keyset(), lambda c: StatusInfo.valid(), status_list=sl, now=NOW).state is S.VALID
    # No online answer: the list decides.
    assert verify(text, store.keyset(), lambda c: None, status_list=sl, now=NOW).state is S.REVOKED


def test_tampered_list_rejected(store):
    doc = json.loads(build_status_list({1: CertStatus.REVOKED}, keystore=store, sequence=1, now=NOW))
    doc["status_list"]["list"] = base64.b64encode(gzip.compress(bytes(STATUS_LIST_MIN_SIZE // 4), mtime=0)).decode()
    with pytest.raises(StatusListError) as err:
        StatusList.load(json.dumps(doc), store.root_public_key())
    assert err.value.code == "bad_signature"


def test_list_from_other_root_rejected(store, tmp_path):
    other = KeyStore(tmp_path / "other")
    other.generate()
    with pytest.raises(StatusListError) as err:
        StatusList.load(build_status_list({}, keystore=other, sequence=1, now=NOW), store.root_public_key())
    assert err.value.code == "bad_signature"


def test_list_rollback_rejected(store):
    old = build_status_list({}, keystore=store, sequence=4, now=NOW)
    with pytest.raises(StatusListError) as err:
        StatusList.load(old, store.root_public_key(), min_sequence=5)
    assert err.value.code == "rollback"


def _sign_doc(store, doc: StatusListDocument) -> bytes:
    sig = store.sign_with_root(STATUS_DOMAIN, canonical_json(doc))
    return msgspec.json.encode(_SignedStatusList(status_list=doc, signature=sig))


def test_decompression_bomb_capped(store):
    bomb = base64.b64encode(gzip.compress(bytes(64 * 1024 * 1024), mtime=0)).decode()
    doc = StatusListDocument(sequence=1, issued_at=NOW, next_update=NOW + dt.timedelta(days=1), size=STATUS_LIST_MIN_SIZE, list=bomb)
    with pytest.raises(StatusListError):
        StatusList.load(_sign_doc(store, doc), store.root_public_key())


def test_too_small_list_rejected(store):
    small = base64.b64encode(gzip.compress(bytes(1024), mtime=0)).decode()
    doc = StatusListDocument(sequence=1, issued_at=NOW, next_update=NOW, size=4096, list=small)
    with pytest.raises(StatusListError):
        StatusList.load(_sign_doc(store, doc), store.root_public_key())


def test_build_rejects_bad_entries(store):
    with pytest.raises(ValueError):
        build_status_list({STATUS_LIST_MIN_SIZE: CertStatus.REVOKED}, keystore=store, sequence=1)
    with pytest.raises(ValueError):
        build_status_list({1: 4}, keystore=store, sequence=1)
