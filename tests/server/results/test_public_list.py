"""``GET /api/public/competitions``: anyone lists the competitions with published results (what /results/
shows without a number); imported but unpublished results are not listed, and nothing names an entry,
a school or a person."""

from __future__ import annotations

from tests.server.competitions.helpers import JSON, results_file, running_event, url


async def test_only_competitions_with_published_results_are_listed_for_anyone(client, competition_world):
    assert (await client.get("/api/public/competitions")).json() == []
    admin, shown, event, ids = await running_event(client, competition_world, entries_per_school=1)
    _, hidden, other, other_ids = await running_event(client, competition_world, entries_per_school=1, admin=admin)
    for competition, ev, entry_ids in ((shown, event, ids), (hidden, other, other_ids)):
        file = results_file(dict(zip(entry_ids, ["90", "80"])))
        assert (await client.post(url(competition, ev), content=file, headers={**admin, **JSON})).status_code == 201
    assert (await client.post(url(shown, event, "results/publish"), headers=admin)).status_code == 200

    r = await client.get("/api/public/competitions")  # no sign-in
    assert r.status_code == 200, r.text
    listed = r.json()
    assert [c["competition_id"] for c in listed] == [shown["id"]]
    line = listed[0]
    assert line["name"] == shown["name"] and line["level"] == "city" and line["year"] == shown["year"]
    assert line["organizers"] == ["济宁市教育局", "济宁市人力资源和社会保障局"]
    assert line["published_events"] == 1 and line["last_published_at"]
    assert set(line) == {"competition_id", "name", "level", "year", "edition", "organizers", "published_events",
                         "last_published_at"}
