"""Issuing test fixtures: a fresh key store per test (in a temporary directory) and the shared world."""

from __future__ import annotations

import pytest

from certificates import KeyStore
from server.issuing.keyring import use_keystore


@pytest.fixture(autouse=True)
def keys(tmp_path):
    """A key store of this test only: root key + an active signing key."""
    store = KeyStore(tmp_path / "keys")
    store.generate()
    use_keystore(store)
    yield store
    use_keystore(None)
