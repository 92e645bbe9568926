"""The results file (jineng.results/1 JSON and CSV) and the CLI, run on docs/examples."""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import msgspec
import pytest

from scoring import (
    AdvancementPolicy,
    Criterion,
    JudgementAspect,
    Scheme,
    advance,
    compute_event,
    decode_results,
    encode_results,
    encode_results_csv,
    standings_from_results,
    to_document,
)
from scoring.cli import main, register

from .helpers import D, marks_for

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoring", *args], cwd=ROOT, capture_output=True, text=True)


def test_cli_reproduces_the_example_results_from_json_marks():
    out = run_cli("score", "compute", "--scheme", "docs/examples/scheme.json", "--marks", "docs/examples/marks.json")
    assert out.returncode == 0, out.stderr
    assert out.stdout == (EXAMPLES / "results.json").read_text(encoding="utf-8")


def test_csv_marks_with_a_roster_give_the_same_results(tmp_path):
    target = tmp_path / "results.json"
    out = run_cli("score", "compute", "--scheme", "docs/examples/scheme.json", "--marks", "docs/examples/marks.csv",
                  "--roster", "docs/examples/roster.json", "--output", str(target))
    assert out.returncode == 0, out.stderr
    assert target.read_text(encoding="utf-8") == (EXAMPLES / "results.json").read_text(encoding="utf-8")


def test_example_results_hold_the_hand_computed_numbers():
    doc = decode_results((EXAMPLES / "results.json").read_bytes())
    assert doc.format == "jineng.results/1" and doc.status == "final"
    e01 = next(e for e in doc.entries if e.entry == "E01")
    practical = e01.criteria["practical"]
    # P3 judgement 2, 2, 3 on a 20-mark aspect: 20 × (7/3)/3 = 140/9 = 15.555… → 15.56
    assert practical.aspects["P3"].mark == "15.56"
    # P4 trimmed mean of 32, 34, 33, 35, 30 → (32 + 33 + 34)/3 = 33
    assert practical.aspects["P4"].mark == "33.00"
    # practical 10 + 9 + 15.56 + 33 + 16.5 = 84.06; total 0.3 × 86 + 0.7 × 84.06 = 84.642 → 84.64
    assert (practical.score, e01.total) == ("84.06", "84.64")
    assert (e01.rank, e01.award) == (2, "first")
    e04 = next(e for e in doc.entries if e.entry == "E04")
    assert (e04.rank, e04.eligible, e04.award) == (1, False, None)
    e02 = next(e for e in doc.entries if e.entry == "E02")
    assert e02.criteria["practical"].aspects["P5"].mark == "15.50"  # third marker 15 within tolerance of 16
    e05 = next(e for e in doc.entries if e.entry == "E05")
    assert e05.criteria["practical"].aspects["P3"].mark == "8.89"  # re-marked 1, 1, 2 → 20 × (4/3)/3


def test_results_json_is_self_describing_and_round_trips():
    raw = json.loads((EXAMPLES / "results.json").read_text(encoding="utf-8"))
    assert raw["format"] == "jineng.results/1"
    assert set(raw) == {"format", "event", "status", "scheme", "entries", "ranking", "awards", "standardization"}
    entry = raw["entries"][0]
    assert {"entry", "school", "members", "eligible", "withdrawn", "status", "total", "criteria", "rank", "award",
            "standardized"} <= set(entry)
    assert all(isinstance(e["total"], str) for e in raw["entries"])  # decimals as strings, never floats
    doc = decode_results((EXAMPLES / "results.json").read_bytes())
    assert encode_results(doc) == (EXAMPLES / "results.json").read_bytes()


def test_results_file_refuses_unknown_fields():
    raw = json.loads((EXAMPLES / "results.json").read_text(encoding="utf-8"))
    raw["entries"][0]["bonus"] = "5"
    with pytest.raises(msgspec.ValidationError):
        decode_results(json.dumps(raw))


def test_non_terminating_values_carry_their_exact_fraction():
    scheme = Scheme(id="s", criteria=[Criterion(id="c", aspects=[JudgementAspect(id="j", max=D(1))])])
    result = compute_event(scheme, marks_for("E", "j", [0, 0, 1]))
    doc = to_document(result)
    aspect = doc.entries[0].criteria["c"].aspects["j"]
    assert (aspect.mark, aspect.exact) == ("0.111111", "1/9")
    assert (doc.entries[0].total, doc.entries[0].total_exact) == ("0.111111", "1/9")
    standing = standings_from_results(decode_results(encode_results(doc)))[0]
    assert standing.total == Fraction(1, 9)  # the exact value, not the display digits


