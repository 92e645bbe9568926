"""Key store: file permissions, generate/rotate/retire/compromise, and the root-signed key set document."""

import datetime as dt
import json
import os
import stat

import msgspec
import pytest

from certificates.keys import (
    KeySet,
    KeySetError,
    KeyState,
    KeyStore,
    KeyStoreError,
    PublishedKey,
    kid_of,
    load_root_public_key,
)

T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path):
    s = KeyStore(tmp_path / "keys")
    s.generate(now=T0)
    return s


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_generate_creates_private_files_0600(store):
    d = store.directory
    assert _mode(d) == 0o700
    assert _mode(d / "signing") == 0o700
    assert _mode(d / "root.pem") == 0o600
    pems = list((d / "signing").glob("*.pem"))
    assert len(pems) == 1 and _mode(pems[0]) == 0o600
    assert b"PRIVATE KEY" in pems[0].read_bytes()


def test_private_keys_0600_even_with_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        s = KeyStore(tmp_path / "k")
        s.generate()
        s.rotate()
    finally:
        os.umask(old)
    assert all(_mode(p) == 0o600 for p in (tmp_path / "k").rglob("*.pem"))
    assert _mode(tmp_path / "k") == 0o700


def test_default_directory_from_env(tmp_path, monkeypatch):
    monkeypatch.setenv("JINENG_KEYS_DIR", str(tmp_path / "envkeys"))
    assert KeyStore().directory == tmp_path / "envkeys"
    monkeypatch.delenv("JINENG_KEYS_DIR")
    assert str(KeyStore().directory) == os.path.join("var", "keys")


def test_generate_is_idempotent(store):
    first = store.active_key()
    assert store.generate() == first
    assert len(store.list_keys()) == 1


def test_kid_is_sha256_prefix(store):
    info = store.active_key()
    assert bytes.fromhex(info.kid) == kid_of(bytes.fromhex(info.public_key))


def test_rotate_retires_previous(store):
    old = store.active_key()
    t1 = T0 + dt.timedelta(days=30)
    new = store.rotate(now=t1)
    keys = {k.fingerprint: k for k in store.list_keys()}
    assert keys[old.fingerprint].state is KeyState.RETIRED
    assert keys[old.fingerprint].retired_at == t1
    assert keys[new.fingerprint].state is KeyState.ACTIVE
    assert sum(k.state is KeyState.ACTIVE for k in keys.values()) == 1
    assert store.signer()[2].fingerprint == new.fingerprint


def test_retire_and_compromise(store):
    key = store.active_key()
    retired = store.retire(key.kid, now=T0 + dt.timedelta(days=3))
    assert retired.state is KeyState.RETIRED
    assert store.active_key() is None
    with pytest.raises(KeyStoreError):
        store.signer()
    with pytest.raises(KeyStoreError):
        store.retire(key.kid)
    at = T0 + dt.timedelta(days=2)
    comp = store.compromise(key.fingerprint[:8], at=at)
    assert comp.state is KeyState.COMPROMISED and comp.compromised_at == at
    # A later report never moves the compromise time forward.
    assert store.compromise(key.kid, at=at + dt.timedelta(days=5)).compromised_at == at


def test_find_refuses_ambiguous_and_unknown(store):
    with pytest.raises(KeyStoreError):
        store.find("ffff" if store.active_key().kid != "ffff" else "fffe")
    with pytest.raises(KeyStoreError):
        store.find("ab")


def test_metadata_reloaded_after_change_by_another_process(store):
    other = KeyStore(store.directory)
    new = other.rotate()
    assert store.active_key().fingerprint == new.fingerprint


def test_no_store_is_a_clear_error(tmp_path):
    with pytest.raises(KeyStoreError):
        KeyStore(tmp_path / "none").list_keys()


# ------------------------------------------------------------------------------------------- key set document


def test_publish_and_load(store):
    store.rotate(now=T0 + dt.timedelta(days=10))
    doc = store.publish(now=T0 + dt.timedelta(days=10), names={"issuer": {"137": "济宁市技师学院"}})
    ks = KeySet.load(doc, store.root_public_key())
    assert ks.sequence == 1
    assert len(ks.keys) == 2
    assert {k.state for k in ks.keys} == {KeyState.ACTIVE, KeyState.RETIRED}
    assert ks.display_name("issuer", "137") == "济宁市技师学院"
    assert ks.next_update == T0 + dt.timedelta(days=17)
    assert KeySet.load(store.publish(), store.root_public_key()).sequence == 2


