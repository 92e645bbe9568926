"""Regression tests for defects found in review of the scoring core (one test or more per defect)."""

from __future__ import annotations

import gc
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from scoring import (
    AdvancementPolicy,
    Criterion,
    Entry,
    InvalidMarks,
    InvalidScheme,
    JudgementAspect,
    Mark,
    MeanRule,
    MeasurementAspect,
    PanelAspect,
    ReferenceBlendRule,
    Scheme,
    Standing,
    ToleranceBand,
    TrimmedMeanRule,
    advance,
    compute_event,
    decode_marks_csv,
    encode_results,
    evaluate_panel,
    validate_scheme,
)
from scoring.grouping import in_entry_runs

from .helpers import D, marks_for, one_aspect_scheme

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoring", *args], cwd=ROOT, capture_output=True, text=True)


def two_aspect_scheme() -> Scheme:
    return Scheme(id="s", criteria=[Criterion(id="c", aspects=[
        JudgementAspect(id="j", max=D(3)),
        PanelAspect(id="p", max=D(10), judges=3, rule=MeanRule()),
    ])])


def problems_of(err) -> set[tuple[str, str]]:
    return {(p.code, p.path) for p in err.value.problems}


# ------------------------------------------------------------------------------- floats and other types


def test_float_marks_are_refused_naming_row_and_field():
    # A float has already lost the judge's digits (0.1 is 0.1000000000000000055…): it must never be
    # scored, neither silently (as a binary fraction) nor by crashing with an AttributeError.
    scheme = two_aspect_scheme()
    rows = marks_for("E1", "j", [2, 2, 3]) + [
        Mark(entry="E1", judge="J1", aspect="p", mark=0.1),
        Mark(entry="E1", judge="J2", aspect="p", mark=0.2),
        Mark(entry="E1", judge="J3", aspect="p", mark=0.3),
    ]
    with pytest.raises(InvalidMarks) as err:
        compute_event(scheme, rows)
    assert problems_of(err) == {("invalid_type", "marks[3].mark"), ("invalid_type", "marks[4].mark"),
                                ("invalid_type", "marks[5].mark")}
    assert "float" in err.value.problems[0].message


def test_non_decimal_marks_and_rounds_are_refused_not_crashed_on():
    scheme = two_aspect_scheme()
    rows = marks_for("E1", "j", [2, 2, 3]) + marks_for("E1", "p", [5, 6]) + [
        Mark(entry="E1", judge="J3", aspect="p", mark=11),          # an int, out of range as well
        Mark(entry="E1", judge="J1", aspect="j", mark=D(2), round="2"),  # a str round
    ]
    with pytest.raises(InvalidMarks) as err:
        compute_event(scheme, rows)
    assert problems_of(err) == {("invalid_type", "marks[5].mark"), ("invalid_type", "marks[6].round")}


def test_float_time_used_on_the_roster_is_refused():
    scheme = two_aspect_scheme()
    rows = marks_for("E1", "j", [2, 2, 3]) + marks_for("E1", "p", [5, 6, 7])
    with pytest.raises(InvalidMarks) as err:
        compute_event(scheme, rows, [Entry(id="E1", time_used=142.5)])
    assert problems_of(err) == {("invalid_type", "entries[0].time_used")}


def test_float_in_a_scheme_is_a_problem_not_a_crash():
    scheme = Scheme(id="s", criteria=[Criterion(id="c", weight=0.3, aspects=[
        MeasurementAspect(id="m", max=10.5),
        PanelAspect(id="p", max=D(10), judges=3, rule=MeanRule(max_spread=1.5)),
    ])])
    codes = {(p.code, p.path) for p in validate_scheme(scheme)}
    assert codes == {("invalid_type", "criteria[0].weight"), ("invalid_type", "criteria[0].aspects[0].max"),
                     ("invalid_type", "criteria[0].aspects[1].rule.max_spread")}
    with pytest.raises(InvalidScheme):
        compute_event(scheme, [])


def test_over_precise_scheme_values_are_refused_not_a_traceback():
    # numbers.py relies on "validation refuses maxima above 10**9 and more than 12 places"; the places
    # part was never checked, so a 60-digit max or weight crashed compute_event with decimal.Inexact.
    scheme = Scheme(id="s", criteria=[Criterion(
        id="c", weight=D("0.3000000000000000000000000000000000000000000000000000000000001"),
        aspects=[MeasurementAspect(id="m", max=D("100.0000000000000000000000000000000000000000000000000000000001"))])])
    codes = {(p.code, p.path) for p in validate_scheme(scheme)}
    assert codes == {("too_precise", "criteria[0].weight"), ("too_precise", "criteria[0].aspects[0].max")}
    with pytest.raises(InvalidScheme):
        compute_event(scheme, [Mark(entry="E1", judge="J1", aspect="m", mark=D(50))])


