"""Events (赛项): rule documents validated by the scoring core (422 names scoring's path), the
occupation and work type, team shape and eligibility rules, and which fields freeze at which status."""

from __future__ import annotations

from server.audit.tables import AuditEntry
from server.competitions.tables import Event
from tests.server.competitions.helpers import (
    AWARDS,
    add_entries,
    create_competition,
    create_event,
    event_body,
    scheme,
    step,
)
from tests.server.factories import token_for


async def test_an_event_with_every_rule_reads_back(client, competition_world):
    admin = await token_for(client, "admin")
    competition = await create_competition(client, admin, competition_world)
    made = await create_event(client, admin, competition["id"])
    assert made["occupation"]["name"] == "电工" and made["occupation"]["code"] == "6-31-01-03"
    assert made["scheme"]["criteria"][0]["aspects"][0]["max"] == "30"  # decimals stay strings
    assert made["scheme"]["criteria"][2]["aspects"][0]["rule"] == {"rule": "trimmed_mean", "drop": 1,
                                                                   "max_spread": None, "flag_spread": None}
    assert made["award_rules"]["tiers"][0]["code"] == "first_prize"
    assert made["advancement_rules"]["top_n"] == 3
    assert made["promotion_rules"][0]["target"] == 2
    assert made["eligibility"]["age_reference_date"] == "2026-06-30"
    assert made["eligibility"]["person_statuses"] == ["student", "graduate"]
    assert "results_status" not in made  # the results domain answers that (/api/competitions/{id}/results)
    judge = await token_for(client, "judge")
    listed = (await client.get(f"/api/competitions/{competition['id']}/events", headers=judge)).json()
    assert [e["code"] for e in listed] == ["DG"]
    one = await client.get(f"/api/competitions/{competition['id']}/events/{made['id']}", headers=judge)
    assert one.status_code == 200 and one.json() == made
    assert (await client.get(f"/api/competitions/999999/events/{made['id']}", headers=judge)).status_code == 404
    audit = await AuditEntry.select().where(AuditEntry.action == "event.created")
    assert len(audit) == 1


async def test_work_types_resolve_through_the_catalog(client, competition_world):
    admin = await token_for(client, "admin")
    competition = await create_competition(client, admin, competition_world)
    welding = await create_event(client, admin, competition["id"], code="HG", name="焊工（电焊工）",
                                 occupation_code="6-18-02-04", work_type="电焊工")
    assert welding["work_type"] == "电焊工" and welding["occupation"]["work_type"] == "电焊工"
    lathe = await create_event(client, admin, competition["id"], code="CG", name="数控车工",
                               occupation_code="6-18-01-01", work_type="数控车工")
    assert lathe["occupation"]["name"] == "车工" and lathe["work_type"] == "数控车工"
    # 焊工 lists its work types in the catalog: one that is not among them is refused (the catalog's one rule)
    unknown = await client.post(f"/api/competitions/{competition['id']}/events", headers=admin, json=event_body(
        "X0", occupation_code="6-18-02-04", work_type="水焊工"))
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_work_type", unknown.text
    assert unknown.json()["field"] == "work_type" and "电焊工" in unknown.json()["known"]
    r = await client.post(f"/api/competitions/{competition['id']}/events", headers=admin, json=event_body(
        "X1", occupation_code=None, occupation_id=welding["occupation"]["id"], work_type="气焊工"))
    assert r.status_code == 422 and r.json()["field"] == "work_type"
    url = f"/api/competitions/{competition['id']}/events/{lathe['id']}"
    same = await client.patch(url, json={"occupation_id": lathe["occupation"]["id"], "name": "数控车工（中职组）"},
                              headers=admin)
    assert same.status_code == 200 and same.json()["work_type"] == "数控车工"  # kept, not reset
    moved = await client.patch(url, json={"occupation_id": welding["occupation"]["id"]}, headers=admin)
    assert moved.status_code == 200 and moved.json()["work_type"] == "电焊工"