def test_results_csv_has_entry_criterion_and_aspect_rows():
    doc = decode_results((EXAMPLES / "results.json").read_bytes())
    rows = list(csv.DictReader(io.StringIO(encode_results_csv(doc))))
    assert len(rows) == 6 * (1 + 2 + 6)
    e01 = [r for r in rows if r["entry"] == "E01"]
    assert (e01[0]["record"], e01[0]["value"], e01[0]["rank"], e01[0]["award"]) == ("entry", "84.64", "2", "first")
    p3 = next(r for r in e01 if r["aspect"] == "P3")
    assert (p3["record"], p3["criterion"], p3["value"], p3["status"]) == ("aspect", "practical", "15.56", "ok")
    out = run_cli("score", "compute", "--scheme", "docs/examples/scheme.json", "--marks", "docs/examples/marks.json",
                  "--format", "csv")
    assert out.returncode == 0 and out.stdout == encode_results_csv(doc)


def test_advancement_reads_a_results_file():
    standings = standings_from_results(decode_results((EXAMPLES / "results.json").read_bytes()))
    result = advance(AdvancementPolicy(top_n=2, ties="none"), standings)
    assert result.qualified == ["E01", "E02"]  # E04 ranks first but is not eligible


def test_explain_command():
    out = run_cli("score", "explain", "--scheme", "docs/examples/scheme.json", "--marks", "docs/examples/marks.json",
                  "--entry", "E02")
    assert out.returncode == 0, out.stderr
    assert "J4 round 1: 12 — not used by the rule" in out.stdout
    assert "third mark 15 is within tolerance of only 16" in out.stdout
    assert "half_up to 2 places: → 83.10" in out.stdout
    as_json = run_cli("score", "explain", "--scheme", "docs/examples/scheme.json", "--marks",
                      "docs/examples/marks.json", "--entry", "E02", "--format", "json")
    assert json.loads(as_json.stdout)["total"] == "83.10"
    missing = run_cli("score", "explain", "--scheme", "docs/examples/scheme.json", "--marks",
                      "docs/examples/marks.json", "--entry", "E99")
    assert missing.returncode == 1 and "E99" in missing.stderr


def test_invalid_marks_exit_1_naming_csv_lines(tmp_path):
    bad = tmp_path / "marks.csv"
    lines = (EXAMPLES / "marks.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = "E01,J2,P2,12,"  # P2 max is 10
    lines.append("E01,J9,P4,30,")  # nobody called J9 on the roster
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = run_cli("score", "compute", "--scheme", "docs/examples/scheme.json", "--marks", str(bad),
                  "--roster", "docs/examples/roster.json")
    assert out.returncode == 1 and out.stdout == ""
    assert "mark_out_of_range at marks[2].mark: line 4:" in out.stderr
    assert f"unknown_judge at marks[{len(lines) - 2}].judge: line {len(lines)}:" in out.stderr


def test_invalid_scheme_exit_1(tmp_path):
    scheme = json.loads((EXAMPLES / "scheme.json").read_text(encoding="utf-8"))
    scheme["criteria"][1]["aspects"][3]["max"] = "0"
    path = tmp_path / "scheme.json"
    path.write_text(json.dumps(scheme), encoding="utf-8")
    out = run_cli("score", "validate", "--scheme", str(path))
    assert out.returncode == 1
    assert "max_not_positive at criteria[1].aspects[3].max" in out.stderr


def test_register_adds_the_score_group_to_a_host_parser(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="jineng")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["score", "compute", "--scheme", str(EXAMPLES / "scheme.json"), "--marks",
                              str(EXAMPLES / "marks.json"), "--output", str(tmp_path / "r.json")])
    assert args.func(args) == 0
    assert decode_results((tmp_path / "r.json").read_bytes()).event == "jining-2024-electrician"
    assert main(["score", "validate", "--scheme", str(EXAMPLES / "scheme.json"), "--marks",
                 str(EXAMPLES / "marks.json")]) == 0
    assert "valid" in capsys.readouterr().out


def test_same_inputs_same_digits_whatever_the_mark_order():
    data = json.loads((EXAMPLES / "marks.json").read_text(encoding="utf-8"))
    from scoring import MarkSheet, decode_scheme

    scheme = decode_scheme((EXAMPLES / "scheme.json").read_bytes())
    sheet = msgspec.json.decode(json.dumps(data), type=MarkSheet)
    forward = encode_results(compute_event(scheme, sheet.marks, sheet.entries, judges=sheet.judges))
    backward = encode_results(compute_event(scheme, list(reversed(sheet.marks)), list(reversed(sheet.entries)),
                                            judges=sheet.judges))
    assert forward == backward == (EXAMPLES / "results.json").read_bytes()


def test_decimal_strings_keep_declared_places():
    doc = decode_results((EXAMPLES / "results.json").read_bytes())
    for e in doc.entries:
        assert Decimal(e.total).as_tuple().exponent == -2  # total rounding: 2 places
        for c in e.criteria.values():
            for a in c.aspects.values():
                assert Decimal(a.mark).as_tuple().exponent == -2  # aspect rounding: 2 places