# ---------------------------------------------------------------------------------- duplicate marks


def test_duplicate_first_round_mark_is_reported_even_with_a_later_round_stray():
    # The duplicate check compared "filled slots" with "first-round marks minus strays", but the strays
    # included later-round marks for unknown aspects: one such stray hid one duplicate row.
    scheme = two_aspect_scheme()
    rows = marks_for("E1", "j", [2, 2, 3]) + marks_for("E1", "p", [5, 6, 7]) + [
        Mark(entry="E1", judge="J1", aspect="p", mark=D(5)),              # duplicate of marks[3]
        Mark(entry="E1", judge="J1", aspect="nope", mark=D(5), round=2),  # unknown aspect, round 2
    ]
    with pytest.raises(InvalidMarks) as err:
        compute_event(scheme, rows)
    assert problems_of(err) == {("duplicate_mark", "marks[6].judge"), ("unknown_aspect", "marks[7].aspect")}


# ------------------------------------------------------------------------- advancement: cap inside a tie


def _cap_tie_field() -> list[Standing]:
    # e1 (school A) first; e2, e3 (A) and e4 (B) share rank 2; e5 (C) fifth.
    return [Standing(entry="e1", rank=1, total=D(100), school="A"),
            Standing(entry="e2", rank=2, total=D(99), school="A"),
            Standing(entry="e3", rank=2, total=D(99), school="A"),
            Standing(entry="e4", rank=2, total=D(99), school="B"),
            Standing(entry="e5", rank=5, total=D(90), school="C")]


def test_school_cap_tie_at_the_cut_under_ties_none_holds_no_seat():
    # One seat left for a tie of three (one of e2/e3 by the cap, plus e4): under "none" nobody of the tie
    # advances — the old code still held a seat for school A and asked for a decision.
    result = advance(AdvancementPolicy(top_n=2, per_school_cap=2, ties="none"), _cap_tie_field())
    assert result.status == "final"
    assert result.qualified == ["e1"]
    assert {s.entry for s in result.skipped if s.reason == "tied at the cut"} == {"e2", "e3", "e4"}


def test_school_cap_tie_at_the_cut_under_together_needs_a_decision():
    result = advance(AdvancementPolicy(top_n=2, per_school_cap=2, ties="together"), _cap_tie_field())
    assert result.status == "needs_decision"
    assert result.qualified == ["e1", "e4"]  # and one seat held for e2 or e3


def test_held_seats_count_against_the_hard_ceiling():
    # Together the tie needs 2 more seats (one of e2/e3, and e4): 3 in all passes the ceiling of 2, so
    # none of the tied entries advance — not "e4 out, a seat held for school A".
    result = advance(AdvancementPolicy(top_n=2, max_share=D("0.4"), per_school_cap=2, ties="together"),
                     _cap_tie_field())
    assert result.status == "final"
    assert result.qualified == ["e1"]
    assert any("hard ceiling" in n for n in result.notes)


def test_held_seats_never_exceed_the_quota_under_ties_none():
    field = [Standing(entry="e1", rank=1, total=D(100), school="A")] + [
        Standing(entry=f"e{i}", rank=2, total=D(99), school="A") for i in range(2, 6)]
    result = advance(AdvancementPolicy(top_n=2, per_school_cap=3, ties="none"), field)
    assert (result.status, result.qualified) == ("final", ["e1"])


def test_replacement_note_does_not_claim_nobody_is_left_when_the_quota_is_full():
    # e3 and e4 tied at the cut advanced together (4 for 3); e3 withdraws: the overflow seat goes, and
    # e5 is still there — the note must not say "no eligible entry left".
    field = [Standing(entry=f"e{i}", rank=r, total=D(100 - r)) for i, r in ((1, 1), (2, 2), (3, 3), (4, 3), (5, 5))]
    result = advance(AdvancementPolicy(top_n=3, ties="together"), field, withdrawn=["e3"])
    assert result.qualified == ["e1", "e2", "e4"] and result.replacements == []
    assert not any("no eligible entry left" in n for n in result.notes)
    assert any("e3" in n and "quota" in n for n in result.notes)


# ------------------------------------------------------------------------------------ reasons as digits


