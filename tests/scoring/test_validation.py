"""Bad input: every problem named with a stable code, the row and the field; nothing computed from it."""

from __future__ import annotations

import msgspec
import pytest

from scoring import (
    ClosestPairRule,
    Criterion,
    DoubleMarkingRule,
    Entry,
    InvalidMarks,
    InvalidScheme,
    Judge,
    JudgementAspect,
    Mark,
    MeasurementAspect,
    PanelAspect,
    Rounding,
    RoundingPolicy,
    Scheme,
    TrimmedMeanRule,
    TrimmedSumRule,
    WorldSkillsJudgementRule,
    compute_event,
    decode_marks_csv,
    decode_marks_json,
    decode_scheme,
    validate_marks,
    validate_scheme,
)

from .helpers import D


def scheme_with(**aspect_overrides) -> Scheme:
    return Scheme(id="s", criteria=[
        Criterion(id="c1", aspects=[MeasurementAspect(id="m1", max=D(10))]),
        Criterion(id="c2", aspects=[
            MeasurementAspect(id="m2", max=D(5)),
            JudgementAspect(id="j1", max=D(3)),
            PanelAspect(id="p1", max=D(10), judges=5, rule=TrimmedMeanRule(drop=1)),
            PanelAspect(id="p2", **{"max": D(10), "judges": 3, "rule": ClosestPairRule(), **aspect_overrides}),
        ]),
    ])


def codes_and_paths(problems):
    return {(p.code, p.path) for p in problems}


# ------------------------------------------------------------------------------------------ scheme


def test_a_consistent_scheme_has_no_problems():
    assert validate_scheme(scheme_with()) == []


def test_max_not_positive_names_the_exact_path():
    problems = validate_scheme(scheme_with(max=D(0)))
    assert ("max_not_positive", "criteria[1].aspects[3].max") in codes_and_paths(problems)


def test_duplicate_ids():
    scheme = Scheme(id="s", criteria=[
        Criterion(id="c", aspects=[MeasurementAspect(id="a", max=D(1)), MeasurementAspect(id="a", max=D(1))]),
        Criterion(id="c", aspects=[MeasurementAspect(id="b", max=D(1))]),
    ])
    assert codes_and_paths(validate_scheme(scheme)) == {
        ("duplicate_id", "criteria[0].aspects[1].id"), ("duplicate_id", "criteria[1].id")}


def test_totals_that_do_not_add_up():
    scheme = Scheme(id="s", total=D(100), criteria=[
        Criterion(id="a", max=D(50), weight=D("0.5"), aspects=[MeasurementAspect(id="x", max=D(40))]),
        Criterion(id="b", weight=D("0.5"), aspects=[MeasurementAspect(id="y", max=D(100))]),
    ])
    found = codes_and_paths(validate_scheme(scheme))
    assert ("total_mismatch", "criteria[0].max") in found
    assert ("total_mismatch", "total") in found  # 40×0.5 + 100×0.5 = 70, not 100


def test_weighted_total_that_adds_up_is_accepted():
    scheme = Scheme(id="s", total=D(100), criteria=[
        Criterion(id="theory", weight=D("0.3"), aspects=[MeasurementAspect(id="x", max=D(100))]),
        Criterion(id="practical", weight=D("0.7"), aspects=[MeasurementAspect(id="y", max=D(100))]),
    ])
    assert validate_scheme(scheme) == []


@pytest.mark.parametrize("aspect, code", [
    (PanelAspect(id="p", max=D(10), judges=4, rule=TrimmedMeanRule(drop=2)), "panel_size_too_small"),
    (PanelAspect(id="p", max=D(10), judges=4, rule=ClosestPairRule()), "panel_size_mismatch"),
    (PanelAspect(id="p", max=D(10), judges=3, rule=DoubleMarkingRule(tolerance=D(2))), "panel_size_mismatch"),
    (PanelAspect(id="p", max=D(10), judges=0, rule=TrimmedMeanRule()), "panel_size_invalid"),
])
def test_wrong_panel_size_for_the_rule(aspect, code):
    scheme = Scheme(id="s", criteria=[Criterion(id="c", aspects=[aspect])])
    assert codes_and_paths(validate_scheme(scheme)) == {(code, "criteria[0].aspects[0].judges")}