async def test_bad_rules_are_refused_with_the_scoring_path_and_nothing_is_written(client, competition_world):
    admin = await token_for(client, "admin")
    competition = await create_competition(client, admin, competition_world)
    url = f"/api/competitions/{competition['id']}/events"
    negative = scheme()
    negative["criteria"][0]["aspects"][0]["max"] = "-5"
    typo = scheme()
    typo["criteria"][1]["aspects"][0]["kind"] = "judgment"
    small_panel = scheme()
    small_panel["criteria"][2]["aspects"][0]["judges"] = 2
    too_much = {**AWARDS, "tiers": AWARDS["tiers"] + [{"kind": "ratio", "code": "fourth", "ratio": "0.5",
                                                          "rounding": "floor"}]}
    cases = [
        ({"scheme": negative}, 422, "max_not_positive", "scheme.criteria[0].aspects[0].max"),
        ({"scheme": typo}, 422, "invalid_value", "scheme.criteria[1].aspects[0].kind"),
        ({"scheme": small_panel}, 422, "panel_size_too_small", "scheme.criteria[2].aspects[0].judges"),
        ({"scheme": {"id": "x", "criteria": []}}, 422, "empty", "scheme.criteria"),
        ({"award_rules": too_much}, 422, "ratio_invalid", "award_rules.tiers"),
        ({"award_rules": {"tiers": [{"kind": "threshold", "code": "m", "min_score": "700", "on": "standardized"}],
                          "tie_policy": "higher"}}, 422, "standardization_missing", "award_rules.tiers[0].on"),
        ({"promotion_rules": [{"competition_level": "city", "rank_to": 6, "target": 7}]}, 422,
         "skill_level_invalid", "promotion_rules[0].target"),
        ({"promotion_rules": [{"competition_level": "city", "target": 2}]}, 422, "rule_parameter_invalid",
         "promotion_rules[0]"),
        ({"advancement_rules": {"top_n": 0, "ties": "together"}}, 422, "count_invalid", "advancement_rules.top_n"),
        ({"advancement_rules": {"top_n": 3}}, 422, "missing_field", "advancement_rules.ties"),
        ({"eligibility": {"min_age": 22, "max_age": 16, "age_reference_date": "2026-06-30"}}, 422,
         "age_window_invalid", "eligibility.max_age"),
        ({"eligibility": {"max_age": 22}}, 422, "age_reference_required", "eligibility.age_reference_date"),
        ({"eligibility": {"graduated_within_years": 2}}, 422, "graduates_not_allowed",
         "eligibility.graduated_within_years"),
        ({"eligibility": {"min_age": 16, "shoe_size": 42}}, 400, None, "eligibility.shoe_size"),
        ({"eligibility": {"school_types": ["university"]}}, 400, None, "eligibility.school_types[0]"),
        ({"max_members": 2}, 422, "individual_event_size", "max_members"),
        ({"team": True, "min_members": 1, "max_members": 3}, 422, "team_too_small", "min_members"),
        ({"team": True, "min_members": 3, "max_members": 2}, 422, "members_range_invalid", "min_members"),
        ({"registration_closes": "2026-02-01T00:00:00+08:00"}, 422, "registration_window_invalid",
         "registration_closes"),
        ({"registration_opens": "2026-03-01T00:00:00"}, 400, None, "registration_opens"),
        ({"occupation_code": "8-99-99-99"}, 422, "unknown_occupation", "occupation_code"),
        ({"occupation_code": "9-99-99-99"}, 400, None, "occupation_code"),
        ({"occupation_code": None}, 422, "occupation_required", "occupation_id"),
        ({"occupation_code": None, "occupation_id": 999999}, 422, "occupation_not_found", "occupation_id"),
        ({"group": "teachers"}, 400, None, "group"),
        ({"code": "电工"}, 400, None, "code"),
    ]
    for change, status, code, field in cases:
        r = await client.post(url, json={**event_body("DG"), **change}, headers=admin)
        assert r.status_code == status, (change, r.text)
        body = r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
        if code:
            assert body["code"] == code, (change, body)
        assert body["field"] == field, (change, body)
    assert await Event.count() == 0
    assert not await AuditEntry.exists().where(AuditEntry.action == "event.created")


async def test_every_scoring_problem_is_listed(client, competition_world):
    admin = await token_for(client, "admin")
    competition = await create_competition(client, admin, competition_world)
    bad = scheme()
    bad["criteria"][0]["aspects"][0]["max"] = "0"
    bad["criteria"][0]["aspects"][1]["id"] = "A1"
    r = await client.post(f"/api/competitions/{competition['id']}/events", json=event_body(scheme=bad),
                          headers=admin)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert "scheme.criteria[0].aspects[0].max" in fields and len(r.json()["errors"]) >= 2


