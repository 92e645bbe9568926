"""The landing page in Chinese leads to every role's page (the judge tablet and the live scoreboard too); the language switch turns a page to English
and the choice holds across a reload and on the next page; pages fit phone, tablet and laptop widths
with touch targets of at least 44 px."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LAPTOP, PHONE, TABLET

ROLE_PAGES = {"/school/": "院校报名", "/console/": "管理控制台", "/judge/": "裁判评分", "/graduate/": "我的证书",
              "/verify/": "证书验证", "/scoreboard/": "实时成绩", "/results/": "成绩公示"}


def test_landing_in_chinese_links_every_role(session, shot):
    page = session.page("/", PHONE)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "技能大赛" in page.locator("main").inner_text()
    for href, name in ROLE_PAGES.items():
        link = page.locator(f'.roles a[href="{href}"]')
        assert link.count() == 1, href
        assert link.inner_text() == name
    assert "即将推出" not in page.locator("main").inner_text()
    shot(page, "landing-zh-phone")
    for href, name in ROLE_PAGES.items():
        page.goto(session.server.url + "/")
        page.click(f'.roles a[href="{href}"]')
        page.wait_for_url(f"**{href}")
        page.wait_for_selector(".site h1")
        assert page.locator(".site h1").inner_text() == name, href
        assert name in page.title()


def test_language_switch_persists_across_reload_and_pages(session, shot):
    page = session.page("/", TABLET)
    page.click("button.lang-switch")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator(".roles a[href='/school/']").inner_text() == "School registration"
    assert page.locator(".intro h2").inner_text().startswith("Skills competitions")
    page.reload()
    page.wait_for_selector(".site h1")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".roles a[href='/verify/']").inner_text() == "Verify a certificate"
    assert page.locator("button.lang-switch").inner_text() == "中文"
    page.goto(session.server.url + "/verify/")
    page.wait_for_selector(".site h1")
    assert page.locator(".site h1").inner_text() == "Certificate verification"
    assert page.locator("#lookup h2").inner_text() == "Look up a certificate"
    shot(page, "language-en-verify-tablet")
    page.click("button.lang-switch")
    page.wait_for_function("document.documentElement.lang === 'zh-CN'")
    assert page.locator("#lookup h2").inner_text() == "手工查询"


LAYOUT_PAGES = ["/", "/verify/", "/results/", "/results/?competition=3", "/school/", "/console/", "/graduate/", "/judge/",
                "/scoreboard/", "/scoreboard/?event=13"]

# every control a finger presses: buttons, button-like links, form fields (checkboxes sit in 44 px labels)
TARGETS = """
() => [...document.querySelectorAll('button, a.button, input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea, .site nav a, .tabs a')]
  .filter((n) => n.offsetParent !== null)
  .map((n) => ({ what: n.outerHTML.slice(0, 80), h: n.getBoundingClientRect().height, w: n.getBoundingClientRect().width }))
  .filter((b) => b.h < 44 || b.w < 44)
"""


@pytest.mark.parametrize("viewport", [PHONE, TABLET, LAPTOP], ids=["390x844", "768x1024", "1280x800"])
def test_pages_fit_the_screen_with_large_touch_targets(session, viewport):
    page = session.page(None, viewport)
    for path in LAYOUT_PAGES:
        page.goto(session.server.url + path)
        page.wait_for_selector(".site h1")
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the {viewport['width']}px screen"
        small = page.evaluate(TARGETS)
        assert not small, f"{path}: touch targets under 44 px: {small}"
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
          .filter((n) => n.offsetParent !== null && !n.labels?.length && !n.getAttribute('aria-label'))
          .map((n) => n.outerHTML.slice(0, 80))""")
        assert not unlabelled, f"{path}: form fields without a label: {unlabelled}"
