"""What judging asks of the core after each batch of marks: a compiled plan, panel results with a status,
the judges involved and a structured next step; and, for an unfinished event, what each entry waits for."""

from __future__ import annotations

import pytest

from scoring import (
    Criterion,
    DoubleMarkingArbiterRule,
    DoubleMarkingRule,
    Entry,
    InvalidMarks,
    Judge,
    JudgementAspect,
    Mark,
    NextStep,
    PanelAspect,
    ReferenceBlendRule,
    Scheme,
    ToleranceBand,
    compile_scheme,
    compute_event,
    evaluate_panels,
)

from .helpers import D


def scheme() -> Scheme:
    return Scheme(id="s", criteria=[Criterion(id="c", aspects=[
        PanelAspect(id="A3", max=D(10), judges=2, rule=DoubleMarkingRule(tolerance=D(2))),
        PanelAspect(id="A4", max=D(10), judges=2, rule=DoubleMarkingArbiterRule(tolerance=D(2))),
        JudgementAspect(id="J1", max=D(3)),
        PanelAspect(id="R", max=D(10), judges=3, rule=ReferenceBlendRule(
            drop=0, reference_judges=["R1"], bands=[ToleranceBand(min=D(0), tolerance=D("0.5"))])),
    ])])


PLAN = compile_scheme(scheme())  # once, as a server keeps it per scheme version


def m(aspect, judge, mark, rnd=1, entry="E49"):
    return Mark(entry=entry, judge=judge, aspect=aspect, mark=D(mark), round=rnd)


def result(marks, aspect):
    return evaluate_panels(PLAN, marks)["E49"][aspect]


def test_double_marking_asks_for_a_third_marker_then_an_arbiter():
    first = [m("A3", "J1", 4), m("A3", "J2", 9)]
    r = result(first, "A3")
    assert r.status == "needs_third_marker" and r.mark is None
    assert r.next_step == NextStep(action="third_marker", round=2, judges=("J1", "J2"), missing=1)
    assert [(x.judge, x.mark, x.round) for x in r.involved] == [("J1", D(4), 1), ("J2", D(9), 1)]

    third = first + [m("A3", "J3", "6.5", rnd=2)]  # 2.5 from 4 and from 9: outside both
    r = result(third, "A3")
    assert r.status == "needs_arbiter"
    assert r.next_step == NextStep(action="arbiter", round=3, judges=("J1", "J2", "J3"), missing=1)

    r = result(third + [m("A3", "J4", 7, rnd=3)], "A3")
    assert (r.status, r.mark, r.next_step) == ("ok", D(7), None)


def test_double_marking_with_arbiter_goes_straight_to_round_3():
    r = result([m("A4", "J1", 2), m("A4", "J2", 9)], "A4")
    assert r.next_step == NextStep(action="arbiter", round=3, judges=("J1", "J2"), missing=1)


def test_a_tolerance_breach_names_who_re_marks_and_in_which_round():
    marks = [m("J1", "J1", 1), m("J1", "J2", 2), m("J1", "J3", 3)]
    r = result(marks, "J1")
    assert r.status == "needs_remark"
    assert r.next_step == NextStep(action="remark", round=2, judges=("J1", "J3"), missing=2)
    remarked = marks + [m("J1", "J1", 2, rnd=2)]  # after discussion: 2, 2, 3
    assert result(remarked, "J1").status == "ok"
    again = [m("J1", "J1", 0, rnd=2), m("J1", "J2", 2), m("J1", "J3", 3, rnd=2)]
    assert result(again, "J1").next_step.round == 3  # one above the panel's latest round


def test_missing_marks_say_how_many_and_whose_are_in():
    assert result([m("J1", "J2", 2)], "J1").next_step == NextStep(action="marks", round=1, judges=("J2",), missing=2)
    assert result([m("A3", "J1", 5)], "A3").next_step == NextStep(action="marks", round=1, judges=("J1",), missing=1)
    # reference blend: 3 panel judges and 1 reference judge
    assert result([m("R", "P1", 5), m("R", "R1", 5)], "R").next_step.missing == 2


def test_a_batch_is_validated_like_a_whole_event():
    with pytest.raises(InvalidMarks) as err:
        evaluate_panels(PLAN, [m("A3", "J1", 4), m("A3", "J1", 5)])
    assert [p.code for p in err.value.problems] == ["duplicate_mark"]
    with pytest.raises(InvalidMarks) as err:
        evaluate_panels(PLAN, [m("A3", "J1", 4)], entries=[Entry(id="E49", school="S1")],
                        judges=[Judge(id="J1", school="S1")])
    assert [p.code for p in err.value.problems] == ["recusal_conflict"]


def test_an_unfinished_event_lists_what_each_entry_waits_for():
    def complete(entry, a3):
        return [m("A3", "J1", a3[0], entry=entry), m("A3", "J2", a3[1], entry=entry),
                m("A4", "J1", 5, entry=entry), m("A4", "J2", 6, entry=entry),
                m("J1", "J1", 2, entry=entry), m("J1", "J2", 2, entry=entry), m("J1", "J3", 3, entry=entry)] + [
                m("R", j, 5, entry=entry) for j in ("P1", "P2", "P3", "R1")]

    result = compute_event(scheme(), complete("E49", (4, 9)) + complete("E50", (5, 6)))
    assert result.status == "pending"
    pending = result.pending()
    assert [(p.entry, p.aspect, p.status) for p in pending] == [("E49", "A3", "needs_third_marker")]
    assert pending[0].describe() == "entry E49, aspect A3: needs a third marker (round 2, not J1 or J2)"
    only_a4 = compute_event(scheme(), [x for x in complete("E49", (5, 6)) if x.aspect == "A4"])
    assert [p.describe() for p in only_a4.pending()] == [
        "entry E49, aspect A3: waits for 2 more marks", "entry E49, aspect J1: waits for 3 more marks",
        "entry E49, aspect R: waits for 4 more marks"]
