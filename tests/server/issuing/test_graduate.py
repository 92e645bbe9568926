"""Graduates list and download their own certificates; the PDF prints exactly the signed facts and its QR
code decodes back to the stored QR text. Coordinators and organizers see what their scope covers."""

from __future__ import annotations

from certificates import decode_pdf
from server.issuing.codes import chinese_date
from tests.server.factories import token_for
from tests.server.issuing.helpers import make_entry, make_event, pdf_text, results_doc, squash


async def _issue(client, h, world, school, i, level=4):
    r = await client.post("/api/certificates/skill-level", headers=h, json={
        "person_id": world.people[school][i], "name": f"学生{school[-1]}{i}", "occupation_code": "6-31-01-03",
        "level": level, "issuer_id": world.orgs["hrss"]})
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_graduate_sees_and_downloads_only_their_own(client, world):
    h = await token_for(client, "organizer")
    own = await _issue(client, h, world, "school_a", 0)  # the graduate account's person
    own2 = await _issue(client, h, world, "school_a", 0, level=3)
    other = await _issue(client, h, world, "school_a", 1)
    far = await _issue(client, h, world, "school_c", 0)
    g = await token_for(client, "graduate")

    mine = await client.get("/api/me/certificates", headers=g)
    assert mine.status_code == 200
    assert sorted(c["number"] for c in mine.json()) == sorted([own["number"], own2["number"]])
    listed = await client.get("/api/certificates", headers=g)
    assert {c["number"] for c in listed.json()["items"]} == {own["number"], own2["number"]}
    assert (await client.get(f"/api/certificates/{own['cert_id']}", headers=g)).status_code == 200
    for ref in (other["cert_id"], str(other["id"]), far["cert_id"]):
        assert (await client.get(f"/api/certificates/{ref}", headers=g)).status_code == 404
        assert (await client.get(f"/api/certificates/{ref}/pdf", headers=g)).status_code == 404

    pdf = await client.get(f"/api/certificates/{own['id']}/pdf", headers=g)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and own["number"] in pdf.headers["content-disposition"]

    # revoked: the graduate can no longer download it; the organizer still can
    await client.post(f"/api/certificates/{own['cert_id']}/revoke", json={"reason": "撤销测试"}, headers=h)
    r = await client.get(f"/api/certificates/{own['id']}/pdf", headers=g)
    assert r.status_code == 409 and r.json()["code"] == "certificate_revoked"
    assert (await client.get(f"/api/certificates/{own['id']}/pdf", headers=h)).status_code == 200

    # a school coordinator sees their school's certificates, not another city's
    c = await token_for(client, "coord_a")
    seen = {x["number"] for x in (await client.get("/api/certificates", headers=c)).json()["items"]}
    assert seen == {own["number"], own2["number"], other["number"]}
    assert (await client.get(f"/api/certificates/{far['cert_id']}", headers=c)).status_code == 404
    # an account without a person record has no certificates of its own
    assert (await client.get("/api/me/certificates", headers=h)).json() == []
    assert (await client.get("/api/me/certificates")).status_code == 401


async def test_pdf_prints_the_signed_facts_and_its_qr_decodes(client, world):
    h = await token_for(client, "organizer")
    cert = await _issue(client, h, world, "school_a", 0, level=3)
    facts = (await client.post("/api/verify", json={"qr": cert["qr_text"]})).json()["facts"]
    pdf = (await client.get(f"/api/certificates/{cert['id']}/pdf", headers=await token_for(client, "graduate"))).content
    text = squash(pdf_text(pdf))
    for value in (facts["title"], facts["name"], facts["masked_id"], facts["occupation"], facts["work_type"],
                  facts["level"], facts["number"], facts["issuer"], chinese_date(
                      __import__("datetime").date.fromisoformat(facts["issued_on"])), cert["verification_code"]):
        assert squash(value) in text, (value, text)
    assert decode_pdf(pdf, dpi=200) == [cert["qr_text"]]


async def test_award_pdf_prints_competition_and_signed_award(client, world):
    h = await token_for(client, "organizer")
    ev = await make_event(world, team=True, event_name="工业机器人团体赛", promotion_rules=None)
    a0, a1, a2 = world.people["school_a"]
    entry = await make_entry(world, ev["event"], "school_a", [a0, a1], coaches=[a2])
    r = await client.post("/api/certificates/batches/results", headers=h,
                          json={"event_id": ev["event"], "results": results_doc([(entry, 1, "first")])})
    assert r.status_code == 201, r.text
    cert = next(c for c in r.json()["certificates"] if c["person_id"] == a0)
    facts = (await client.post("/api/verify", json={"qr": cert["qr_text"]})).json()["facts"]
    pdf = (await client.get(f"/api/certificates/{cert['id']}/pdf", headers=await token_for(client, "graduate"))).content
    text = squash(pdf_text(pdf))
    for value in ("获奖证书", "第三届", "第三届全省职业技能大赛", facts["work_type"], facts["level"], facts["number"],
                  facts["issuer"], "学生a0", "学生a1", "学生a2", "学生组（中职）"):
        assert squash(value) in text, (value, text)
    assert facts["level"] == "一等奖" and facts["work_type"] == "工业机器人团体赛"
    assert decode_pdf(pdf, dpi=200) == [cert["qr_text"]]
