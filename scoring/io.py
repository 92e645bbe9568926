"""Reading scheme, marks and roster files, with every problem located by row and field.

JSON files decode strictly through msgspec (unknown fields refused, decimals kept as written).  msgspec
stops at the first error in a document; its message is turned into a ``Problem`` with the same kind of
path the rest of the core uses.  Marks may also come as CSV — ``entry,judge,aspect,mark[,round]`` with a
header row — and there every bad row is reported, each with its 1-based file line.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import msgspec

from .errors import InvalidMarks, InvalidScheme, Problem, ScoringError
from .model import Mark, MarkSheet, Roster, Scheme

CSV_REQUIRED = ("entry", "judge", "aspect", "mark")
CSV_OPTIONAL = ("round",)

_AT = re.compile(r"^(?P<what>.*?) - at `\$(?P<path>[^`]*)`$", re.S)


def problem_from_msgspec(err: Exception) -> Problem:
    """A msgspec decode error as a Problem with a stable code and a path like 'marks[3].mark'."""
    text = str(err)
    if isinstance(err, msgspec.ValidationError):
        m = _AT.match(text)
        what, path = (m.group("what"), m.group("path").lstrip(".")) if m else (text, "")
        field = re.search(r"field `([^`]+)`", what)
        if "unknown field" in what:
            code = "unknown_field"
            path = f"{path}.{field.group(1)}".lstrip(".") if field else path
        elif "missing required field" in what:
            code = "missing_field"
            path = f"{path}.{field.group(1)}".lstrip(".") if field else path
        elif "decimal" in what:
            code = "not_a_number"
        elif what.startswith("Invalid value"):
            code = "invalid_value"
        else:
            code = "invalid_type"
        return Problem(code=code, path=path, message=f"{path or 'document'}: {what}")
    return Problem(code="malformed_json", path="", message=f"not valid JSON: {text}")


def decode_scheme(data: bytes | str) -> Scheme:
    """Decode and validate a scheme file; ``InvalidScheme`` lists what is wrong."""
    from .validate import check_scheme

    try:
        scheme = msgspec.json.decode(data, type=Scheme)
    except (msgspec.ValidationError, msgspec.DecodeError) as err:
        raise InvalidScheme([problem_from_msgspec(err)]) from None
    return check_scheme(scheme)


def decode_marks_json(data: bytes | str) -> MarkSheet:
    try:
        return msgspec.json.decode(data, type=MarkSheet)
    except (msgspec.ValidationError, msgspec.DecodeError) as err:
        raise InvalidMarks([problem_from_msgspec(err)]) from None


def decode_marks_csv(text: str) -> tuple[MarkSheet, list[int]]:
    """Parse CSV marks; returns the sheet and, for each mark, its 1-based line in the file."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    problems: list[Problem] = []
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidMarks([Problem(code="empty", path="", message="the CSV file is empty", line=1)]) from None
    for name in CSV_REQUIRED:
        if name not in header:
            problems.append(Problem(code="missing_column", path=name, message=f"the header lacks column {name!r}",
                                    line=1))
    for k, name in enumerate(header):
        if name not in CSV_REQUIRED + CSV_OPTIONAL:
            problems.append(Problem(code="unknown_column", path=name, message=f"unknown column {name!r}", line=1))
        elif name in header[:k]:
            problems.append(Problem(code="duplicate_column", path=name,
                                    message=f"column {name!r} appears twice in the header", line=1))
    if problems:
        raise InvalidMarks(problems)
    col = {name: header.index(name) for name in header}
    marks: list[Mark] = []
    lines: list[int] = []
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as err:  # e.g. an unclosed quote running into a field over the size limit
            line = reader.line_num
            problems.append(Problem(code="malformed_csv", path=f"marks[{len(lines)}]",
                                    message=f"line {line}: the CSV cannot be read past this point ({err})",
                                    line=line))
            break
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        i = len(lines)
        lines.append(line)

        def bad(code: str, field: str, message: str) -> None:
            problems.append(Problem(code=code, path=f"marks[{i}].{field}", message=f"line {line}: {message}",
                                    line=line))

        if len(row) != len(header):
            problems.append(Problem(code="wrong_column_count", path=f"marks[{i}]",
                                    message=f"line {line}: {len(row)} values for {len(header)} columns", line=line))
            continue
        values = {name: row[k].strip() for name, k in col.items()}
        ok = True
        for name in CSV_REQUIRED:
            if not values[name]:
                bad("missing_field", name, f"{name} is empty")
                ok = False
        try:
            mark = Decimal(values["mark"]) if values["mark"] else None
            if mark is not None and not mark.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            bad("not_a_number", "mark", f"mark {values['mark']!r} is not a number")
            ok = False
        rnd = 1
        if values.get("round"):
            try:
                rnd = int(values["round"])
            except ValueError:
                bad("invalid_round", "round", f"round {values['round']!r} is not a whole number")
                ok = False
        if ok:
            marks.append(Mark(entry=values["entry"], judge=values["judge"], aspect=values["aspect"], mark=mark,
                              round=rnd))
    if problems:
        raise InvalidMarks(problems)
    return MarkSheet(marks=marks), lines


def decode_roster(data: bytes | str) -> Roster:
    try:
        return msgspec.json.decode(data, type=Roster)
    except (msgspec.ValidationError, msgspec.DecodeError) as err:
        raise InvalidMarks([problem_from_msgspec(err)]) from None


def read_scheme(path: str | Path) -> Scheme:
    return decode_scheme(Path(path).read_bytes())


def read_marks(path: str | Path) -> tuple[MarkSheet, list[int] | None]:
    """A marks file by extension: ``.csv`` → CSV (with line numbers), anything else → JSON."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        data = p.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = data[:err.start].count(b"\n") + 1
            raise InvalidMarks([Problem(code="not_utf8", path="", line=line,
                                        message=f"line {line}: the CSV file is not UTF-8 text (byte {err.start}); "
                                                "save it as UTF-8")]) from None
        return decode_marks_csv(text)
    return decode_marks_json(p.read_bytes()), None


def read_roster(path: str | Path) -> Roster:
    return decode_roster(Path(path).read_bytes())


def with_lines(err: ScoringError, lines: list[int] | None) -> ScoringError:
    """Attach CSV line numbers to problems that point at ``marks[i]``."""
    if not lines:
        return err
    located = []
    for p in err.problems:
        m = re.match(r"marks\[(\d+)\]", p.path)
        if m and p.line is None and int(m.group(1)) < len(lines):
            line = lines[int(m.group(1))]
            located.append(Problem(code=p.code, path=p.path, message=f"line {line}: {p.message}", line=line))
        else:
            located.append(p)
    return type(err)(located)
