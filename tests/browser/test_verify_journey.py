"""Journey at phone size (390×844): an employer opens certificates' QR links — a valid one, a revoked one
(with the date of the revocation the API gives) and a forged one (the record edited, the signature kept)
— and the verify page shows each verdict with the time of the check; before any check the page shows no
banner."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest

from tests.browser.conftest import PHONE

CHINA = timezone(timedelta(hours=8))  # 北京时间 (no daylight saving)


def _b32decode(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8))


def _b32encode(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def token(cert: dict) -> str:
    return cert["qr_text"].rsplit("/", 1)[1]


def forged(cert: dict) -> str:
    """The same envelope with one digit of the certificate number changed and the signature kept."""
    env = bytearray(_b32decode(token(cert)))
    number = cert["number"].encode()
    at = bytes(env).find(number)
    assert at > 0, "the number is in the signed record"
    last = at + len(number) - 1
    env[last] = ord("0") + (env[last] - ord("0") + 1) % 10
    return _b32encode(bytes(env))


@pytest.fixture(scope="module")
def certificates(server):
    api = server.client("jn-hrss")
    valid = api.get("/api/certificates", params={"status": "valid", "kind": "skill_level", "limit": 5}).json()["items"]
    assert len(valid) >= 2, "the demo issues skill-level certificates"
    revoked = api.get("/api/certificates", params={"status": "revoked", "limit": 1}).json()["items"]
    if not revoked:
        r = api.post(f"/api/certificates/{valid[1]['id']}/revoke", json={"reason": "浏览器测试：撤销"})
        assert r.status_code == 200, r.text
        revoked = [r.json()]
    return {"valid": valid[0], "revoked": revoked[0]}


def open_qr(session, tok: str):
    page = session.page(f"/C/{tok}", PHONE)
    page.wait_for_selector("#verdict:not([hidden]):not(.state-checking)")
    return page


def test_idle_page_shows_no_banner(session, shot):
    page = session.page("/verify/", PHONE)
    page.wait_for_selector(".site h1")
    assert page.locator("#verdict").is_hidden()
    assert page.locator("#idle-hint").is_visible()
    shot(page, "verify-idle-phone")


def test_valid_revoked_and_forged(session, certificates, shot):
    page = open_qr(session, token(certificates["valid"]))
    assert "state-valid" in page.locator("#verdict").get_attribute("class")
    assert page.locator("#verdict-title").inner_text() == "证书有效"
    assert certificates["valid"]["number"] in page.locator("#facts-list").inner_text()
    assert "签名有效" in page.locator("#check-browser .value").inner_text()
    check_time = page.locator("#check-time").inner_text()
    assert check_time.startswith("核验时间：") and "北京时间" in check_time
    shot(page, "verify-valid-phone")

    page = open_qr(session, token(certificates["revoked"]))
    assert "state-revoked" in page.locator("#verdict").get_attribute("class")
    assert page.locator("#verdict-title").inner_text() == "证书已撤销"
    assert "已撤销" in page.locator("#registry-list").inner_text()
    if certificates["revoked"]["status_reason"]:
        assert certificates["revoked"]["status_reason"] in page.locator("#registry-list").inner_text()
    assert "核验时间" in page.locator("#check-time").inner_text()
    shot(page, "verify-revoked-phone")

    page = open_qr(session, forged(certificates["valid"]))
    assert "state-invalid_signature" in page.locator("#verdict").get_attribute("class")
    assert "签名无效" in page.locator("#verdict-title").inner_text()
    assert "签名无效" in page.locator("#check-browser .value").inner_text()
    assert page.locator("#facts").is_hidden() and page.locator("#idcheck").is_hidden()
    assert "核验时间" in page.locator("#check-time").inner_text()
    shot(page, "verify-forged-phone")


def _china(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(CHINA)


def test_revoked_shows_the_revocation_date_and_the_time_of_the_check(session, server, certificates, shot):
    revoked = certificates["revoked"]
    verdict = server.client().get("/api/verify", params={"qr": revoked["qr_text"]}).json()
    changed = verdict["status"]["changed_at"]  # the API says when the certificate was revoked
    assert _china(changed) == _china(revoked["status_changed_at"])
    before = datetime.now(CHINA).replace(microsecond=0)
    page = open_qr(session, token(revoked))
    after = datetime.now(CHINA)
    when = _china(changed)
    sub = page.locator("#verdict-sub").inner_text()
    assert f"撤销日期 {when:%Y-%m-%d}" in sub, sub  # the date in China time, in the verdict
    assert "撤销时间" in page.locator("#registry-list").inner_text()
    assert page.locator("#registry-list .changed-at").inner_text() == f"{when:%Y-%m-%d %H:%M}（北京时间）"
    shown = page.locator("#check-time").inner_text()
    assert shown.startswith("核验时间：") and shown.endswith("（北京时间）"), shown
    checked = datetime.strptime(shown.removeprefix("核验时间：").removesuffix("（北京时间）"),
                                "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    assert before <= checked <= after, (before, checked, after)  # this check's own time, to the second
    shot(page, "verify-revoked-date-phone")
