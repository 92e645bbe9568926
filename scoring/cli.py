"""Command-line adapter: ``score compute``, ``score explain`` and ``score validate``.

``register(subparsers)`` adds the ``score`` command group to any argparse parser (the ``jineng``
command does this); ``main(argv)`` runs it standalone, so ``python -m scoring score compute ...`` works.
This is the only module of the core that touches files.

Exit status: 0 when results were computed (even if some panels wait for a re-mark — that is in the
results), 1 when the input was refused (every problem printed to stderr, one per line), 2 for usage
errors (argparse).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import msgspec

from .errors import ScoringError
from .evaluate import compute_event
from .explain import explain
from .io import read_marks, read_roster, read_scheme, with_lines
from .results_format import encode_results, encode_results_csv


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``score`` command group to an argparse sub-parsers object."""
    score = subparsers.add_parser(
        "score", help="compute results from a marking scheme and marks",
        description="Scoring core: aspect results with tolerance statuses, totals, ranks, awards, explanations. "
                    "File formats: docs/scoring-formats.md.")
    commands = score.add_subparsers(dest="score_command", metavar="SCORE_COMMAND", required=True)

    compute = commands.add_parser("compute", help="compute results (jineng.results/1 JSON, or CSV)")
    _inputs(compute)
    compute.add_argument("--format", choices=["json", "csv"], default="json", help="output format (default json)")
    compute.add_argument("--output", "-o", metavar="FILE", help="write here instead of standard output")
    compute.set_defaults(func=cmd_compute)

    exp = commands.add_parser("explain", help="explain every number of one entry")
    _inputs(exp)
    exp.add_argument("--entry", required=True, metavar="ENTRY_ID", help="the entry to explain")
    exp.add_argument("--format", choices=["text", "json"], default="text", help="output format (default text)")
    exp.set_defaults(func=cmd_explain)

    val = commands.add_parser("validate", help="check a scheme (and marks) without computing")
    val.add_argument("--scheme", required=True, metavar="SCHEME", help="scheme JSON file")
    val.add_argument("--marks", metavar="MARKS", help="marks file (.json or .csv)")
    val.add_argument("--roster", metavar="ROSTER", help="roster JSON file (entries, judges, decisions)")
    val.set_defaults(func=cmd_validate)
    return score


def _inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scheme", required=True, metavar="SCHEME", help="scheme JSON file (jineng.scheme/1)")
    p.add_argument("--marks", required=True, metavar="MARKS",
                   help="marks: JSON (jineng.marks/1) or CSV with header entry,judge,aspect,mark[,round]")
    p.add_argument("--roster", metavar="ROSTER",
                   help="roster JSON (jineng.roster/1): entries, judges, tie decisions; overrides the marks file's")


def _load_and_compute(args):
    scheme = read_scheme(args.scheme)
    sheet, lines = read_marks(args.marks)
    entries, judges, decisions, event = sheet.entries, sheet.judges, sheet.decisions, sheet.event
    if getattr(args, "roster", None):
        roster = read_roster(args.roster)
        entries = roster.entries if roster.entries is not None else entries
        judges = roster.judges if roster.judges is not None else judges
        decisions = roster.decisions or decisions
        event = roster.event or event
    try:
        return compute_event(scheme, sheet.marks, entries, judges=judges, decisions=decisions, event=event)
    except ScoringError as err:
        raise with_lines(err, lines) from None


def _refused(err: ScoringError) -> int:
    print(f"refused ({err.kind}): {len(err.problems)} problem(s)", file=sys.stderr)
    for p in err.problems:
        print(f"  {p.code} at {p.path or '(document)'}: {p.message}", file=sys.stderr)
    return 1


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def cmd_compute(args: argparse.Namespace) -> int:
    try:
        result = _load_and_compute(args)
    except ScoringError as err:
        return _refused(err)
    except OSError as err:
        print(f"cannot read input: {err}", file=sys.stderr)
        return 1
    text = encode_results_csv(result) if args.format == "csv" else encode_results(result).decode("utf-8")
    _write(text, args.output)
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    try:
        result = _load_and_compute(args)
    except ScoringError as err:
        return _refused(err)
    except OSError as err:
        print(f"cannot read input: {err}", file=sys.stderr)
        return 1
    try:
        explanation = explain(result, args.entry)
    except KeyError:
        print(f"no entry {args.entry!r} in these results", file=sys.stderr)
        return 1
    if args.format == "json":
        sys.stdout.write(msgspec.json.format(msgspec.json.encode(explanation), indent=2).decode() + "\n")
    else:
        sys.stdout.write(explanation.text() + "\n")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        scheme = read_scheme(args.scheme)
        if args.marks:
            _load_and_compute(args)
    except ScoringError as err:
        return _refused(err)
    except OSError as err:
        print(f"cannot read input: {err}", file=sys.stderr)
        return 1
    print(f"scheme {scheme.id}: valid" + (" — marks valid" if args.marks else ""))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scoring", description="Jineng scoring core")
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)
