"""The school's appeals tab shows the chosen entry's appeal window and files only inside it: before the
lock it says appeals open when marking is locked, after a window of 0 minutes it says when it closed —
and in both the appeal cannot be sent (what the server would refuse)."""

from __future__ import annotations

from tests.browser.conftest import TABLET
from tests.browser.judging import judged_event


def test_filing_is_disabled_outside_the_appeal_window(make_session, server, shot):
    j = judged_event(server, "window", settings={"appeal_window_minutes": 0})
    school = make_session(viewport=TABLET)
    sp = school.page("/school/#appeals", TABLET)
    school.sign_in(sp, "school-01")
    sp.wait_for_selector("#appeal-form")
    sp.select_option("#appeal-entry", str(j.entries[0]))
    sp.wait_for_selector("#appeal-window[data-open=false]")
    assert sp.locator("#appeal-window").inner_text() == "该赛项评分锁定后开放申诉（时限 0 分钟）。"
    assert sp.locator("#appeal-send").is_disabled() and sp.locator("#appeal-text").is_disabled()

    j.mark_all({code: (2, 2, 2, "3") for code in j.codes()})
    j.sign_off_all()
    r = j.client("chief-judge").post(f"{j.base}/lock", json={})
    assert r.status_code == 200, r.text
    said = j.client("school-01").get(f"{j.base}/appeal-window").json()
    assert not said["open"] and said["closes_at"]
    sp.reload()
    sp.wait_for_selector("#appeal-form")
    sp.select_option("#appeal-entry", str(j.entries[0]))
    sp.wait_for_selector("#appeal-window[data-open=false] >> text=申诉已于")
    assert sp.locator("#appeal-send").is_disabled() and sp.locator("#appeal-text").is_disabled()
    shot(sp, "school-appeal-window-closed")
