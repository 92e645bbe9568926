"""One skill-level certificate through the API: numbered, signed, verified, on the graduate record,
audited; and every refusal as problem+json with a stable code and the field at fault."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

from certificates import cross_check
from certificates.numbering import parse_skill_number
from server.audit.tables import AuditEntry
from server.issuing.clock import beijing_today
from tests.server.factories import token_for
from tests.server.issuing.helpers import leaks_id


def _body(world, person_key="school_a", i=0, **over):
    pid = world.people[person_key][i]
    body = {"person_id": pid, "name": f"学生{person_key[-1]}{i}", "occupation_code": "6-31-01-03", "level": 4,
            "issuer_id": world.orgs["hrss"]}
    body.update(over)
    return body


async def test_issue_one_skill_level_certificate_end_to_end(client, world):
    h = await token_for(client, "organizer")
    r = await client.post("/api/certificates/skill-level", json=_body(world), headers=h)
    assert r.status_code == 201, r.text
    cert = r.json()
    assert cert["kind"] == "skill_level" and cert["title"] == "职业技能等级证书"
    assert cert["level_name"] == "四级/中级工" and cert["occupation_name"] == "电工"
    assert cert["issuer_name"] == "济宁市人力资源和社会保障局"
    number = cert["number"]
    parsed = parse_skill_number(number)
    assert parsed.issuer_type == "S" and parsed.province == "37" and int(parsed.level) == 4
    assert parsed.sequence == 1
    cross_check(number, 1, 4, beijing_today())
    assert len(cert["verification_code"]) == 16 and cert["verification_code"].count("-") == 3
    assert cert["masked_id"].startswith("370") and "*" * 11 in cert["masked_id"]
    assert cert["qr_text"].startswith("HTTP://127.0.0.1:8000/C/")
    assert cert["status"] == "valid"

    v = await client.post("/api/verify", json={"qr": cert["qr_text"]})
    assert v.status_code == 200
    out = v.json()
    assert out["state"] == "valid" and out["green"] is True
    assert out["facts"]["number"] == number and out["facts"]["name"] == "学生a0"
    assert out["facts"]["occupation"] == "6-31-01-03 电工"
    assert out["facts"]["issuer"] == "济宁市人力资源和社会保障局"
    assert out["status"]["status"] == "valid"
    assert not leaks_id(v.text)

    # on the graduate record, and in the audit chain
    p = await client.get(f"/api/people/{world.people['school_a'][0]}", headers=h)
    levels = p.json().get("skill_levels", [])
    assert any(lv["level"] == 4 and lv["source"] == number for lv in levels)
    entries = await AuditEntry.select().where(AuditEntry.action == "certificate.issued")
    assert len(entries) == 1 and number in entries[0]["after"]
    chain = await client.get("/api/audit/verify", headers=await token_for(client, "admin"))
    assert chain.json()["ok"] is True


async def test_person_by_resident_id_and_nfd_name(client, world):
    h = await token_for(client, "organizer")
    pid = world.people["school_b"][1]
    body = _body(world, "school_b", 1, person_id=None, resident_id=world.resident_ids[pid].lower(),
                 name=unicodedata.normalize("NFD", " 学生b1 "))
    r = await client.post("/api/certificates/skill-level", json=body, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["person_id"] == pid


async def test_refusals_name_the_code_and_field(client, world):
    h = await token_for(client, "organizer")
    cases = [
        (_body(world, name="别人"), 422, "name_mismatch", "name"),
        (_body(world, occupation_code="9-99-99-99"), 400, None, "occupation_code"),
        (_body(world, occupation_code="6-99-99-99"), 422, "unknown_occupation", "occupation_code"),
        (_body(world, occupation_code="6-18-02-04", work_type="气焊工", level=1), 422, "level_not_offered", "level"),
        (_body(world, occupation_code="6-18-02-04", work_type="水焊工"), 422, "unknown_work_type", "work_type"),
        (_body(world, issued_on=(beijing_today() + timedelta(days=2)).isoformat()), 422, "future_date", "issued_on"),
        (_body(world, person_id=None), 422, "person_required", "resident_id"),
        (_body(world, person_id=None, resident_id="370881200703010012"), 422, "invalid_resident_id", "resident_id"),
        (_body(world, person_id=999999), 422, "person_not_found", "person_id"),
        (_body(world, issuer_id=999999), 422, "issuer_not_found", "issuer_id"),
        (_body(world, level=6), 400, None, "level"),
        (_body(world, extra=1), 400, None, None),
        (_body(world, issued_on=(beijing_today() - timedelta(days=200)).isoformat()), 422,
         "issue_date_outside_key_window", "issued_on"),
    ]
    for body, status, code, field in cases:
        r = await client.post("/api/certificates/skill-level", json=body, headers=h)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        if code:
            assert problem["code"] == code, (body, problem)
        if field:
            assert problem.get("field") == field, (body, problem)
    # out of scope: an issuer in another city; roles without issuing rights
    r = await client.post("/api/certificates/skill-level", json=_body(world, issuer_id=world.orgs["school_c"]),
                          headers=h)
    assert r.status_code == 403 and r.json()["code"] == "issuer_out_of_scope"
    for user in ("coord_a", "graduate", "judge"):
        r = await client.post("/api/certificates/skill-level", json=_body(world),
                              headers=await token_for(client, user))
        assert r.status_code == 403 and r.json()["code"] == "role_required"
    # nothing was issued by any of these
    r = await client.get("/api/certificates", headers=h)
    assert r.json()["total"] == 0


async def test_the_same_level_twice_is_a_conflict(client, world):
    h = await token_for(client, "organizer")
    assert (await client.post("/api/certificates/skill-level", json=_body(world), headers=h)).status_code == 201
    r = await client.post("/api/certificates/skill-level", json=_body(world), headers=h)
    assert r.status_code == 409 and r.json()["code"] == "certificate_exists"
    # another level is fine, and numbered in its own level's sequence
    r = await client.post("/api/certificates/skill-level", json=_body(world, level=3), headers=h)
    assert r.status_code == 201
    assert r.json()["number"][15] == "3" and r.json()["number"].endswith("000001")


async def test_number_year_and_level_agree_with_the_signed_fields(client, world):
    h = await token_for(client, "organizer")
    day = beijing_today() - timedelta(days=3)
    r = await client.post("/api/certificates/skill-level",
                          json=_body(world, level=2, issued_on=day.isoformat(),
                                     assessed_on=(day - timedelta(days=5)).isoformat()), headers=h)
    assert r.status_code == 201, r.text
    cert = r.json()
    assert cert["number"][13:15] == f"{day.year % 100:02d}" and cert["number"][15] == "2"
    v = (await client.get("/api/verify", params={"qr": cert["qr_text"]})).json()
    assert v["facts"]["issued_on"] == day.isoformat() and v["facts"]["level"] == "二级/技师"
    assert date.fromisoformat(cert["assessed_on"]) == day - timedelta(days=5)
