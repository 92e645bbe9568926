"""Journey (a): a judge pairs a tablet with the chief judge's one-time code (the QR's /P/<CODE> link),
marks, loses the answer to one batch (the server stored it: the retry with the same keys is a replay),
goes offline, marks more, reloads the page with no network (the service worker serves the shell, the
sheet comes from IndexedDB), marks again, comes back online: every mark is stored exactly once (version 1
of each cell on the server, checked through the API). Run on SQLite and, once, on PostgreSQL. Also: the
tablet fits phone, tablet and laptop screens with 44 px targets."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LAPTOP, PHONE, TABLET
from tests.browser.judging import judged_event
from tests.browser.test_landing_and_language import TARGETS


def score(page, aspect: str, value: int) -> None:
    page.click(f"fieldset[data-aspect={aspect}] button.score[data-score='{value}']")


def keypad(page, aspect: str, text: str) -> None:
    box = page.locator(f"fieldset[data-aspect={aspect}]")
    if not box.locator(".keypad").count():
        box.locator(f"[data-open={aspect}]").click()
    box.locator(".keypad [data-key=C]").click()
    for key in text:
        box.locator(f".keypad [data-key='{key}']").click()
    box.locator(".keypad [data-key=save]").click()


def synced(page, aspect: str, timeout: int = 15_000) -> None:
    page.wait_for_selector(f"fieldset[data-aspect={aspect}] .cell-state.synced", timeout=timeout)


def sent(page, action) -> None:
    """Do `action` (a mark) and wait until the tablet has synced after it, whatever the cell shows then."""
    before = page.locator("#sync").get_attribute("data-synced")
    action()
    page.wait_for_function("""(before) => { const s = document.querySelector('#sync');
      return s && s.dataset.synced !== before && s.dataset.waiting === '0'; }""", arg=before, timeout=15_000)


def pick(page, code: str) -> None:
    page.click(f".codes button[data-code={code}]")
    page.wait_for_selector(f".entry[data-code={code}]")


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.db)])
def test_offline_marks_reach_the_server_exactly_once(engine, request, make_session, shot):
    srv = request.getfixturevalue("server" if engine == "sqlite" else "pg_server")
    j = judged_event(srv, "offline")
    judge = j.judge(1)
    code = j.pairing_code(judge)
    s = make_session(srv, TABLET)
    page = s.page(None, TABLET)
    page.goto(f"{srv.url}/P/{code}")  # what the QR says; the server redirects to /judge/?pair=CODE
    page.wait_for_selector("#sheet")
    assert "pair=" not in page.url  # the code is not left in the address bar
    assert page.locator(".site .who").inner_text() == "裁判 offline 1 号"
    assert page.locator("#event-status").inner_text() == "评分中"
    first, second, third = j.codes()
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")

    # online: a judgement and a measurement; the answer to the first batch is lost after the server stored it
    lost = []

    def lose_answer(route):
        if not lost:
            lost.append(route.fetch().status)  # the server takes the batch…
            route.abort("connectionreset")  # …and the tablet never hears back
        else:
            route.continue_()

    s.context.route("**/api/judging/events/*/marks", lose_answer)
    pick(page, first)
    score(page, "A1", 2)
    synced(page, "A1", timeout=20_000)  # retried after the backoff: replayed, not stored twice
    page.wait_for_selector("#sync[data-state=ok][data-waiting='0']")
    assert lost == [200]
    s.context.unroute("**/api/judging/events/*/marks")
    keypad(page, "A2", "5")  # above the aspect's maximum: refused on the tablet, nothing saved
    assert "分数超出该评分项的范围" in page.locator("fieldset[data-aspect=A2] .field-error").inner_text()
    keypad(page, "A2", "3.5")
    synced(page, "A2")
    page.wait_for_selector("#sync[data-state=ok][data-waiting='0']")
    assert page.locator("fieldset[data-aspect=A2] .cell-state").inner_text() == "已同步"

    # offline: more marks, kept on the tablet
    s.context.set_offline(True)
    pick(page, second)
    score(page, "A1", 1)
    keypad(page, "A2", "2.25")
    pick(page, third)
    score(page, "A1", 3)
    page.wait_for_selector("#sync[data-state=offline][data-waiting='3']")
    assert "离线：3 条评分保存在本机" in page.locator("#sync-state").inner_text()
    assert page.locator("fieldset[data-aspect=A1] .cell-state").inner_text() == "已保存在本机，等待同步"

    # a reload with no network: the service worker opens the tablet, IndexedDB has the sheet and the marks
    response = page.reload()
    assert response is not None and response.from_service_worker
    page.wait_for_selector("#sheet")
    page.wait_for_selector("#cached-note")
    assert page.locator("#sync").get_attribute("data-waiting") == "3"
    # the running total is what scoring gives for these marks: 6 × 1/3 (A1's points, not the raw 1) + 2.25
    assert page.locator(f".codes button[data-code={second}] .code-meta").inner_text() == "2/2 · 4.25"
    pick(page, third)
    keypad(page, "A2", "4")
    page.wait_for_selector("#sync[data-waiting='4']")
    shot(page, f"judge-offline-reloaded-{engine}")

    # back online: everything syncs by itself
    s.context.set_offline(False)
    page.wait_for_selector("#sync[data-state=ok][data-waiting='0']", timeout=30_000)
    assert not page.locator("#sync-failures").count()

    marks = [(m["entry"], m["aspect"], m["mark"], m["round"]) for m in j.export()["marks"] if m["judge"] == str(j.judges[judge])]
    assert sorted(marks) == sorted([(first, "A1", "2", 1), (first, "A2", "3.5", 1), (second, "A1", "1", 1),
                                    (second, "A2", "2.25", 1), (third, "A1", "3", 1), (third, "A2", "4", 1)])
    sheet = j.client("chief-judge").get(f"{j.base}/sheets", params={"user_id": j.judges[judge]}).json()["sheets"][0]
    assert {(row["code"], c["aspect"]): c["version"] for row in sheet["rows"] for c in row["cells"]} == {
        (c, a): 1 for c in (first, second, third) for a in ("A1", "A2")}  # one version each: nothing twice
    assert sheet["marked"] == sheet["cells"] == 6
    page.click("#sheets-refresh")
    page.wait_for_selector("#sheet-progress:has-text('已评 6/6')")
    assert page.locator("#sign-off").is_enabled()
    shot(page, f"judge-offline-synced-{engine}")


@pytest.mark.parametrize("viewport", [PHONE, TABLET, LAPTOP], ids=["390x844", "768x1024", "1280x800"])
def test_the_tablet_fits_every_screen_with_large_targets(session, viewport):
    page = session.page("/judge/", viewport)
    page.wait_for_selector("#pair-form")
    assert not page.evaluate(TARGETS)
    session.sign_in(page, "judge-2")  # the demo's judge with an open re-mark ticket
    page.wait_for_selector("#sheet")
    page.wait_for_selector("#tickets")
    assert "重新评分（第 2 轮）" in page.locator("#tickets").inner_text()
    numbers = page.locator("fieldset.number [data-open]")
    if numbers.count():
        numbers.first.click()
        page.wait_for_selector(".keypad")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the tablet is {overflow}px wider than the {viewport['width']}px screen"
    small = page.evaluate(TARGETS)
    assert not small, f"touch targets under 44 px: {small}"
