"""Journey: a school coordinator imports a roster with a bad row and sees that row's error in Chinese next
to it, fixes the file and imports it; registers a new student for an event, checks eligibility and
submits; the organizer returns the entry in the console with a remark on the competitor; the coordinator
sees the remark next to that field and resubmits."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from tests.browser.conftest import LAPTOP, TABLET

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def resident_id(body17: str) -> str:
    """GB 11643: 17 digits and the mod 11-2 check character."""
    return body17 + "10X98765432"[sum(int(d) * w for d, w in zip(body17, WEIGHTS)) % 11]


def roster(template: bytes, rows: list[list]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb["data"]
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def open_competition(server) -> tuple[int, int]:
    """A city competition open for registration now, with one individual event (the demo's dates are fixed)."""
    org = server.client("jn-edu")
    now = dt.datetime.now(dt.timezone.utc)
    c = org.post("/api/competitions", json={"name": "2026年济宁市浏览器测试技能大赛", "level": "city", "year": now.year,
                                            "organizers": [{"organization_id": _org_id(org, "济宁市教育局")}]})
    assert c.status_code == 201, c.text
    cid = c.json()["id"]
    e = org.post(f"/api/competitions/{cid}/events", json={
        "code": "DGT", "name": "电工（测试）", "occupation_code": "6-31-01-03", "quota_per_school": 3,
        "registration_opens": (now - dt.timedelta(days=1)).isoformat(),
        "registration_closes": (now + dt.timedelta(days=30)).isoformat()})
    assert e.status_code == 201, e.text
    assert org.post(f"/api/competitions/{cid}/transitions", json={"to": "registration_open"}).status_code == 200
    return cid, e.json()["id"]


def _org_id(client, name: str) -> int:
    found = [o for o in client.get("/api/organizations", params={"q": name}).json() if o["name"] == name]
    assert found, name
    return found[0]["id"]


def test_roster_import_entry_return_and_resubmit(session, server, shot, tmp_path):
    school = server.client("school-01")
    me = school.get("/api/auth/me").json()
    school_id = me["grants"][0]["organization_id"]
    cid, eid = open_competition(server)

    good = resident_id("37081120080315003")
    bad_body = "37081120090506004"
    bad = bad_body + ("0" if resident_id(bad_body)[-1] != "0" else "1")  # wrong check character
    template = school.get("/api/people/template").content
    broken = tmp_path / "roster-bad.xlsx"
    broken.write_bytes(roster(template, [["测试甲", good, "在校生", "660301", "机电技术应用", 2024, 2027],
                                         ["测试乙", bad, "在校生", "660301", "机电技术应用", 2024, 2027]]))

    # --- the coordinator: a roster with a bad row
    page = session.page("/school/", TABLET)
    session.sign_in(page, "school-01")
    page.wait_for_selector("#students table")
    page.set_input_files("#roster-import-file", str(broken))
    row = page.locator('#roster-import tr[data-row="3"]')
    row.wait_for()
    assert "身份证号无效" in row.locator("td.errors").inner_text()
    assert "身份证号" in row.locator("td.errors").inner_text()
    assert row.locator("td.cell-error").inner_text() == bad
    assert page.locator('#roster-import tr[data-row="2"]').count() == 0  # only the rows at fault are listed
    assert "文件未导入" in page.locator("#roster-import .alert").inner_text()
    assert page.locator("#roster-import-go").is_hidden()
    shot(page, "school-roster-row-error")

    # fixed, checked again, imported
    fixed = tmp_path / "roster-fixed.xlsx"
    fixed.write_bytes(roster(template, [["测试甲", good, "在校生", "660301", "机电技术应用", 2024, 2027],
                                        ["测试乙", resident_id(bad_body), "在校生", "660301", "机电技术应用", 2024, 2027]]))
    page.set_input_files("#roster-import-file", str(fixed))
    page.locator("#roster-import .notice", has_text="检查通过").wait_for()
    assert page.locator("#roster-import-go").inner_text() == "导入 2 行"
    page.click("#roster-import-go")
    page.locator("#roster-import .notice", has_text="已导入 2 人").wait_for()
    person = school.get("/api/people", params={"school_id": school_id, "q": "测试甲"}).json()["items"][0]

    # --- an entry: draft, eligibility, submit
    page.click("nav a[href='/school/#entries']")
    page.click("text=新建报名")
    page.select_option("#entry-competition", str(cid))
    page.locator(f'#entry-event option[value="{eid}"]').wait_for(state="attached")
    page.select_option("#entry-event", str(eid))
    page.select_option("#members-0", str(person["id"]))
    page.click("text=保存并检查资格")
    page.locator("#eligibility .notice", has_text="符合报名条件").wait_for()
    page.click("#entry-submit")
    page.locator(".notice", has_text="报名已提交").wait_for()
    entry = school.get("/api/entries", params={"school_id": school_id, "event_id": eid}).json()["items"][0]
    assert entry["status"] == "submitted" and entry["members"][0]["person_id"] == person["id"]

    # --- the organizer returns it with a remark on the competitor
    organizer = session.context.browser.new_context(viewport=LAPTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    organizer.on("request", lambda request: session.requests.append(request.url))
    try:
        console = organizer.new_page()
        console.on("pageerror", lambda exc: session.errors.append(f"console: {exc}"))
        console.goto(f"{server.url}/console/#review/competition_id={cid}")
        session.sign_in(console, "jn-edu")
        item = console.locator(f'#review-list li[data-entry="{entry["id"]}"]')
        item.wait_for()
        assert "测试甲" in item.inner_text()
        item.locator("button", has_text="退回修改").click()
        assert console.locator("#remark-field-0").input_value() == "members[0].person_id"
        console.fill("#remark-message-0", "请补充该选手的学籍证明材料。")
        console.click("#return-form button[value=ok]")
        console.locator(".notice", has_text="已退回学校").wait_for()
        shot(console, "console-review-returned")
    finally:
        organizer.close()

    # --- the coordinator sees the remark and resubmits
    page.reload()
    record = page.locator(f'#entry-list li[data-entry="{entry["id"]}"]')
    record.wait_for()
    assert "已退回" in record.inner_text()
    assert "选手1：请补充该选手的学籍证明材料。" in record.locator(".remarks").inner_text()
    record.locator("button", has_text="修改后重新提交").click()
    editor = page.locator("#entry-editor")
    editor.wait_for()
    assert "请补充该选手的学籍证明材料。" in editor.locator("#members-0 ~ .remarks, .remarks").first.inner_text()
    page.locator("#eligibility .notice", has_text="符合报名条件").wait_for()
    page.click("#entry-submit")
    page.locator(".notice", has_text="已重新提交").wait_for()
    page.locator(f'#entry-list li[data-entry="{entry["id"]}"] .badge', has_text="已重新提交").wait_for()
    assert school.get(f"/api/entries/{entry['id']}").json()["status"] == "resubmitted"
    shot(page, "school-entry-resubmitted")
