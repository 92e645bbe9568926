"""Issue 13 item 12: results that are not final are refused naming each entry, the aspect and what it
waits for (the missing marks, a re-mark, a third marker, an arbiter), on compute and on import."""

from __future__ import annotations

import random
from decimal import Decimal

import scoring
from tests.server.competitions.helpers import JSON, SIMPLE_SCHEME, marks_for, running_event, url


async def test_computing_names_the_entry_the_aspect_and_what_is_needed(client, competition_world):
    admin, competition, event, ids = await running_event(client, competition_world)
    sheet = marks_for(ids, random.Random(5), skip=2)  # entry ids[2] lacks its fifth C1 mark
    b1 = [m for m in sheet["marks"] if m["entry"] == str(ids[0]) and m["aspect"] == "B1"]
    for m, value in zip(b1, ("0", "3", "3")):  # three judges 3 apart on a 0-3 judgement: re-mark
        m["mark"] = value
    r = await client.post(url(competition, event, "results/compute"), json=sheet, headers=admin)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "results_not_final" and body["field"] == "marks"
    assert f"entry {ids[0]}, aspect B1 布线工艺: needs a re-mark" in body["detail"]
    assert f"entry {ids[2]}, aspect C1 综合表现: needs the missing marks (4 of 5 marks recorded" in body["detail"]
    assert "wait for marks or re-marks" not in body["detail"]
    assert [(w["entry"], w["criterion"], w["aspect"], w["status"]) for w in body["waiting"]] == [
        (str(ids[0]), "B", "B1", "needs_remark"), (str(ids[2]), "C", "C1", "incomplete")]
    assert body["waiting_count"] == 2 and body["entries"] == [str(ids[0]), str(ids[2])]


DOUBLE_MARKED = {
    "id": "essay-2026", "name": "双评",
    "criteria": [{"id": "A", "name": "模块A", "aspects": [
        {"kind": "measurement", "id": "A1", "name": "操作", "max": "40"},
        {"kind": "panel", "id": "E1", "name": "技术报告", "max": "60", "judges": 2,
         "rule": {"rule": "double_marking", "tolerance": "6"}}]}],
}


async def test_double_marking_asks_for_a_third_marker_then_an_arbiter(client, competition_world):
    admin, competition, event, ids = await running_event(client, competition_world, entries_per_school=1,
                                                         scheme=DOUBLE_MARKED)
    first, second = (str(i) for i in ids)
    marks = [{"entry": e, "judge": "J1", "aspect": "A1", "mark": "30"} for e in (first, second)] + [
        {"entry": first, "judge": "M1", "aspect": "E1", "mark": "30"},
        {"entry": first, "judge": "M2", "aspect": "E1", "mark": "50"},  # 20 apart: a third marker
        {"entry": second, "judge": "M1", "aspect": "E1", "mark": "30"},
        {"entry": second, "judge": "M2", "aspect": "E1", "mark": "50"},
        {"entry": second, "judge": "M3", "aspect": "E1", "mark": "40", "round": 2},  # 10 from both: an arbiter
    ]
    r = await client.post(url(competition, event, "results/compute"), headers=admin,
                          json={"format": "jineng.marks/1", "marks": marks})
    assert r.status_code == 422, r.text
    body = r.json()
    assert f"entry {first}, aspect E1 技术报告: needs a third marker" in body["detail"]
    assert f"entry {second}, aspect E1 技术报告: needs an arbiter's mark" in body["detail"]
    assert [(w["entry"], w["status"], w["needs"]) for w in body["waiting"]] == [
        (first, "needs_third_marker", "a third marker"), (second, "needs_arbiter", "an arbiter's mark")]


async def test_an_imported_file_that_is_not_final_names_them_too(client, competition_world):
    admin, competition, event, ids = await running_event(client, competition_world, entries_per_school=1)
    marked = ids[0]
    result = scoring.compute_event(
        SIMPLE_SCHEME, [scoring.Mark(entry=str(marked), judge="J1", aspect="A1", mark=Decimal("90"))],
        [scoring.Entry(id=str(i)) for i in ids], event="DG")
    r = await client.post(url(competition, event), content=scoring.encode_results(result), headers={**admin, **JSON})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "results_not_final" and body["field"] == "status"
    assert f"entry {ids[1]}, aspect A1: needs the missing marks" in body["detail"]
    problems = {(p["code"], p["field"]): p for p in body["errors"]}
    assert problems[("results_not_final", "status")]["waiting"][0]["entry"] == str(ids[1])
    row = problems[("entry_not_final", "entries[1].status")]
    assert "aspect A1: needs the missing marks" in row["message"] and row["row"] == 2
