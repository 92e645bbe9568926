"""Browser tests: Playwright (PyPI ``playwright``) driving Debian's Chromium against the real server.

Once per session the real service is started as a subprocess (``jineng serve --demo-if-empty`` on a free
loopback port, with its own temporary SQLite database and var directory), and one Chromium is launched
from ``/usr/bin/chromium`` (``JINENG_CHROMIUM`` overrides) — never a downloaded browser. Every test gets
a fresh browser context that records each request the browser makes; at the end of the test any request
outside the app (not this server's origin, ``data:`` or ``blob:``) fails it.

Without Chromium or Playwright the tests are skipped with the reason, except in CI (``CI`` set), where
that is a failure. Screenshots go to ``tests/browser/artifacts/`` (``JINENG_BROWSER_ARTIFACTS``
overrides); that folder is not tracked.

``pg_server`` is the same service on PostgreSQL, in a fresh database created for the session (and
dropped after it) on the server that ``JINENG_TEST_POSTGRES_URL`` or a PostgreSQL ``JINENG_DATABASE_URL``
names (dev.py's PostgreSQL pass sets the latter); without either the journeys that ask for it skip with
the reason. ``make_session(server)`` opens further contexts (several judges' tablets, the console) with
the same checks as ``session``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("JINENG_BROWSER_ARTIFACTS") or Path(__file__).parent / "artifacts")
CHROMIUM = os.environ.get("JINENG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PASSWORD = "jineng-demo-2026"
PHONE, TABLET, LAPTOP = {"width": 390, "height": 844}, {"width": 768, "height": 1024}, {"width": 1280, "height": 800}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Chromium against the real server (tests/browser)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str):
    if os.environ.get("CI"):  # as dev.py reads it
        pytest.fail(f"browser tests are required in CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jineng() -> str:
    for candidate in (Path(sys.executable).parent / "jineng", ROOT / ".venv" / "bin" / "jineng"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("jineng")
    if not found:
        pytest.fail("the jineng command is not installed (run python3 dev.py test)")
    return found


@dataclass
class Server:
    url: str
    log: Path

    def client(self, username: str | None = None) -> httpx.Client:
        """An API client, signed in (cookie session + CSRF header) when a username is given."""
        c = httpx.Client(base_url=self.url, timeout=60)
        if username:
            r = c.post("/api/auth/login", json={"username": username, "password": PASSWORD, "mode": "cookie"})
            assert r.status_code == 200, r.text
            c.headers["x-csrf-token"] = r.json()["csrf_token"]
        return c


def _require_browser():
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (it is in the test extras)")
    return sync_playwright


def _serve(database_url: str, name: str):
    """Start ``jineng serve --demo-if-empty`` on ``database_url``; yields the Server, stops it after."""
    tmp = Path(tempfile.mkdtemp(prefix="jineng-browser-"))
    port = _free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / f"{name}.log"
    env = {**os.environ, "JINENG_DATABASE_URL": database_url, "JINENG_VAR_DIR": str(tmp),
           "JINENG_KEYS_DIR": str(tmp / "keys"), "JINENG_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    env.setdefault("JINENG_PASSWORD_PROFILE", "test")
    with open(log, "wb") as out:
        proc = subprocess.Popen([_jineng(), "serve", "--demo-if-empty", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer within 180 s:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield Server(url=url, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def server():
    _require_browser()  # no server to start when there is no browser to drive it
    tmp = Path(tempfile.mkdtemp(prefix="jineng-browser-db-"))
    try:
        yield from _serve(f"sqlite:///{tmp}/browser.sqlite", "server")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _postgres_admin_url() -> str | None:
    for url in (os.environ.get("JINENG_TEST_POSTGRES_URL"), os.environ.get("JINENG_DATABASE_URL")):
        if url and url.startswith(("postgresql://", "postgres://")):
            return url
    return None


def _pg_admin(url: str, sql: str) -> None:
    """One statement on the PostgreSQL server of ``url`` (in a subprocess: no event loop of ours is touched)."""
    code = ("import asyncio, asyncpg, sys\n"
            "async def main():\n"
            "    c = await asyncpg.connect(sys.argv[1], timeout=10)\n"
            "    await c.execute(sys.argv[2])\n"
            "    await c.close()\n"
            "asyncio.run(main())\n")
    subprocess.run([sys.executable, "-c", code, url, sql], check=True, timeout=60)


@pytest.fixture(scope="session")
def pg_server():
    """The service on PostgreSQL, in a database of its own (created here, dropped afterwards)."""
    _require_browser()
    admin = _postgres_admin_url()
    if admin is None:  # dev.py test hands over the PostgreSQL it found; in CI it must have found one
        _unavailable("no PostgreSQL for the browser journey: set JINENG_TEST_POSTGRES_URL "
                     "(e.g. postgresql://postgres@127.0.0.1:5432/postgres) or a PostgreSQL JINENG_DATABASE_URL")
    name = f"jineng_browser_{uuid.uuid4().hex[:10]}"
    try:
        _pg_admin(admin, f'CREATE DATABASE "{name}"')
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.fail(f"could not create the PostgreSQL database {name} on {admin.split('@')[-1]}: {exc}")
    try:
        yield from _serve(admin.rsplit("/", 1)[0] + "/" + name, "server-postgresql")
    finally:
        _pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def chromium():
    """Chromium for one test module. Not for the whole session: Playwright's sync API keeps an event loop
    running in this thread while it is started, which would break every asyncio test collected after
    tests/browser (asyncio.run() cannot be called from a running event loop)."""
    sync_playwright = _require_browser()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Session:
    """A browser context on the server: pages, every request seen, page errors, screenshots."""

    server: Server
    context: object
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def page(self, path: str = "/", viewport: dict | None = None):
        page = self.context.new_page()
        if viewport:
            page.set_viewport_size(viewport)
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        if path is not None:
            page.goto(self.server.url + path)
        return page

    def sign_in(self, page, username: str) -> None:
        page.fill("#signin-username", username)
        page.fill("#signin-password", PASSWORD)
        page.click("#signin-form button[type=submit]")
        page.wait_for_selector("#signin-form", state="detached")

    def outside(self) -> list[str]:
        return [u for u in self.requests if not (u.startswith(self.server.url + "/") or u.startswith(("data:", "blob:")))]


@pytest.fixture
def make_session(chromium, request):
    """make_session(on=server, viewport=LAPTOP): a fresh context (own cookies and storage); every context made
    fails the test on any request outside its app or an uncaught error in its pages."""
    made: list[Session] = []

    def make(on: Server | None = None, viewport: dict | None = None) -> Session:
        context = chromium.new_context(viewport=viewport or LAPTOP, locale="zh-CN", timezone_id="Asia/Shanghai",
                                       accept_downloads=True)
        context.set_default_timeout(15_000)
        s = Session(server=on or request.getfixturevalue("server"), context=context)
        context.on("request", lambda request: s.requests.append(request.url))
        made.append(s)
        return s

    try:
        yield make
    finally:
        for s in made:
            s.context.close()
    for s in made:
        assert not s.outside(), f"requests outside the app: {s.outside()}"
        assert not s.errors, f"uncaught errors in the page: {s.errors}"


@pytest.fixture
def session(make_session):
    """A fresh context (own cookies and storage) that fails the test on any request outside the app."""
    return make_session()


@pytest.fixture
def shot():
    """shot(page, "name") writes artifacts/name.png (the whole page)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
