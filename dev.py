#!/usr/bin/env python3
"""Project bootstrap, standard library only: the two quick-start commands.

    python3 dev.py run     # venv + install + migrate + demo data (if empty) + serve, prints the URLs
    python3 dev.py test    # venv + test extras + the whole suite on SQLite, then on PostgreSQL

The test command also installs Debian's chromium and fonts-noto-cjk for the browser tests (tests/browser,
Playwright) when it runs as root and they are missing; without Chromium those tests skip, or fail in CI.

The PostgreSQL pass uses JINENG_TEST_POSTGRES_URL, else a server on 127.0.0.1:5432 (user postgres,
database test), else a throwaway cluster started with initdb on a free loopback port. In CI (CI=true) a
missing PostgreSQL is a failure, never a skip.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def say(msg: str) -> None:
    print(f"[dev] {msg}", flush=True)


def ensure_venv(extras: str = "") -> None:
    if sys.version_info < (3, 11):
        sys.exit("Jineng needs Python 3.11 or newer")
    if not PY.exists():
        say(f"creating virtual environment in {VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    stamp = VENV / f".installed{extras or '-base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        say(f"installing the project{' with ' + extras if extras else ''} (first run takes a minute)")
        subprocess.run([str(PY), "-m", "pip", "install", "-q", "-e", f".{extras}"], cwd=ROOT, check=True)
        stamp.write_text(digest)


def run(argv: list[str]) -> int:
    ensure_venv()
    port = "8000"
    if "--port" in argv:
        port = argv[argv.index("--port") + 1]
    cmd = [str(VENV / "bin" / "jineng"), "serve", "--demo-if-empty", "--port", port]
    os.execv(cmd[0], cmd)


# --- PostgreSQL for the test pass --------------------------------------------------------------------

def _pg_reachable(url: str) -> str | None:
    code = (
        "import asyncio, asyncpg, sys\n"
        "async def main():\n"
        "    c = await asyncpg.connect(sys.argv[1], timeout=3)\n"
        "    await c.close()\n"
        "asyncio.run(main())\n"
    )
    r = subprocess.run([str(PY), "-c", code, url], capture_output=True, text=True)
    return None if r.returncode == 0 else (r.stderr.strip().splitlines() or ["unknown error"])[-1]


def _pg_admin(url: str, sql: str) -> None:
    code = (
        "import asyncio, asyncpg, sys\n"
        "async def main():\n"
        "    c = await asyncpg.connect(sys.argv[1], timeout=5)\n"
        "    await c.execute(sys.argv[2])\n"
        "    await c.close()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([str(PY), "-c", code, url, sql], check=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _find_pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


class ThrowawayCluster:
    """initdb + pg_ctl on a free loopback port in a temp dir; removed afterwards."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="jineng-pg-"))
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            runuser = shutil.which("runuser")
            if runuser is None:
                raise RuntimeError("running as root without runuser: cannot start a throwaway cluster")
            shutil.chown(self.dir, user="postgres")
            self.as_user = [runuser, "-u", "postgres", "--"]

    def start(self) -> str:
        initdb, pg_ctl = _find_pg_bin("initdb"), _find_pg_bin("pg_ctl")
        data = self.dir / "data"
        subprocess.run([*self.as_user, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*self.as_user, pg_ctl, "-D", str(data), "-l", str(self.dir / "log"), "-w", "-o",
                        f"-p {self.port} -h 127.0.0.1 -k {self.dir}", "start"], check=True, stdout=subprocess.DEVNULL)
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        pg_ctl = _find_pg_bin("pg_ctl")
        subprocess.run([*self.as_user, pg_ctl, "-D", str(self.dir / "data"), "-m", "fast", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def postgres_server() -> tuple[str | None, ThrowawayCluster | None, str]:
    """(admin URL, cluster to stop, how it was found) or (None, None, why not)."""
    explicit = os.environ.get("JINENG_TEST_POSTGRES_URL")
    for url in [explicit] if explicit else [DEFAULT_PG]:
        problem = _pg_reachable(url)
        if problem is None:
            return url, None, f"server at {url.split('@')[-1]}"
        reason = f"{url.split('@')[-1]} not reachable ({problem})"
    if _find_pg_bin("initdb") and _find_pg_bin("pg_ctl"):
        cluster = ThrowawayCluster()
        try:
            url = cluster.start()
            return url, cluster, f"throwaway cluster on port {cluster.port}"
        except Exception as exc:  # noqa: BLE001 - report and fall through
            cluster.stop()
            reason += f"; throwaway cluster failed: {exc}"
    else:
        reason += "; no initdb/pg_ctl installed"
    return None, None, reason


# --- Chromium for the browser tests (tests/browser) ----------------------------------------------------

CHROMIUM = Path(os.environ.get("JINENG_CHROMIUM", "/usr/bin/chromium"))
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def ensure_browser() -> None:
    """Debian's chromium and a CJK font for the browser tests, installed with apt-get when we are root.

    Playwright itself comes with the test extras; it never downloads a browser here. Without Chromium the
    browser tests skip with the reason, except in CI (CI=true), where they fail."""
    missing = [pkg for pkg, path in (("chromium", CHROMIUM), ("fonts-noto-cjk", CJK_FONT)) if not path.exists()]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"installing {' '.join(missing)} for the browser tests (apt-get)")
        quiet = {"stdout": subprocess.DEVNULL, "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}}
        ok = subprocess.run(["apt-get", "update", "-qq"], **quiet).returncode == 0
        ok = ok and subprocess.run(["apt-get", "install", "-y", "-qq", *missing], **quiet).returncode == 0
        if not ok:
            say(f"apt-get could not install {' '.join(missing)}")
    if not CHROMIUM.exists():
        why = f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium fonts-noto-cjk, as root)"
        say(f"browser tests will {'FAIL (CI)' if os.environ.get('CI') else 'be skipped'}: {why}")
    elif not CJK_FONT.exists():
        say("no CJK font (fonts-noto-cjk): Chinese text in browser screenshots shows as boxes")


def pytest(args: list[str], env: dict[str, str]) -> int:
    code = subprocess.run([str(PY), "-m", "pytest", *args], cwd=ROOT, env=env).returncode
    if code == 5:
        say("pytest collected no tests: that is a failure")
        return 1
    return code


def test(argv: list[str]) -> int:
    ensure_venv("[test]")
    ensure_browser()
    base_env = {**os.environ, "JINENG_PASSWORD_PROFILE": "test", "PYTHONDONTWRITEBYTECODE": "1"}
    results: list[tuple[str, int]] = []

    # PostgreSQL is found first: the SQLite pass runs the browser journey that needs it (tests/browser,
    # pg_server: the service on a database of its own there)
    admin_url, cluster, how = postgres_server()
    with tempfile.TemporaryDirectory(prefix="jineng-test-") as tmp:
        env = {**base_env, "JINENG_DATABASE_URL": f"sqlite:///{tmp}/test.sqlite", "JINENG_VAR_DIR": tmp}
        if admin_url is not None:
            env["JINENG_TEST_POSTGRES_URL"] = admin_url
        say("pass 1/2: the whole suite on SQLite")
        results.append(("SQLite (all tests)", pytest(["-q", *argv], env)))

    if admin_url is None:
        if os.environ.get("CI"):
            say(f"PostgreSQL is required in CI and could not be had: {how}")
            results.append(("PostgreSQL", 1))
        else:
            say(f"PostgreSQL pass NOT run: {how}. Set JINENG_TEST_POSTGRES_URL or install PostgreSQL.")
    else:
        name = f"jineng_test_{uuid.uuid4().hex[:10]}"
        _pg_admin(admin_url, f'CREATE DATABASE "{name}"')
        url = admin_url.rsplit("/", 1)[0] + "/" + name
        try:
            with tempfile.TemporaryDirectory(prefix="jineng-test-") as tmp:
                env = {**base_env, "JINENG_DATABASE_URL": url, "JINENG_VAR_DIR": tmp}
                say(f"pass 2/2: database tests on PostgreSQL ({how}, database {name})")
                results.append(("PostgreSQL (tests/server)", pytest(["-q", "-m", "db", *argv], env)))
        finally:
            _pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if cluster:
                cluster.stop()

    say("summary: " + "; ".join(f"{name}: {'passed' if code == 0 else f'FAILED (exit {code})'}"
                                 for name, code in results))
    return 0 if results and all(code == 0 for _, code in results) else 1


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    return run(rest) if command == "run" else test(rest)


if __name__ == "__main__":
    sys.exit(main())
