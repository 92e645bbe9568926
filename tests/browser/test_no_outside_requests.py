"""No page asks for anything outside the app: every page (the demo's judged event 13 on the console, the
judge tablet and the scoreboard too), signed in where it needs it, is opened at phone
size (and must fit its width) and every request the browser makes is checked (the `session` fixture fails the test on any outside URL; it does so
for every other journey too). The page files themselves name no outside URL."""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser.conftest import PHONE, ROOT

PAGES = {
    None: ["/", "/verify/", "/results/", "/results/?competition=3", "/results/?competition=3&event=11", "/scoreboard/",
           "/scoreboard/?event=13", "/scoreboard/?event=13&screen=big"],
    "school-01": ["/school/", "/school/#entries", "/school/#appeals"],
    "jn-edu": ["/console/#competitions", "/console/#competition/2", "/console/#review", "/console/#results",
               "/console/#certificates", "/console/#judging", "/console/#judging/13/setup", "/console/#judging/13/draw"],
    "chief-judge": ["/console/#judging/13/tablets", "/console/#judging/13/marking", "/console/#judging/13/closing"],
    "judge-2": ["/judge/"],
    "graduate": ["/graduate/"],
}


def test_every_page_stays_inside_the_app(session, server, shot):
    cert = server.client("jn-hrss").get("/api/certificates", params={"limit": 1}).json()["items"][0]
    page = session.page(None, PHONE)
    for user, paths in PAGES.items():
        for path in paths:
            page.goto(server.url + path)
            if user and page.locator("#signin-form").count():
                session.sign_in(page, user)
            page.wait_for_selector(".site h1", state="attached")  # the big screen hides the header
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} ({user}) is {overflow}px wider than the phone's screen"
        if user:
            page.click("text=退出")
            page.wait_for_selector("#signin-form")
    page.goto(server.url + "/C/" + cert["qr_text"].rsplit("/", 1)[1])
    page.wait_for_selector("#verdict:not([hidden]):not(.state-checking)")
    seen = {u.split("?")[0] for u in session.requests}
    assert f"{server.url}/common/common.js" in seen and f"{server.url}/api/verify" in seen
    assert not session.outside()
    shot(page, "qr-landing-phone")


URL = re.compile(r"""(?:src|href|action)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//|import\s*\(?\s*["'](?:https?:)?//|fetch\(\s*["'](?:https?:)?//""")


def test_page_files_name_no_outside_url():
    offenders = []
    for path in (ROOT / "static").rglob("*"):
        if path.suffix in {".html", ".js", ".css", ".svg"}:
            text = Path(path).read_text(encoding="utf-8")
            for match in URL.finditer(text):
                if "www.w3.org/2000/svg" not in text[match.start():match.start() + 60]:
                    offenders.append(f"{path.relative_to(ROOT)}: {text[match.start():match.start() + 60]!r}")
    assert not offenders, offenders
