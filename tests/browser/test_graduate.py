"""A graduate's sign-in works on the first click (it used to throw: event.currentTarget is null after an
await) and lists their certificates with a working PDF download."""

from __future__ import annotations

from tests.browser.conftest import PHONE


def test_graduate_signs_in_with_one_click_and_downloads(session, shot):
    page = session.page("/graduate/", PHONE)
    session.sign_in(page, "graduate")  # one click on 登录, no retry
    first = page.locator("#certificates li.record").first
    first.wait_for()
    assert page.locator("#signin-form").count() == 0
    assert "证书编号" in first.inner_text()
    with page.expect_download() as info:
        first.locator("button", has_text="下载 PDF").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    shot(page, "graduate-certificates-phone")
