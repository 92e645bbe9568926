"""Journey (b): three judges mark one code's 0–3 aspect 0, 2 and 2 — more than one apart — on their
tablets (one paired with the QR code the chief judge's console shows, two signed in with their
accounts). The re-mark ticket appears on all three tablets and, live, on the chief judge's console; the
judges discuss and re-mark (round 2); the ticket resolves; they finish and sign off; the chief judge
locks. Then the entry's school files an appeal on /school/ and the supervisor rules on it in the console."""

from __future__ import annotations

from tests.browser.conftest import LAPTOP, TABLET
from tests.browser.judging import judged_event
from tests.browser.test_judge_offline import pick, score, sent


def tablet(make_session, j, n: int, code: str | None = None):
    s = make_session(viewport=TABLET)
    page = s.page("/judge/", TABLET)
    if code:
        page.fill("#pair-code", code)
        page.click("#pair-form button[type=submit]")
    else:
        s.sign_in(page, j.judge(n))
    page.wait_for_selector("#sheet")
    return page


def refresh(page) -> None:
    page.click("#sheets-refresh")
    page.wait_for_selector("#sheets-refresh:not([aria-busy])")


def confirm(page) -> None:
    page.click("dialog button[value=ok]")


def test_a_breach_is_ticketed_re_marked_and_locked(make_session, server, shot):
    j = judged_event(server, "breach")
    x, y, z = j.codes()

    console = make_session(viewport=LAPTOP)
    chief = console.page(f"/console/#judging/{j.event}/tablets", LAPTOP)
    console.sign_in(chief, "chief-judge")
    chief.click(f"#js-tablets button[data-user='{j.judges[j.judge(1)]}']")
    chief.wait_for_selector("#js-pair-code")
    assert chief.locator("#js-pairing img").get_attribute("src").startswith("data:image/png;base64,")
    code = chief.locator("#js-pair-code").inner_text()

    tablets = [tablet(make_session, j, 1, code), tablet(make_session, j, 2), tablet(make_session, j, 3)]
    chief.goto(f"{server.url}/console/#judging/{j.event}/marking")
    chief.wait_for_selector("#jd-live[data-state=open]")
    for page, value in zip(tablets, (0, 2, 2)):
        pick(page, x)
        sent(page, lambda: score(page, "A1", value))

    # the console hears of the ticket by itself (console socket), the tablets on their next read
    chief.wait_for_selector("#jm-tickets tr.ticket-open", timeout=15_000)
    row = chief.locator("#jm-tickets tr.ticket-open").inner_text()
    assert x in row and "超差复评" in row and "相关裁判讨论后重新评分（第 2 轮）" in row
    assert "未处理的复评工单：1" in chief.locator("#jm-open-tickets").inner_text()
    for page in tablets:
        refresh(page)
        page.wait_for_selector("#tickets")
        assert f"{x} · 布线工艺：超出允许误差：相关裁判讨论后重新评分（第 2 轮）" in page.locator("#tickets").inner_text()
        pick(page, x)
        box = page.locator("fieldset[data-aspect=A1]")
        assert "ticket" in box.get_attribute("class") and "第 2 轮" in box.inner_text()
        assert page.locator(f".codes button[data-code={x}].has-ticket").count() == 1
    shot(tablets[0], "judge-ticket-tablet")
    shot(chief, "console-ticket")

    # after discussion: round 2 within one point
    for page, value in zip(tablets, (1, 2, 2)):
        sent(page, lambda: score(page, "A1", value))
    chief.wait_for_selector("#jm-tickets tr:not(.ticket-open) >> text=已解决", timeout=15_000)
    assert "未处理的复评工单：0" in chief.locator("#jm-open-tickets").inner_text()

    # the other cells (through the API, as the tablets would send them), then every judge signs off
    for n, values in ((1, (2, 3)), (2, (2, 2)), (3, (1, 3))):
        for code_, value in zip((y, z), values):
            j.mark(j.judge(n), code_, "A1", value)
    for code_, value in ((x, "3.5"), (y, "2"), (z, "4")):
        j.mark(j.judge(1), code_, "A2", value)
    for page in tablets:
        refresh(page)
        page.wait_for_selector("#sign-off:not([disabled])")
        page.click("#sign-off")
        confirm(page)
        page.wait_for_selector("#sheet-signed")

    chief.wait_for_selector("#jm-progress-body >> text=已签字")
    chief.click("#jm-lock-all")
    confirm(chief)
    chief.wait_for_selector("#jm-progress .notice >> text=已锁定：A")
    chief.wait_for_selector("#jd-status >> text=已锁定")
    assert not chief.locator("#jm-lock-all").count()
    shot(chief, "console-locked")
    refresh(tablets[1])
    tablets[1].wait_for_selector("#event-status >> text=已锁定")
    assert tablets[1].locator("fieldset[data-aspect=A1] button.score").first.is_disabled()

    # the school of the first entry appeals within the window; the supervisor dismisses it
    school = make_session(viewport=TABLET)
    sp = school.page("/school/#appeals", TABLET)
    school.sign_in(sp, "school-01")
    sp.wait_for_selector("#appeal-form")
    sp.select_option("#appeal-entry", str(j.entries[0]))
    sp.wait_for_selector("#appeal-window[data-open=true] >> text=申诉开放中")  # the window, from the lock
    assert sp.locator("#appeal-send").is_enabled()
    sp.fill("#appeal-text", "模块A布线工艺评分偏低，请复核第一轮与第二轮评分记录。")
    sp.click("#appeal-send")
    sp.wait_for_selector("#appeals .notice >> text=申诉已提交")
    sp.wait_for_selector("#appeals td >> text=待裁决")
    sp.fill("#appeal-text", "再次申诉：同一报名的第二份申诉应被拒绝。")
    sp.click("#appeal-send")
    sp.wait_for_selector("#appeals .alert >> text=该报名已提交过申诉（每个报名限一次）。")

    sup = make_session(viewport=LAPTOP)
    su = sup.page(f"/console/#judging/{j.event}/appeals", LAPTOP)
    sup.sign_in(su, "supervisor")
    su.click("#jc-appeals button[data-appeal]")
    su.select_option("dialog select[name=outcome]", "dismissed")
    su.fill("dialog textarea[name=reason]", "经核查评分记录，两轮评分均符合评分标准，维持原评分。")
    confirm(su)
    su.wait_for_selector("#jc-appeals td >> text=驳回")
    sp.reload()
    sp.wait_for_selector("#appeals td >> text=驳回")
    assert "维持原评分" in sp.locator("#appeals table").inner_text()
    shot(sp, "school-appeal-ruled")

    # unlocking takes two people: the chief judge asks, the supervisor approves
    assert "已解决：最终分 3.33（在允许误差内）" in chief.locator("#jm-tickets").inner_text()
    chief.fill("#jm-unlock-reason", "复核发现模块A记录需更正")
    chief.click("#jm-unlock-ask")
    chief.wait_for_selector("#jm-unlocks .notice >> text=解锁申请已提交，等待监督批准。")
    su.click(f"a[href='#judging/{j.event}/marking']")
    su.click("#jm-unlocks button[data-unlock]")
    su.fill("dialog textarea[name=reason]", "同意解锁，更正后重新锁定")
    confirm(su)
    su.wait_for_selector("#jm-unlocks .notice >> text=已批准解锁。")
    chief.wait_for_selector("#jd-status >> text=评分中")  # the console hears it live
    chief.wait_for_selector("#jm-unlocks td >> text=已批准")