def test_panel_aspect_needs_a_rule():
    scheme = Scheme(id="s", criteria=[Criterion(id="c", aspects=[PanelAspect(id="p", max=D(10), judges=3)])])
    assert codes_and_paths(validate_scheme(scheme)) == {("rule_missing", "criteria[0].aspects[0].rule")}


def test_compute_refuses_an_invalid_scheme():
    with pytest.raises(InvalidScheme) as err:
        compute_event(scheme_with(max=D(-1)), [])
    assert err.value.code == "max_not_positive"


def test_scheme_json_decoding_errors_are_problems():
    with pytest.raises(InvalidScheme) as err:
        decode_scheme(b'{"id": "s", "criteria": [{"id": "c", "aspects": [{"kind": "panel", "id": "p", "max": "10",'
                      b' "judges": 3, "rule": {"rule": "closest_pair"}, "colour": "red"}]}]}')
    assert (err.value.code, err.value.problems[0].path) == ("unknown_field", "criteria[0].aspects[0].colour")
    with pytest.raises(InvalidScheme) as err:
        decode_scheme(b'{"id": "s", "criteria": [{"id": "c", "aspects": [{"kind": "measurement", "id": "m", '
                      b'"max": "ten"}]}]}')
    assert (err.value.code, err.value.problems[0].path) == ("not_a_number", "criteria[0].aspects[0].max")


def test_scheme_decimals_as_strings_or_numbers_decode_to_decimal():
    scheme = decode_scheme(b'{"id": "s", "criteria": [{"id": "c", "aspects": ['
                           b'{"kind": "measurement", "id": "a", "max": 1.10}, '
                           b'{"kind": "measurement", "id": "b", "max": "1.10"}]}]}')
    a, b = scheme.criteria[0].aspects
    assert a.max == b.max == D("1.10") and str(a.max) == "1.10"


# ------------------------------------------------------------------------------------------- marks


def good_marks() -> list[Mark]:
    rows = [Mark(entry="E1", judge="J1", aspect="m1", mark=D(7)), Mark(entry="E1", judge="J1", aspect="m2", mark=D(3))]
    rows += [Mark(entry="E1", judge=f"J{i}", aspect="j1", mark=D(2)) for i in (1, 2, 3)]
    rows += [Mark(entry="E1", judge=f"J{i}", aspect="p1", mark=D(5 + i)) for i in (1, 2, 3, 4, 5)]
    rows += [Mark(entry="E1", judge=f"J{i}", aspect="p2", mark=D(5)) for i in (1, 2, 3)]
    return rows


ROSTER = dict(entries=[Entry(id="E1", school="S1")], judges=[Judge(id=f"J{i}") for i in range(1, 6)])


def test_good_marks_have_no_problems():
    assert validate_marks(scheme_with(), good_marks(), **ROSTER) == []
    assert compute_event(scheme_with(), good_marks(), **ROSTER).entry("E1").status == "final"


