"""Settings from the environment, read once.

Every setting has a development default so that the quick start works with no configuration; production
sets ``JINENG_DATABASE_URL``, ``JINENG_SECRET`` and ``JINENG_PUBLIC_URL``.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

import msgspec

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("JINENG_VAR_DIR", PROJECT_ROOT / "var"))


class Settings(msgspec.Struct, frozen=True):
    database_url: str
    secret: str
    public_url: str
    keys_dir: Path
    cookie_secure: bool
    session_hours: int
    token_days: int
    login_attempts_per_window: int
    login_window_seconds: int

    @property
    def engine(self) -> str:
        return "postgres" if self.database_url.startswith(("postgres://", "postgresql://")) else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))


def _secret() -> str:
    """The server pepper: from the environment, else a file under var/ made once (dev only)."""
    if value := os.environ.get("JINENG_SECRET"):
        return value
    path = VAR_DIR / "secret"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings(
        database_url=os.environ.get("JINENG_DATABASE_URL", f"sqlite:///{VAR_DIR / 'jineng.sqlite'}"),
        secret=_secret(),
        public_url=os.environ.get("JINENG_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        keys_dir=Path(os.environ.get("JINENG_KEYS_DIR", VAR_DIR / "keys")),
        cookie_secure=os.environ.get("JINENG_COOKIE_SECURE", "0") == "1",
        session_hours=int(os.environ.get("JINENG_SESSION_HOURS", "12")),
        token_days=int(os.environ.get("JINENG_TOKEN_DAYS", "30")),
        login_attempts_per_window=int(os.environ.get("JINENG_LOGIN_ATTEMPTS", "10")),
        login_window_seconds=int(os.environ.get("JINENG_LOGIN_WINDOW", "300")),
    )
