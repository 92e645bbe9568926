"""The demo competitions: a joint city competition open for registration feeding the province, and a
finished county competition whose published results advance to the city."""

from __future__ import annotations

from server.demo.competitions import EVENTS
from server.demo.loader import DEMO_PASSWORD, load_demo
from tests.server.factories import token_for


async def test_demo_competitions_are_realistic_and_advancement_works(client):
    made = await load_demo()
    # the province and city competitions hold every demo event, the county one two of them (电工, 汽车维修)
    assert made["competitions"] == 3 and made["events"] == len(EVENTS) * 2 + 2
    headers = await token_for(client, "jn-hrss", DEMO_PASSWORD)
    listed = (await client.get("/api/competitions", headers=headers)).json()
    by_name = {c["name"]: c for c in listed}
    city = by_name["2026年济宁市职业院校技能大赛"]
    province = next(c for c in listed if c["level"] == "province")
    county = next(c for c in listed if c["level"] == "county")
    # the judging demo adds a second, running city competition (server/demo/judging.py)
    assert by_name["2026年济宁市技工院校职业技能大赛"]["status"] == "running"
    assert city["status"] == "registration_open"
    assert {o["name"] for o in city["organizers"]} == {"济宁市教育局", "济宁市人力资源和社会保障局"}
    assert city["parent_id"] == province["id"] and province["level"] == "province"
    assert county["status"] == "results_published" and county["parent_id"] == city["id"]
    events = (await client.get(f"/api/competitions/{city['id']}/events", headers=headers)).json()
    names = {e["occupation"]["name"] for e in events}
    assert {"电工", "焊工", "车工", "汽车维修工", "网络与信息安全管理员"} <= names
    for e in events:
        kinds = {a["kind"] for c in e["scheme"]["criteria"] for a in c["aspects"]}
        assert kinds == {"measurement", "judgement", "panel"}
        panel = [a for c in e["scheme"]["criteria"] for a in c["aspects"] if a["kind"] == "panel"][0]
        assert panel["judges"] == 5 and panel["rule"]["rule"] == "trimmed_mean"
        assert [t["ratio"] for t in e["award_rules"]["tiers"]] == ["0.10", "0.20", "0.30"]
        assert e["advancement_rules"]["top_n"] == 3 and e["promotion_rules"]
    county_events = (await client.get(f"/api/competitions/{county['id']}/events", headers=headers)).json()
    public = await client.get(f"/api/public/competitions/{county['id']}/results")
    assert public.status_code == 200 and len(public.json()["events"]) == len(county_events) == 2
    for e in county_events:
        r = await client.post(f"/api/competitions/{county['id']}/events/{e['id']}/advancement", headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["qualifiers"]) == 3
        assert body["created"] + sum(q["outcome"] == "skipped" for q in body["qualifiers"]) == 3