@pytest.mark.parametrize("row, code, field", [
    (Mark(entry="E1", judge="J1", aspect="zz", mark=D(1)), "unknown_aspect", "aspect"),
    (Mark(entry="E1", judge="J9", aspect="m1", mark=D(1), round=2), "unknown_judge", "judge"),
    (Mark(entry="E9", judge="J1", aspect="m1", mark=D(1)), "unknown_entry", "entry"),
    (Mark(entry="E1", judge="J2", aspect="m1", mark=D(11)), "mark_out_of_range", "mark"),
    (Mark(entry="E1", judge="J1", aspect="p1", mark=D(-1), round=2), "mark_out_of_range", "mark"),
    (Mark(entry="E1", judge="J4", aspect="j1", mark=D(4)), "judgement_mark_invalid", "mark"),
    (Mark(entry="E1", judge="J4", aspect="j1", mark=D("2.5")), "judgement_mark_invalid", "mark"),
    (Mark(entry="E1", judge="J4", aspect="p2", mark=D("NaN")), "not_a_number", "mark"),
    (Mark(entry="E1", judge="J4", aspect="p2", mark=D("Infinity")), "not_a_number", "mark"),
    (Mark(entry="E1", judge="J1", aspect="p1", mark=D(6)), "duplicate_mark", "judge"),
    (Mark(entry="E1", judge="J4", aspect="p2", mark=D(5)), "panel_size_exceeded", "judge"),
    (Mark(entry="E1", judge="J1", aspect="p1", mark=D(5), round=0), "invalid_round", "round"),
])
def test_bad_row_is_named_by_row_and_field(row, code, field):
    marks = good_marks()
    n = len(marks)
    marks.append(row)
    problems = validate_marks(scheme_with(), marks, **ROSTER)
    assert [(p.code, p.path) for p in problems] == [(code, f"marks[{n}].{field}")]
    assert problems[0].message.startswith(f"marks[{n}]: ")
    with pytest.raises(InvalidMarks) as err:
        compute_event(scheme_with(), marks, **ROSTER)
    assert err.value.problems == problems


def test_every_bad_row_is_reported_not_just_the_first():
    marks = good_marks() + [Mark(entry="E1", judge="J1", aspect="zz", mark=D(1)),
                            Mark(entry="E1", judge="J7", aspect="m2", mark=D(1), round=2),
                            Mark(entry="E1", judge="J2", aspect="m2", mark=D(6))]
    n = len(good_marks())
    problems = validate_marks(scheme_with(), marks, **ROSTER)
    assert [(p.code, p.path) for p in problems] == [
        ("unknown_aspect", f"marks[{n}].aspect"), ("unknown_judge", f"marks[{n + 1}].judge"),
        ("mark_out_of_range", f"marks[{n + 2}].mark")]


def test_nothing_is_computed_from_partial_garbage(monkeypatch):
    """One bad row: no panel rule runs on the entry it belongs to, and nothing is returned.  (Entries
    whose own panels all pass may be evaluated speculatively while their marks are in cache; that work
    is dropped — see test_review_findings.test_speculative_results_never_escape_a_refused_file.)"""
    import scoring.panel as panel_module

    calls = []
    original = panel_module.compile_rule

    def spying_compile(rule, n):
        fn = original(rule, n)

        def spy(p):
            calls.append(p)
            return fn(p)

        return spy

    monkeypatch.setattr("scoring.plan.compile_rule", spying_compile)
    marks = good_marks() + [Mark(entry="E1", judge="J5", aspect="j1", mark=D(7))]
    with pytest.raises(InvalidMarks):
        compute_event(scheme_with(), marks, **ROSTER)
    assert calls == []
    compute_event(scheme_with(), good_marks(), **ROSTER)
    assert calls  # the spy does see rules run when the input is valid


def test_recusal_conflict():
    roster = dict(entries=[Entry(id="E1", school="S1")], judges=[Judge(id="J1", school="S1")] +
                  [Judge(id=f"J{i}") for i in range(2, 6)])
    problems = validate_marks(scheme_with(), good_marks(), **roster)
    assert {p.code for p in problems} == {"recusal_conflict"}
    assert all("J1" in p.message for p in problems)


def test_double_marking_roles_are_checked():
    scheme = Scheme(id="s", criteria=[Criterion(id="c", aspects=[
        PanelAspect(id="q", max=D(10), judges=2, rule=DoubleMarkingRule(tolerance=D(2)))])])
    base = [Mark(entry="E", judge="A", aspect="q", mark=D(4)), Mark(entry="E", judge="B", aspect="q", mark=D(8))]
    same_marker = base + [Mark(entry="E", judge="A", aspect="q", mark=D(7), round=2)]
    assert [p.code for p in validate_marks(scheme, same_marker)] == ["marker_repeated"]
    fourth_round = base + [Mark(entry="E", judge="C", aspect="q", mark=D(7), round=4)]
    assert [(p.code, p.path) for p in validate_marks(scheme, fourth_round)] == [("invalid_round", "marks[2].round")]
    two_thirds = base + [Mark(entry="E", judge="C", aspect="q", mark=D(7), round=2),
                         Mark(entry="E", judge="D", aspect="q", mark=D(6), round=2)]
    assert [p.code for p in validate_marks(scheme, two_thirds)] == ["panel_size_exceeded"]