def _tamper(doc: bytes, fn) -> bytes:
    data = json.loads(doc)
    fn(data)
    return json.dumps(data, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    "fn",
    [
        lambda d: d["keyset"]["keys"][0].update(state="active", retired_at=None),
        lambda d: d["keyset"]["keys"][0].update(compromised_at=None, state="retired"),
        lambda d: d["keyset"].update(sequence=d["keyset"]["sequence"] + 100),
        lambda d: d["keyset"].update(next_update="2099-01-01T00:00:00Z"),
        lambda d: d["keyset"]["names"].update(issuer={"137": "假机构"}),
        lambda d: d["keyset"]["keys"].pop(),
        lambda d: d.update(signature=d["signature"][:-4] + "AAA="),
    ],
)
def test_tampered_key_set_rejected(store, fn):
    key = store.active_key()
    store.compromise(key.kid, at=T0 + dt.timedelta(days=1))
    store.rotate()
    doc = store.publish(names={"issuer": {"137": "济宁市技师学院"}})
    KeySet.load(doc, store.root_public_key())  # untouched: fine
    with pytest.raises(KeySetError) as err:
        KeySet.load(_tamper(doc, fn), store.root_public_key())
    assert err.value.code == "bad_signature"


def test_key_set_with_extra_field_rejected(store):
    doc = _tamper(store.publish(), lambda d: d["keyset"].update(alg="none"))
    with pytest.raises(KeySetError) as err:
        KeySet.load(doc, store.root_public_key())
    assert err.value.code == "malformed"


def test_pretty_printing_does_not_break_signature(store):
    doc = store.publish()
    reformatted = json.dumps(json.loads(doc), indent=4, ensure_ascii=True).encode()
    assert KeySet.load(reformatted, store.root_public_key()).sequence == 1


def test_key_set_rollback_rejected(store):
    old = store.publish()
    new = store.publish()
    root = store.root_public_key()
    cached = KeySet.load(new, root).sequence
    assert KeySet.load(new, root, min_sequence=cached).sequence == 2
    with pytest.raises(KeySetError) as err:
        KeySet.load(old, root, min_sequence=cached)
    assert err.value.code == "rollback"


def test_key_set_from_other_root_rejected(store, tmp_path):
    other = KeyStore(tmp_path / "other")
    other.generate()
    with pytest.raises(KeySetError) as err:
        KeySet.load(other.publish(), store.root_public_key())
    assert err.value.code == "bad_signature"


def test_key_set_refuses_key_with_wrong_kid(store):
    info = store.active_key().published()
    wrong = "0000" if info.kid != "0000" else "0001"
    with pytest.raises(KeySetError):
        KeySet([msgspec.structs.replace(info, kid=wrong)])
    assert isinstance(info, PublishedKey)


def test_stale_key_set(store):
    ks = KeySet.load(store.publish(now=T0, valid_for=dt.timedelta(days=7)), store.root_public_key())
    assert not ks.is_stale(T0 + dt.timedelta(days=6))
    assert ks.is_stale(T0 + dt.timedelta(days=8))


def test_load_root_public_key_forms(store, tmp_path):
    root = store.root_public_key()
    assert load_root_public_key(root.hex()) == root
    (tmp_path / "root.hex").write_text(root.hex() + "\n")
    assert load_root_public_key(str(tmp_path / "root.hex")) == root
    with pytest.raises(ValueError):
        load_root_public_key("abcd")


def test_passphrase_encrypts_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("JINENG_KEYS_PASSPHRASE", "correct horse")
    s = KeyStore(tmp_path / "enc")
    s.generate()
    assert b"ENCRYPTED PRIVATE KEY" in (tmp_path / "enc" / "root.pem").read_bytes()
    assert s.publish()
    monkeypatch.setenv("JINENG_KEYS_PASSPHRASE", "wrong")
    with pytest.raises(ValueError):
        KeyStore(tmp_path / "enc").publish()