def test_reference_blend_reason_shows_decimal_digits_not_a_fraction():
    bands = [ToleranceBand(min=D(8), tolerance=D("0.3")), ToleranceBand(min=D(0), tolerance=D("0.5"))]
    aspect = PanelAspect(id="E", max=D(10), judges=5, rule=ReferenceBlendRule(reference_judges=["R1", "R2"],
                                                                              bands=bands))
    rows = marks_for("g", "E", ["8.3", "8.5", "8.4", "8.1", "8.9"]) + marks_for("g", "E", ["7.9", "8.1"],
                                                                              judges=["R1", "R2"])
    result = evaluate_panel(aspect, rows, scheme=one_aspect_scheme(aspect))
    assert result.mark == D("8.2")
    assert "panel score 8.4 " in result.reason and "42/5" not in result.reason


# --------------------------------------------------------------------------------------- CSV and CLI


def test_cli_refuses_a_non_utf8_csv_without_a_traceback(tmp_path):
    bad = tmp_path / "marks.csv"
    bad.write_bytes("entry,judge,aspect,mark\nE01,J1,T1,86\n".encode("utf-16"))
    out = run_cli("score", "compute", "--scheme", "docs/examples/scheme.json", "--marks", str(bad))
    assert out.returncode == 1 and out.stdout == ""
    assert "Traceback" not in out.stderr
    assert "UTF-8" in out.stderr


def test_cli_refuses_an_oversized_csv_field_without_a_traceback(tmp_path):
    bad = tmp_path / "marks.csv"
    bad.write_text('entry,judge,aspect,mark\nE01,J1,T1,"' + "9" * 200_000 + "\n", encoding="utf-8")
    out = run_cli("score", "compute", "--scheme", "docs/examples/scheme.json", "--marks", str(bad))
    assert out.returncode == 1 and out.stdout == ""
    assert "Traceback" not in out.stderr
    assert "line 2" in out.stderr


def test_csv_duplicate_header_column_is_refused():
    with pytest.raises(InvalidMarks) as err:
        decode_marks_csv("entry,judge,aspect,mark,mark\nE01,J1,T1,86,68\n")
    assert problems_of(err) == {("duplicate_column", "mark")}


def test_csv_wrong_column_count_path_names_the_row():
    with pytest.raises(InvalidMarks) as err:
        decode_marks_csv("entry,judge,aspect,mark\nE01,J1,T1,86,5\n")
    assert problems_of(err) == {("wrong_column_count", "marks[0]")}


# -------------------------------------------------------------------------------- grouping by arrival


def _random_event(seed: int):
    rng = random.Random(seed)
    scheme = Scheme(id="s", criteria=[
        Criterion(id="a", aspects=[PanelAspect(id=f"a{i}", max=D(10), judges=5, rule=TrimmedMeanRule())
                                   for i in range(4)]),
        Criterion(id="b", aspects=[JudgementAspect(id=f"b{i}", max=D(2)) for i in range(3)]),
        Criterion(id="m", aspects=[MeasurementAspect(id="m0", max=D(5))]),
    ])
    entries = [Entry(id=f"E{i:03d}", school=f"S{i % 7}") for i in range(300)]  # three blocks of 128
    rows = []
    for e in entries:
        for c in scheme.criteria:
            for a in c.aspects:
                if isinstance(a, MeasurementAspect):
                    rows.append(Mark(entry=e.id, judge="J0", aspect=a.id, mark=D(rng.randint(0, 5))))
                    continue
                base = rng.randint(0, 2) if isinstance(a, JudgementAspect) else rng.randint(3, 8)
                for j in range(a.judges):
                    rows.append(Mark(entry=e.id, judge=f"J{j}", aspect=a.id,
                                     mark=D(base + (rng.random() < 0.4)) if isinstance(a, JudgementAspect)
                                     else D(base) + D(rng.randint(0, 20)).scaleb(-1)))
    return scheme, entries, rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_results_do_not_depend_on_the_arrival_order_of_marks(seed):
    # Entry-ordered marks and fully shuffled marks take different grouping paths; same digits out.
    scheme, entries, rows = _random_event(seed)
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    per_entry = len(rows) // len(entries)
    assert in_entry_runs(rows, per_entry) and not in_entry_runs(shuffled, per_entry)  # both grouping paths run
    by_entry = encode_results(compute_event(scheme, rows, entries))
    assert encode_results(compute_event(scheme, shuffled, entries)) == by_entry
    assert encode_results(compute_event(scheme, shuffled)) == encode_results(compute_event(scheme, rows))