def test_missing_marks_are_incomplete_never_averaged():
    marks = [m for m in good_marks() if not (m.aspect == "p1" and m.judge == "J5")]
    result = compute_event(scheme_with(), marks, **ROSTER)
    p1 = result.entry("E1").aspect("p1")
    assert p1.status == "incomplete" and p1.mark is None
    assert "4 of 5 marks" in p1.reason
    assert result.entry("E1").status == "incomplete" and result.entry("E1").total is None
    assert result.entry("E1").criterion("c2").score is None
    assert result.entry("E1").criterion("c1").score == D(7)  # complete criteria still show
    no_marks = compute_event(scheme_with(), good_marks(), entries=[Entry(id="E1"), Entry(id="E2")])
    assert no_marks.entry("E2").status == "incomplete"
    assert no_marks.entry("E2").aspect("m1").reason == "no marks recorded"
    assert no_marks.ranking.status == "incomplete" and no_marks.ranking.unranked == ["E2"]


# ----------------------------------------------------------------------------------- file decoding


def test_json_marks_non_numeric_names_row_and_field():
    with pytest.raises(InvalidMarks) as err:
        decode_marks_json(b'{"marks": [{"entry": "E", "judge": "J", "aspect": "a", "mark": "7"},'
                          b' {"entry": "E", "judge": "K", "aspect": "a", "mark": "seven"}]}')
    assert (err.value.code, err.value.problems[0].path) == ("not_a_number", "marks[1].mark")


def test_json_marks_unknown_field_refused():
    with pytest.raises(InvalidMarks) as err:
        decode_marks_json(b'{"marks": [{"entry": "E", "judge": "J", "aspect": "a", "mark": 7, "note": "x"}]}')
    assert (err.value.code, err.value.problems[0].path) == ("unknown_field", "marks[0].note")


def test_csv_marks_every_bad_row_with_its_line():
    text = ("entry,judge,aspect,mark,round\n"
            "E1,J1,a,7,\n"
            "E1,J2,a,abc,\n"
            "\n"
            "E1,,a,7,\n"
            "E1,J3,a,NaN,\n"
            "E1,J4,a,7,x\n")
    with pytest.raises(InvalidMarks) as err:
        decode_marks_csv(text)
    got = [(p.code, p.path, p.line) for p in err.value.problems]
    assert got == [("not_a_number", "marks[1].mark", 3), ("missing_field", "marks[2].judge", 5),
                   ("not_a_number", "marks[3].mark", 6), ("invalid_round", "marks[4].round", 7)]


def test_csv_header_problems():
    with pytest.raises(InvalidMarks) as err:
        decode_marks_csv("entry,judge,aspect,score\nE,J,a,1\n")
    assert {(p.code, p.path) for p in err.value.problems} == {("missing_column", "mark"), ("unknown_column", "score")}


def test_csv_rounds_parse():
    sheet, lines = decode_marks_csv("\ufeffentry,judge,aspect,mark,round\nE,J,a,7.50,\nE,K,a,8,2\n")
    assert [(m.mark, m.round) for m in sheet.marks] == [(D("7.50"), 1), (D(8), 2)]
    assert lines == [2, 3]


def test_problem_structs_are_json_ready():
    problems = validate_scheme(scheme_with(max=D(0)))
    data = msgspec.json.decode(msgspec.json.encode(problems))
    assert data[0] == {"code": "max_not_positive", "path": "criteria[1].aspects[3].max",
                       "message": problems[0].message, "line": None}


