"""Reading results: who sees entry and school ids, and where each event of a competition stands (what
the events' ``results_status`` said before it moved to the results domain)."""

from __future__ import annotations

from tests.server.competitions.helpers import JSON, results_file, running_event, url
from tests.server.factories import token_for


async def test_published_results_show_ids_only_to_those_who_manage_the_competition(client, competition_world):
    """Issue 13 item 8: a coordinator or another city's organizer reads published results by name."""
    admin, competition, event, ids = await running_event(client, competition_world)
    file = results_file(dict(zip(ids, ["95", "88", "72", "90", "60", "81"])))
    assert (await client.post(url(competition, event), content=file, headers={**admin, **JSON})).status_code == 201
    assert (await client.post(url(competition, event, "results/publish"), headers=admin)).status_code == 200
    for name in ("admin", "organizer", "hrss_organizer"):
        lines = (await client.get(url(competition, event), headers=await token_for(client, name))).json()["lines"]
        assert sorted(line["entry_id"] for line in lines) == sorted(ids), name
        assert {line["school_id"] for line in lines} == {competition_world.orgs["school_a"],
                                                         competition_world.orgs["school_b"]}, name
    for name in ("coord_a", "coord_b", "other_organizer", "judge", "graduate"):
        r = await client.get(url(competition, event), headers=await token_for(client, name))
        assert r.status_code == 200, (name, r.text)
        lines = r.json()["lines"]
        assert [(line["entry_id"], line["school_id"]) for line in lines] == [(None, None)] * 6, name
        assert {line["school_name"] for line in lines} == {"曲阜市职业中等专业学校", "济宁技师学院"}
        assert sorted(line["rank"] for line in lines) == [1, 2, 3, 4, 5, 6]


async def test_where_each_event_stands_with_its_results(client, competition_world):
    admin, competition, event, ids = await running_event(client, competition_world, entries_per_school=1)
    judge = await token_for(client, "judge")
    status_url = f"/api/competitions/{competition['id']}/results"
    before = (await client.get(status_url, headers=judge)).json()
    assert [(s["code"], s["status"], s["entry_count"], s["imported_at"]) for s in before] == [("DG", "none", 0, None)]
    file = results_file(dict(zip(ids, ["90", "80"])))
    assert (await client.post(url(competition, event), content=file, headers={**admin, **JSON})).status_code == 201
    imported = (await client.get(status_url, headers=judge)).json()
    assert [(s["event_id"], s["status"], s["source"], s["entry_count"]) for s in imported] == [
        (event["id"], "imported", "import", 2)]
    assert imported[0]["imported_at"] and imported[0]["published_at"] is None
    await client.post(url(competition, event, "results/publish"), headers=admin)
    published = (await client.get(status_url, headers=judge)).json()
    assert published[0]["status"] == "published" and published[0]["published_at"]
    assert (await client.get("/api/competitions/999999/results", headers=judge)).status_code == 404
    assert (await client.get(status_url)).status_code == 401

