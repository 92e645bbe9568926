"""Suite-wide setup: a database URL and a cheap password-hash profile even when pytest runs directly.

``python3 dev.py test`` sets these itself (SQLite pass, then PostgreSQL pass); the defaults below only
make a bare ``pytest`` work on a temporary SQLite file.
"""

import os
import tempfile

if "JINENG_DATABASE_URL" not in os.environ:
    _tmp = tempfile.mkdtemp(prefix="jineng-pytest-")
    os.environ["JINENG_DATABASE_URL"] = f"sqlite:///{_tmp}/test.sqlite"
    os.environ.setdefault("JINENG_VAR_DIR", _tmp)
os.environ.setdefault("JINENG_PASSWORD_PROFILE", "test")
