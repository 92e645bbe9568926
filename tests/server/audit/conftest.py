"""Each audit test gets its own audit key and checkpoint file (they live outside the database, which the
suite empties before every test)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def audit_dir(tmp_path, monkeypatch):
    path = tmp_path / "audit"
    monkeypatch.setenv("JINENG_AUDIT_DIR", str(path))
    return path
