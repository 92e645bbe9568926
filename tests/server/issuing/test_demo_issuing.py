"""The demo loads certificates through the real services: keys, skill levels, awards with promotions from
the county results, one revoked and one superseded; the demo graduate has certificates to download."""

from __future__ import annotations

from server.demo.loader import DEMO_PASSWORD, load_demo
from server.issuing.tables import Certificate


async def test_demo_certificates(client):
    made = await load_demo()
    assert made["certificates"] == 24
    assert made["certificates_revoked"] == 1 and made["certificates_superseded"] == 1
    statuses = [r["status"] for r in await Certificate.select(Certificate.status)]
    assert statuses.count("revoked") == 1 and statuses.count("superseded") == 1

    r = await client.post("/api/auth/login", json={"username": "graduate", "password": DEMO_PASSWORD, "mode": "token"})
    h = {"Authorization": f"Bearer {r.json()['token']}"}
    mine = (await client.get("/api/me/certificates", headers=h)).json()
    assert mine and all(c["person_id"] == mine[0]["person_id"] for c in mine)
    v = (await client.post("/api/verify", json={"qr": mine[-1]["qr_text"]})).json()
    assert v["state"] == "valid"
    pdf = await client.get(f"/api/certificates/{mine[-1]['id']}/pdf", headers=h)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    awards = await Certificate.select().where(Certificate.kind == "award")
    # the county competition of the competitions demo published results: its awards are certified
    assert len(awards) == 14 and all(a["number"].startswith("JN") for a in awards)
    linked = [a for a in awards if a["promotion_certificate"]]
    assert len(linked) == 3  # a county first prize lifts a skill level: the award points to that certificate
    for a in linked:
        skill = await Certificate.select().where(Certificate.id == a["promotion_certificate"]).first()
        assert skill["kind"] == "skill_level" and skill["person"] == a["person"]