def test_scattered_marks_keep_their_own_digits():
    # Scattered marks are interned so that later touches hit a few hot objects; the interning must not
    # merge equal values written differently ("8" and "8.0", "-0" and "0"): unrounded results keep the
    # digits each judge entered, whatever the arrival order.
    aspects = [f"m{k}" for k in range(4)]
    scheme = Scheme(id="s", criteria=[Criterion(id="c", aspects=[MeasurementAspect(id=a, max=D(10)) for a in aspects])])
    texts = ["8", "8.0", "8.00", "0", "-0", "0.0", "1E+1"]
    entries = [Entry(id=f"E{i:03d}") for i in range(300)]
    text = {(e.id, a): texts[(i + k) % len(texts)] for i, e in enumerate(entries) for k, a in enumerate(aspects)}
    rows = [Mark(entry=e, judge="J1", aspect=a, mark=D(t)) for (e, a), t in text.items()]
    shuffled = rows[:]
    random.Random(8).shuffle(shuffled)
    assert not in_entry_runs(shuffled, len(aspects))  # the scattered path
    for marks in (rows, shuffled):
        result = compute_event(scheme, marks, entries)
        assert {(e.id, a): str(result.entry(e.id).aspect(a).mark) for e in entries for a in aspects} == text


@pytest.mark.parametrize("seed", [4, 5])
def test_problems_do_not_depend_on_the_arrival_order_of_marks(seed):
    scheme, entries, rows = _random_event(seed)
    rows[10] = Mark(entry=rows[10].entry, judge=rows[10].judge, aspect=rows[10].aspect, mark=D(11))
    rows.append(Mark(entry=rows[0].entry, judge=rows[0].judge, aspect=rows[0].aspect, mark=D(1)))  # duplicate
    rows.append(Mark(entry="E999", judge="J1", aspect="a0", mark=D(1)))                            # unknown entry
    rows.append(Mark(entry="E001", judge="J1", aspect="zz", mark=D(1)))                            # unknown aspect
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    shuffled = [rows[i] for i in order]

    def located(marks):
        with pytest.raises(InvalidMarks) as err:
            compute_event(scheme, marks, entries)
        return {(p.code, marks[int(p.path[6:p.path.index("]")])].entry, p.path.split(".")[-1])
                for p in err.value.problems}

    assert located(shuffled) == located(rows)
    assert {code for code, _, _ in located(rows)} == {"mark_out_of_range", "duplicate_mark", "unknown_entry",
                                                      "unknown_aspect"}


def test_speculative_results_never_escape_a_refused_file(monkeypatch):
    # compute_event evaluates an entry as soon as its own panels pass (cache locality); a bad row
    # elsewhere must still refuse the whole file, and no rule may see the panel that holds the bad row.
    import scoring.panel as panel_module

    seen = []
    original = panel_module.compile_rule

    def spying_compile(rule, n):
        fn = original(rule, n)

        def spy(p):
            seen.append(dict(p.by_judge))
            return fn(p)

        return spy

    monkeypatch.setattr("scoring.plan.compile_rule", spying_compile)
    scheme, entries, rows = _random_event(6)
    bad = Mark(entry="E150", judge="J4", aspect="b0", mark=D(7))  # a judgement score of 7
    rows = [m for m in rows if not (m.entry == "E150" and m.aspect == "b0" and m.judge == "J2")] + [bad]
    shuffled = rows[:]
    random.Random(6).shuffle(shuffled)
    for marks in (rows, shuffled):
        seen.clear()
        with pytest.raises(InvalidMarks) as err:
            compute_event(scheme, marks, entries)
        assert problems_of(err) == {("judgement_mark_invalid", f"marks[{marks.index(bad)}].mark")}
        assert seen  # other entries were evaluated speculatively …
        assert not any(set(panel) == {"J0", "J1", "J4"} for panel in seen)  # … never the bad panel


# ------------------------------------------------------------------------------------------------- gc


def test_compute_event_restores_the_garbage_collector_as_it_found_it():
    scheme = two_aspect_scheme()
    rows = marks_for("E1", "j", [2, 2, 3]) + marks_for("E1", "p", [5, 6, 7])
    was = gc.isenabled()
    try:
        gc.enable()
        compute_event(scheme, rows)
        assert gc.isenabled()
        with pytest.raises(InvalidMarks):
            compute_event(scheme, rows + [Mark(entry="E1", judge="J9", aspect="p", mark=D(99))])
        assert gc.isenabled()
        gc.disable()
        compute_event(scheme, rows)
        assert not gc.isenabled()  # a caller that paused it keeps it paused
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()


def test_cli_results_on_the_examples_are_unchanged():
    out = run_cli("score", "compute", "--scheme", "docs/examples/scheme.json", "--marks", "docs/examples/marks.json")
    assert out.returncode == 0 and out.stderr == ""
    assert out.stdout.encode("utf-8") == (EXAMPLES / "results.json").read_bytes()
    assert json.loads(out.stdout)["status"] == "final"