async def test_event_codes_are_unique_within_a_competition(client, competition_world):
    admin = await token_for(client, "admin")
    first = await create_competition(client, admin, competition_world)
    second = await create_competition(client, admin, competition_world, name="另一项")
    await create_event(client, admin, first["id"])
    await create_event(client, admin, second["id"])  # another competition may reuse it
    r = await client.post(f"/api/competitions/{first['id']}/events", json=event_body(), headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "event_code_taken" and r.json()["field"] == "code"


async def test_only_organizers_of_the_competition_change_events(client, competition_world):
    admin = await token_for(client, "admin")
    competition = await create_competition(client, admin, competition_world)
    made = await create_event(client, admin, competition["id"])
    other = await token_for(client, "other_organizer")
    url = f"/api/competitions/{competition['id']}/events"
    assert (await client.post(url, json=event_body("X"), headers=other)).status_code == 403
    assert (await client.patch(f"{url}/{made['id']}", json={"name": "改名"}, headers=other)).status_code == 403
    assert (await client.delete(f"{url}/{made['id']}", headers=other)).status_code == 403
    hrss = await token_for(client, "hrss_organizer")
    assert (await client.patch(f"{url}/{made['id']}", json={"name": "电工（高职组）"}, headers=hrss)).status_code == 200


async def test_fields_freeze_as_the_competition_moves_on(client, competition_world):
    admin = await token_for(client, "admin")
    competition = await create_competition(client, admin, competition_world)
    made = await create_event(client, admin, competition["id"])
    url = f"/api/competitions/{competition['id']}/events/{made['id']}"

    async def change(body, status, field=None):
        r = await client.patch(url, json=body, headers=admin)
        assert r.status_code == status, (body, r.text)
        if field:
            assert r.json()["code"] == "event_field_frozen" and r.json()["field"] == field, r.text
        return r

    await step(client, admin, competition["id"], "registration_open")
    await change({"registration_closes": "2026-04-15T00:00:00+08:00", "quota_per_school": 2}, 200)  # deadline extended
    await step(client, admin, competition["id"], "registration_closed")
    for body, field in [({"eligibility": {"max_age": 25, "age_reference_date": "2026-06-30"}}, "eligibility"),
                        ({"quota_per_school": 3}, "quota_per_school"), ({"team": True}, "team"),
                        ({"registration_closes": "2026-05-01T00:00:00+08:00"}, "registration_closes"),
                        ({"occupation_id": made["occupation"]["id"] + 1}, "occupation_id"), ({"group": "worker"}, "group")]:
        await change(body, 409, field)
    await change({"quota_per_school": 2}, 200)  # the value it has is no change
    await change({"name": "电工（中职组）"}, 200)
    await change({"scheme": scheme(id="dg-2026-v2")}, 200)  # judging has not started
    await step(client, admin, competition["id"], "running")
    await change({"scheme": scheme(id="dg-2026-v3")}, 409, "scheme")
    await change({"advancement_rules": {"top_n": 5, "ties": "together"}}, 200)
    await step(client, admin, competition["id"], "results_published")
    await change({"advancement_rules": {"top_n": 2, "ties": "none"}}, 409, "advancement_rules")
    await change({"award_rules": None}, 409, "award_rules")
    await step(client, admin, competition["id"], "archived")
    await change({"name": "电工"}, 409, "name")
    frozen = await client.patch(url, json={"code": "DG2"}, headers=admin)
    assert frozen.json()["competition_status"] == "archived"
    after = (await client.get(url, headers=admin)).json()
    assert after["scheme"]["id"] == "dg-2026-v2" and after["advancement_rules"]["top_n"] == 5
    assert after["quota_per_school"] == 2 and after["name"] == "电工（中职组）"


async def test_changing_the_scheme_rechecks_the_award_rules(client, competition_world):
    admin = await token_for(client, "admin")
    competition = await create_competition(client, admin, competition_world)
    with_scale = scheme(standardization={"method": "worldskills_scale", "spread": "100"})
    made = await create_event(client, admin, competition["id"], scheme=with_scale, award_rules={
        "tiers": [{"kind": "threshold", "code": "excellence", "name": "优胜奖", "min_score": "700",
                   "on": "standardized"}], "tie_policy": "higher"})
    r = await client.patch(f"/api/competitions/{competition['id']}/events/{made['id']}", json={"scheme": scheme()},
                           headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "award_rules.tiers[0].on"


async def test_events_are_added_and_removed_only_before_registration_closes(client, competition_world):
    admin = await token_for(client, "admin")
    competition = await create_competition(client, admin, competition_world)
    keep = await create_event(client, admin, competition["id"])
    drop = await create_event(client, admin, competition["id"], code="QC", name="汽车维修", occupation_code="4-12-01-01")
    url = f"/api/competitions/{competition['id']}/events"
    await step(client, admin, competition["id"], "registration_open")
    await add_entries(keep["id"], [(competition_world.orgs["school_a"], [competition_world.people["school_a"][0]])],
                      status="submitted")
    r = await client.delete(f"{url}/{keep['id']}", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "event_has_entries"
    assert (await client.delete(f"{url}/{drop['id']}", headers=admin)).status_code == 204
    await step(client, admin, competition["id"], "registration_closed")
    r = await client.post(url, json=event_body("NEW"), headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "competition_registration_closed"
    assert [e["code"] for e in (await client.get(url, headers=admin)).json()] == ["DG"]
