"""Revoke, suspend, reinstate and supersede (keyed by the certificate, never by a QR string): reflected in
/api/verify and in the signed status list, audited, organizers of the issuing body only."""

from __future__ import annotations

import datetime as dt

from certificates import StatusList
from server.audit.tables import AuditEntry
from tests.server.factories import token_for


async def _issue(client, h, world, i=0, level=4):
    r = await client.post("/api/certificates/skill-level", headers=h, json={
        "person_id": world.people["school_a"][i], "name": f"学生a{i}", "occupation_code": "6-31-01-03",
        "level": level, "issuer_id": world.orgs["hrss"]})
    assert r.status_code == 201, r.text
    return r.json()


def _same_instant(a: str, b: str) -> bool:
    return dt.datetime.fromisoformat(a.replace("Z", "+00:00")) == dt.datetime.fromisoformat(b.replace("Z", "+00:00"))


async def _state(client, qr):
    r = await client.post("/api/verify", json={"qr": qr})
    assert r.status_code == 200
    return r.json()


async def test_suspend_reinstate_revoke(client, world):
    h = await token_for(client, "organizer")
    cert = await _issue(client, h, world)
    ref = cert["cert_id"]

    r = await client.post(f"/api/certificates/{ref}/suspend", json={"reason": "复核中"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    v = await _state(client, cert["qr_text"])
    assert v["state"] == "suspended" and v["green"] is False and v["status"]["reason"] == "复核中"
    assert v["status"]["changed_at"] is not None and _same_instant(v["status"]["changed_at"],
                                                                    r.json()["status_changed_at"])
    assert v["facts"]["number"] == cert["number"]  # the signed facts are still shown

    r = await client.post(f"/api/certificates/{ref}/reinstate", json={"reason": "复核无误"}, headers=h)
    assert r.json()["status"] == "valid" and r.json()["status_reason"] == ""
    v = await _state(client, cert["qr_text"])
    assert v["state"] == "valid" and v["status"]["changed_at"] is None  # null while valid

    r = await client.post(f"/api/certificates/{cert['id']}/revoke", json={"reason": "考试作弊"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    v = await _state(client, cert["qr_text"])
    assert v["state"] == "revoked" and v["reason"] == "考试作弊" and v["valid"] is False
    assert _same_instant(v["status"]["changed_at"], r.json()["status_changed_at"])  # the revocation date

    # revoked is final
    for action in ("reinstate", "suspend", "revoke"):
        r = await client.post(f"/api/certificates/{ref}/{action}", json={"reason": "再试一次"}, headers=h)
        assert r.status_code == 409 and r.json()["code"] == "status_transition_invalid"
    r = await client.post(f"/api/certificates/{ref}/supersede", json={"reason": "更正"}, headers=h)
    assert r.status_code == 409

    actions = [e["action"] for e in await AuditEntry.select(AuditEntry.action).where(
        AuditEntry.object_type == "certificate").order_by(AuditEntry.seq)]
    assert actions == ["certificate.issued", "certificate.suspended", "certificate.reinstated",
                       "certificate.revoked"]
    revoked = await AuditEntry.select().where(AuditEntry.action == "certificate.revoked").first()
    assert revoked["reason"] == "考试作弊" and revoked["actor"] == "organizer"


async def test_supersede_points_old_to_new(client, world):
    h = await token_for(client, "organizer")
    old = await _issue(client, h, world, level=4)
    r = await client.post(f"/api/certificates/{old['cert_id']}/supersede",
                          json={"reason": "等级录入错误，应为三级", "level": 3}, headers=h)
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["level"] == 3 and new["number"] != old["number"] and new["number"][15] == "3"
    assert new["supersedes"]["number"] == old["number"] and new["status"] == "valid"
    again = (await client.get(f"/api/certificates/{old['id']}", headers=h)).json()
    assert again["status"] == "superseded" and again["superseded_by"]["number"] == new["number"]

    v = await _state(client, old["qr_text"])
    assert v["state"] == "superseded" and v["status"]["replacement_number"] == new["number"]
    assert v["status"]["replacement_cert_id"] == new["cert_id"]
    assert (await _state(client, new["qr_text"]))["state"] == "valid"
    audit = await AuditEntry.select().where(AuditEntry.action == "certificate.superseded").first()
    assert new["number"] in audit["after"] and audit["reason"] == "等级录入错误，应为三级"


async def test_only_organizers_of_the_issuer_change_status(client, world):
    h = await token_for(client, "organizer")
    cert = await _issue(client, h, world)
    for user, status in (("coord_a", 403), ("graduate", 403), ("judge", 403)):
        r = await client.post(f"/api/certificates/{cert['cert_id']}/revoke", json={"reason": "无权"},
                              headers=await token_for(client, user))
        assert r.status_code == status, (user, r.text)
    r = await client.post("/api/certificates/ffffffff-ffffffff/revoke", json={"reason": "不存在"}, headers=h)
    assert r.status_code == 404
    r = await client.post(f"/api/certificates/{cert['cert_id']}/revoke", json={"reason": ""}, headers=h)
    assert r.status_code == 400 and r.json()["field"] == "reason"
    # the QR string is not a key for status changes
    r = await client.post(f"/api/certificates/{cert['qr_text'].rsplit('/', 1)[1]}/revoke", json={"reason": "试试"},
                          headers=h)
    assert r.status_code == 404


async def test_signed_status_list_carries_revocations(client, world, keys):
    h = await token_for(client, "organizer")
    kept = await _issue(client, h, world, 0)
    gone = await _issue(client, h, world, 1)
    await client.post(f"/api/certificates/{gone['cert_id']}/revoke", json={"reason": "撤销"}, headers=h)
    r = await client.get("/.well-known/jineng-status.json")
    assert r.status_code == 200
    status_list = StatusList.load(r.content, keys.root_public_key())
    facts = {c["cert_id"]: (await _state(client, c["qr_text"]))["facts"] for c in (kept, gone)}
    assert status_list.code_at(facts[gone["cert_id"]]["status_index"]) == 1  # revoked
    assert status_list.code_at(facts[kept["cert_id"]]["status_index"]) == 0
    # unchanged statuses: the same document; a change: a newer one
    again = await client.get("/.well-known/jineng-status.json")
    assert again.content == r.content
    await client.post(f"/api/certificates/{kept['cert_id']}/suspend", json={"reason": "暂停"}, headers=h)
    newer = StatusList.load((await client.get("/.well-known/jineng-status.json")).content, keys.root_public_key(),
                            min_sequence=status_list.sequence + 1)
    assert newer.code_at(facts[kept["cert_id"]]["status_index"]) == 2
    # the list says nothing about certificates issued today (they may be newer than the list)
    assert newer.lookup(facts[kept["cert_id"]]["status_index"], dt.date.fromisoformat(kept["issued_on"]),
                        dt.datetime.now(dt.timezone.utc)) is None
