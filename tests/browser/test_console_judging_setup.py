"""The console's judging set-up, by the people who do it: the organizer changes a setting, builds the pool
from the accounts list, applies the suggested assignment and sees a full panel refused in Chinese, and
checks everyone in; the encryption officer makes the draw with a passphrase (a mistyped confirmation is
caught first) and downloads the sealed-envelope PDF; the chief judge opens marking."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import LAPTOP
from tests.browser.judging import PASSPHRASE, judged_event


def test_pool_assignments_checkin_draw_and_opening(make_session, server, shot):
    j = judged_event(server, "setup", staffed=False)
    users = {u["username"]: u["id"] for u in j.client("jn-edu").get("/api/users").json()}

    org = make_session(viewport=LAPTOP)
    page = org.page(f"/console/#judging/{j.event}/setup", LAPTOP)
    org.sign_in(page, "jn-edu")
    page.wait_for_selector("#js-settings")
    assert page.locator("#jd-status").inner_text() == "准备中"
    page.fill("#js-window", "30")
    page.click("#js-settings-save")
    page.wait_for_selector("#js-settings .notice >> text=设置已保存。")
    assert j.client("jn-edu").get(f"{j.base}/").json()["appeal_window_minutes"] == 30

    for username, role in [*((u, "judge") for u in j.judges), ("chief-judge", "chief_judge"),
                           ("encryption", "encryption_officer"), ("supervisor", "supervisor")]:
        page.select_option("#js-pool-user", str(users[username]))
        page.select_option("#js-pool-role", role)
        page.click("#js-pool-add")
        page.wait_for_selector(f"#js-pool td >> text={username}")
    assert page.locator("#js-pool tbody tr").count() == 6

    page.click("#js-suggest")
    page.wait_for_selector("#js-suggestion")
    page.click("#js-apply")
    page.wait_for_selector("#js-assignments .notice >> text=已采用建议分配。")
    seats = page.locator("#js-assignments tbody td.num").all_inner_texts()
    assert seats == ["3/3", "1/1"]
    a2 = page.locator("#js-assignments tbody tr").nth(1).inner_text()
    free = next(n for n in (1, 2, 3) if f"裁判 setup {n} 号" not in a2)  # a judge not on the A2 panel
    page.select_option("#js-assign-judge", str(j.judges[j.judge(free)]))
    page.select_option("#js-assign-aspect", "A|A2")
    page.click("#js-assign-add")
    page.wait_for_selector("#js-assignments .alert >> text=该评分项的裁判已满。")

    page.click(f"a[href='#judging/{j.event}/draw']")
    page.wait_for_selector("#js-checkin tbody tr")
    assert page.locator("#js-checkin tbody tr").count() == 3
    page.click("#js-all-present")
    page.click("#js-checkin-save")
    page.wait_for_selector("#js-checkin .notice >> text=检录结果已保存。")
    assert not page.locator("#js-draw").count()  # the draw is the encryption officer's

    enc = make_session(viewport=LAPTOP)
    ep = enc.page(f"/console/#judging/{j.event}/draw", LAPTOP)
    enc.sign_in(ep, "encryption")
    ep.wait_for_selector("#js-draw-form")
    ep.fill("#js-pass", PASSPHRASE)
    ep.fill("#js-pass2", PASSPHRASE + "x")
    ep.click("#js-draw-go")
    ep.wait_for_selector("#js-draw .alert >> text=两次输入的口令不一致。")
    ep.fill("#js-pass2", PASSPHRASE)
    ep.click("#js-draw-go")
    ep.wait_for_selector("#js-draw .notice >> text=抽签完成：3 个编码")
    assert "工位号（二次加密） → 抽签号" in ep.locator("#js-draw .notice").inner_text()
    ep.wait_for_selector("#js-envelope:not([hidden])")
    ep.fill("#js-pass-pdf", "这不是抽签时用的那个口令 2026")
    ep.click("#js-envelope-go")
    ep.wait_for_selector("#js-draw .alert >> text=口令不正确，无法打开密封。")
    ep.fill("#js-pass-pdf", PASSPHRASE)
    with ep.expect_download() as info:
        ep.click("#js-envelope-go")
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and info.value.suggested_filename == f"mapping-{j.event}.pdf"

    chief = make_session(viewport=LAPTOP)
    cp = chief.page(f"/console/#judging/{j.event}/draw", LAPTOP)
    chief.sign_in(cp, "chief-judge")
    cp.click("#js-open")
    cp.wait_for_selector("#js-open-card .notice >> text=评分已开始")
    cp.wait_for_selector("#jd-status >> text=评分中")
    assert sorted(j.codes()) == ["G01", "G02", "G03"]
    shot(cp, "console-marking-opened")


# What GET …/analytics answers once its exact fractions are encoded (scoring.judge_analytics through
# msgspec.to_builtins with enc_hook=str); today the route fails on the Fraction (reported to the lead), so
# the chart is checked against this answer, served to the page in its place.
ANALYTICS = {"judges": {"judges": [
    {"judge": "7", "panels": 2, "mean_deviation": "-1/6", "mean_abs_deviation": "1/6", "breaches": 0, "breach_rate": "0", "tendency": "severe"},
    {"judge": "8", "panels": 2, "mean_deviation": "1/3", "mean_abs_deviation": "1/3", "breaches": 1, "breach_rate": "1/2", "tendency": "lenient"},
    {"judge": "9", "panels": 2, "mean_deviation": "0", "mean_abs_deviation": "0", "breaches": 0, "breach_rate": "0", "tendency": "neutral"}],
    "threshold": "0.05", "method": "deviation"}, "what_if": {}}


def test_judge_analytics_is_an_inline_svg_chart(session):
    page = session.page(None, LAPTOP)
    page.route("**/api/judging/events/*/analytics", lambda route: route.fulfill(json=ANALYTICS))
    page.goto(f"{session.server.url}/console/#judging/13/closing")  # the demo's judged event
    session.sign_in(page, "chief-judge")
    page.wait_for_selector("#jc-chart rect[data-judge='8']")
    bars = {b.get_attribute("data-judge"): (float(b.get_attribute("x")), float(b.get_attribute("width")))
            for b in page.locator("#jc-chart rect").all()}
    middle = float(page.locator("#jc-chart line").get_attribute("x1"))
    assert bars["7"][0] + bars["7"][1] == middle  # severe: left of the middle
    assert bars["8"][0] == middle and bars["8"][1] == 2 * bars["7"][1]  # lenient, twice as far: right
    text = page.locator("#jc-chart").text_content()
    assert "偏宽 · 超差 50.0%" in text and "偏严" in text and "适中" in text
    assert page.locator("#jc-chart").evaluate("n => n.namespaceURI") == "http://www.w3.org/2000/svg"