def test_absurdly_precise_marks_are_refused_by_row():
    scheme = Scheme(id="s", criteria=[Criterion(id="c", aspects=[
        PanelAspect(id="p", max=D(20), judges=3, mark_max=D(10), rule=TrimmedMeanRule(drop=0))])])
    digits = "7." + "3" * 59
    marks = [Mark(entry="E", judge=j, aspect="p", mark=D(v)) for j, v in (("A", digits), ("B", "7"), ("C", "8"))]
    with pytest.raises(InvalidMarks) as err:
        compute_event(scheme, marks)
    assert [(p.code, p.path) for p in err.value.problems] == [("too_precise", "marks[0].mark")]


def test_skill_level_problems_name_the_levels_as_the_certificates_do():
    # One spelling of the levels on the scoring side: the roster check and the promotion rules say the same.
    from scoring import InvalidPolicy, Member, PromotionRule, promote

    expected = "skill levels run from 5 (五级/初级工) to 1 (一级/高级技师)"
    scheme = Scheme(id="s", criteria=[Criterion(id="c", aspects=[MeasurementAspect(id="m", max=D(10))])])
    problems = validate_marks(scheme, [Mark(entry="E1", judge="J1", aspect="m", mark=D(5))],
                              [Entry(id="E1", members=[Member(id="P1", skill_level=6)])])
    assert [(p.code, p.message) for p in problems] == [("skill_level_invalid", expected)]
    with pytest.raises(InvalidPolicy) as err:
        promote([PromotionRule(competition_level="city", awards=["gold"], target=2, current_levels=[0])],
                competition_level="city", standings=[], entries=[])
    assert [(p.code, p.message) for p in err.value.problems] == [("skill_level_invalid", expected)]


# ------------------------------------------------------------------------------ strict judges' scales


def _dive(**kw) -> Scheme:
    # 7 judges, drop 2 + 2, sum of the 3 kept × DD 2.8: the dive's maximum is 3 × 10 × 2.8 = 84
    return Scheme(id="s", rounding=RoundingPolicy(aspect=Rounding(places=2)), criteria=[Criterion(id="c", aspects=[
        PanelAspect(id="dive", max=D(84), judges=7, rule=TrimmedSumRule(drop=2, factor=D("2.8")), **kw)])])


def test_a_trimmed_sum_needs_the_judges_scale():
    problems = validate_scheme(_dive())
    assert [(p.code, p.path) for p in problems] == [("mark_max_required", "criteria[0].aspects[0].mark_max")]
    assert "10 in diving" in problems[0].message
    marks = [Mark(entry="E1", judge=f"J{i}", aspect="dive", mark=D("7.0")) for i in range(7)]
    assert compute_event(_dive(mark_max=D(10)), marks).entries[0].total == D("58.80")


def test_a_worldskills_judgement_panel_needs_the_0_to_3_scale():
    def scheme(**kw):
        return Scheme(id="s", rounding=RoundingPolicy(aspect=Rounding(places=2)), criteria=[Criterion(id="c", aspects=[
            PanelAspect(id="p", max=D(4), judges=3, rule=WorldSkillsJudgementRule(), **kw)])])

    assert [(p.code, p.path) for p in validate_scheme(scheme())] == [
        ("mark_max_required", "criteria[0].aspects[0].mark_max")]
    assert [p.code for p in validate_scheme(scheme(mark_max=D(10)))] == ["scale_invalid"]
    marks = [Mark(entry="E1", judge=f"J{i}", aspect="p", mark=D(v)) for i, v in enumerate([2, 3, 3])]
    assert compute_event(scheme(mark_max=D(3)), marks).entries[0].total == D("3.56")  # 4 × (8/3) / 3


def test_rules_on_the_judges_own_scale_keep_the_default():
    scheme = Scheme(id="s", criteria=[Criterion(id="c", aspects=[
        PanelAspect(id="p", max=D(10), judges=5, rule=TrimmedMeanRule()),
        PanelAspect(id="q", max=D(10), judges=3, rule=TrimmedSumRule(drop=1)),  # one kept mark × 1
    ])])
    assert validate_scheme(scheme) == []
