"""One person per resident ID, without an oracle of other schools' records (issue 13, item 8): a
coordinator who registers an ID on record at another school hears the same words wherever that record
is, and nothing of it; whoever may read the record (the region's organizer) is told where it is."""

from __future__ import annotations

from server.people.tables import Person
from tests.server.factories import token_for, upload
from tests.server.people.support import roster_rows, roster_workbook


def person(world, name, resident_id, school="school_a"):
    return {"name": name, "resident_id": resident_id, "school_id": world.orgs[school]}


def record_words(world) -> list[str]:
    """What must not appear in a coordinator's answer: the other schools, their people's names and ids."""
    words = ["泰安技师学院", "济宁技师学院", "another school", "other school", "elsewhere"]
    for key in ("school_b", "school_c"):
        words += [f"person {pid}" for pid in world.people[key]] + [f'"id":{pid}' for pid in world.people[key]]
        words += [f"学生{key[-1]}{i}" for i in range(3)]
    return words


async def test_a_coordinator_learns_nothing_of_another_schools_record(client, world):
    h = await token_for(client, "coord_a")
    answers = []
    for key in ("school_b", "school_c"):  # in the coordinator's region and outside it
        rid = world.resident_ids[world.people[key][0]]
        r = await client.post("/api/people", headers=h, json=person(world, "转学生", rid))
        assert r.status_code == 409, r.text
        body = r.json()
        assert body["code"] == "resident_id_unavailable" and body["field"] == "resident_id"
        assert not [w for w in record_words(world) if w in r.text], r.text
        answers.append({k: v for k, v in body.items()})
    assert answers[0] == answers[1]  # the same words wherever the record is
    # the record stayed where it was, and nothing was added
    assert await Person.count().where(Person.name == "转学生") == 0


async def test_the_roster_import_says_the_same(client, world):
    h = await token_for(client, "coord_a")
    rows = roster_rows(2)
    rows.append(["他校生", world.resident_ids[world.people["school_c"][0]], "在校生", None, None, None, None, None])
    r = await client.post(f"/api/people/import?school_id={world.orgs['school_a']}", headers=h,
                          files=upload(roster_workbook(rows)))
    assert r.status_code == 422
    assert [(e["row"], e["code"]) for e in r.json()["errors"]] == [(4, "resident_id_unavailable")]
    assert not [w for w in record_words(world) if w in r.text], r.text


async def test_the_organizer_who_may_read_the_record_is_told_where_it_is(client, world):
    h = await token_for(client, "organizer")
    pid = world.people["school_b"][0]
    r = await client.post("/api/people", headers=h,
                          json=person(world, "转学生", world.resident_ids[pid], school="school_a"))
    assert r.status_code == 409 and r.json()["code"] == "person_exists_elsewhere"
    assert "济宁技师学院" in r.json()["detail"] and str(pid) in r.json()["detail"]
    # its own school's record is named to the coordinator too (they can read it)
    own = world.people["school_a"][1]
    r = await client.post("/api/people", headers=await token_for(client, "coord_a"),
                          json=person(world, "重复", world.resident_ids[own]))
    assert r.status_code == 409 and r.json()["code"] == "person_exists" and str(own) in r.json()["detail"]
