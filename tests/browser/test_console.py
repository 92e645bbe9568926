"""The organizer's console: create a competition, add an event found by the occupation search (pinyin
initials), see a bad marking scheme refused with the problem's path in Chinese, fix it (the event listed with
no results yet), and open registration; a school coordinator is not let in."""

from __future__ import annotations

import json

from tests.browser.conftest import LAPTOP, TABLET

BAD_SCHEME = {"format": "jineng.scheme/1", "id": "t", "name": "测试评分标准", "criteria": [
    {"id": "A", "name": "模块A", "aspects": [{"kind": "measurement", "id": "A1", "name": "接线", "max": "-5"}]}]}


def test_competition_event_scheme_problems_and_lifecycle(session, shot):
    page = session.page("/console/", LAPTOP)
    session.sign_in(page, "jn-edu")
    page.click("text=新建竞赛")
    page.fill("#cf-name", "2026年济宁市控制台测试大赛")
    page.fill("#cf-edition", "1")
    page.click("#competition-form button[type=submit]")
    page.wait_for_url("**/console/#competition/*")
    page.wait_for_selector("#c-title")
    assert page.locator("#c-title").inner_text() == "2026年济宁市控制台测试大赛"
    assert "草稿" in page.locator(".facts").inner_text()

    page.click("#event-new")
    page.fill("#ef-code", "DG")
    page.fill("#ef-name", "电工")
    page.fill("#ef-occupation", "DG")
    page.locator("#ef-occupation-options button", has_text="6-31-01-03 电工").first.click()
    assert "已选：6-31-01-03 电工" in page.locator("#ef-occupation-hint").inner_text()
    page.fill("#ef-scheme", json.dumps(BAD_SCHEME, ensure_ascii=False))
    page.click("#event-form button[type=submit]")
    alert = page.locator("#event-form .alert")
    alert.wait_for()
    assert "满分必须大于 0" in alert.inner_text()
    assert "评分标准 · criteria[0].aspects[0].max" in alert.inner_text()
    assert page.locator("#ef-scheme").get_attribute("aria-invalid") == "true"
    shot(page, "console-scheme-problem")

    page.fill("#ef-scheme", "{ not json")
    page.click("#event-form button[type=submit]")
    page.locator("#event-form .alert", has_text="不是有效的 JSON").wait_for()

    page.fill("#ef-scheme", "")
    page.click("#event-form button[type=submit]")
    page.locator("section[aria-labelledby=ev-title] td", has_text="6-31-01-03 电工").wait_for()
    # where the event's results stand, from GET /api/competitions/{id}/results
    assert page.locator("section[aria-labelledby=ev-title] td [data-results=none]").inner_text() == "无成绩"

    page.click("#comp-next")
    page.click("dialog button[value=ok]")
    page.locator(".facts .badge", has_text="报名中").wait_for()
    page.locator("#comp-out .notice", has_text="报名中").wait_for()
    shot(page, "console-competition-open")


def test_a_school_coordinator_is_not_let_into_the_console(session):
    page = session.page("/console/", TABLET)
    session.sign_in(page, "school-01")
    page.locator(".gate", has_text="此页面面向").wait_for()
    assert page.locator("main").is_hidden()
