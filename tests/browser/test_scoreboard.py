"""Journey (d): the public scoreboard on a phone and on the venue's big screen, titled with the event and the
competition, moves when marks are posted and, before publication, shows codes only — no entry id, no name,
no school, neither on the page nor in what the socket sends. Then the ceremony runs on the console — the
chief judge locks, the supervisor approves and the encryption officer opens each layer, the chief judge
re-checks, the organizer computes the results from the marks and publishes them — and the same boards turn
to names, schools and awards."""

from __future__ import annotations

import json

from tests.browser.conftest import LAPTOP, PHONE
from tests.browser.judging import PASSPHRASE, judged_event

BIG = {"width": 1920, "height": 1080}


def board_lines(page) -> list[str]:
    return page.locator("#sb-lines .who").all_inner_texts()


def test_the_board_moves_with_marks_and_names_nobody_before_publication(make_session, server, shot):
    j = judged_event(server, "board", settings={"appeal_window_minutes": 0}, running=True)
    x, y, z = j.codes()
    viewer = make_session(viewport=PHONE)
    frames: list[dict] = []

    def watch(ws):
        ws.on("framereceived", lambda payload: frames.append(json.loads(payload)))

    phone = viewer.page(None, PHONE)
    phone.on("websocket", watch)
    phone.goto(f"{server.url}/scoreboard/?event={j.event}")
    big = viewer.page(f"/scoreboard/?event={j.event}&screen=big", BIG)
    for page in (phone, big):
        page.wait_for_selector("#sb-live[data-state=open]")
        page.wait_for_selector("#sb-criteria [data-criterion=A][data-marked='0'][data-cells='12']")
        assert sorted(board_lines(page)) == sorted([x, y, z])
    assert phone.locator("#sb-privacy").inner_text() == "成绩公布前只显示编码，不显示选手姓名和学校。"
    competition = j.client("jn-edu").get(f"/api/competitions/{j.competition}").json()["name"]
    for page in (phone, big):  # titled with the event and the competition the board carries
        assert page.locator("#sb-title").inner_text() == "DG 电工"
        assert page.locator("#sb-competition").inner_text() == competition
        assert page.title() == "电工 · 实时成绩 · Jineng"

    # marks posted by the judges' tablets move both boards, with no reload
    j.mark(j.judge(1), x, "A1", 2)
    for page in (phone, big):
        page.wait_for_selector("#sb-criteria [data-criterion=A][data-marked='1']")
    for n, value in ((2, 3), (3, 2)):
        j.mark(j.judge(n), x, "A1", value)
    j.mark(j.judge(1), x, "A2", "3.5")
    for page in (phone, big):
        page.wait_for_selector("#sb-criteria [data-criterion=A][data-marked='4']")
        page.wait_for_selector(f"#sb-lines .line[data-code={x}] .total:text-is('8.17')")  # 6 × 7/9 + 3.5, rounded
    text = phone.locator("main").inner_text() + big.locator("main").inner_text()
    for secret in [*j.names, *j.schools]:
        assert secret not in text, secret
    boards = [f for f in frames if f.get("what") == "scoreboard"]
    assert len(boards) >= 2 and not any(f["published"] for f in boards)
    for board in boards:
        for line in board["lines"]:
            assert set(line) <= {"rank", "total", "code"}, line  # no entry, name or school reaches the viewer
    shot(phone, "scoreboard-phone-codes")
    shot(big, "scoreboard-big-codes")

    # the ceremony, on the console
    j.mark_all({y: (1, 1, 2, "2"), z: (3, 3, 3, "4")})
    j.sign_off_all()
    staff = {}
    for who in ("chief-judge", "supervisor", "encryption", "jn-edu"):
        s = make_session(viewport=LAPTOP)
        page = s.page(f"/console/#judging/{j.event}/{'marking' if who == 'chief-judge' else 'closing'}", LAPTOP)
        s.sign_in(page, who)
        page.wait_for_selector("#jd-live[data-state=open]")
        staff[who] = page
    chief, supervisor, encryption, organizer = staff.values()
    chief.click("#jm-lock-all")
    chief.click("dialog button[value=ok]")
    chief.wait_for_selector("#jd-status >> text=已锁定")
    for layer in ("工位号（二次加密）", "抽签号"):
        supervisor.wait_for_selector(f"#jc-approve:has-text('{layer}')")  # the lock reaches the supervisor live
        supervisor.click("#jc-approve")
        supervisor.wait_for_selector(f"#jc-decrypt .notice >> text=已批准开启“{layer}”")
        encryption.wait_for_selector("#jc-decrypt-tools:not([hidden])")
        encryption.fill("#jc-pass", PASSPHRASE)
        encryption.click("#jc-open")
        encryption.wait_for_selector(f"#jc-decrypt .notice >> text=已开启“{layer}”")
    encryption.wait_for_selector("#jc-decrypt >> text=全部解密完成")
    # decrypted, the window (0 minutes) closed: the organizer's publication card lists what the API says,
    # by code, in the message catalog's words for the code (the server's message while the catalog lacks it)
    organizer.wait_for_selector("#jc-blockers li[data-code=recheck_not_drawn]")
    said = j.client("jn-edu").get(f"{j.base}/publication").json()
    assert [b["code"] for b in said] == ["recheck_not_drawn"]
    shown = organizer.locator("#jc-blockers li")
    assert shown.evaluate_all("(lis) => lis.map((li) => li.dataset.code)") == ["recheck_not_drawn"]
    catalog = organizer.evaluate("async () => (await import('/common/i18n.js')).t('code.recheck_not_drawn')")
    assert shown.inner_text() == (catalog if catalog != "code.recheck_not_drawn" else said[0]["message"])
    chief.click("a[href$='/closing']")
    chief.click("#jc-recheck-draw")
    chief.wait_for_selector("#jc-recheck button[data-confirm]")
    for left in range(chief.locator("#jc-recheck button[data-confirm]").count(), 0, -1):
        chief.locator("#jc-recheck button[data-confirm]").first.click()
        chief.wait_for_function("(n) => document.querySelectorAll('#jc-recheck button[data-confirm]').length < n", arg=left)
    organizer.wait_for_selector("#jc-ready", timeout=15_000)
    organizer.click("#jc-from-judging")
    organizer.wait_for_selector("#jc-publication .notice >> text=成绩已生成：3 个报名")
    organizer.click("#jc-publication a[href^='#results/']")
    organizer.click("#res-publish")
    organizer.click("dialog button[value=ok]")
    organizer.wait_for_selector("text=成绩已公布。")

    # published: the boards name the schools, competitors and awards — and no code any more
    for page in (phone, big):
        page.wait_for_selector("#sb-privacy >> text=成绩已公布。", timeout=15_000)
        lines = " ".join(board_lines(page))
        for school in j.schools:
            assert school in lines
        for code in (x, y, z):
            assert code not in lines
    shot(phone, "scoreboard-phone-published")
    shot(big, "scoreboard-big-published")
