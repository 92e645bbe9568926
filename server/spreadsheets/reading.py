"""Reading an uploaded .xlsx row by row: what runs inside the worker process (``server.spreadsheets.worker``).

The file is bounded first (:mod:`server.spreadsheets.limits`), then openpyxl reads it in read-only mode.
The first worksheet is walked through openpyxl's own row parser rather than ``iter_rows``: ``iter_rows``
pads every row to the declared width and fills every gap in the row numbers with empty rows, so a sheet
with one cell in column XFD or one row numbered 1,000,000 made it produce millions of values; the parser
yields only the cells the file holds. Every problem is a ``RowError(row, column, field, code, message)``
with the row number and column letter Excel shows.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from datetime import date, datetime
from typing import Any, Iterator, Sequence

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import WorkSheetParser

from server.errors import DomainError, InvalidInput
from server.spreadsheets.limits import check_container, check_sheet, first_sheet_part
from server.spreadsheets.model import MAX_ROWS, Column, ErrorList, Sheet, SheetRow, UnsupportedFile

_UNREADABLE = "The workbook could not be read; save it again as .xlsx and retry."


def _normalize_header(text: Any) -> str:
    return "".join(str(text).split()).lower() if text is not None else ""


def _header_keys(columns: Sequence[Column]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for col in columns:
        for form in (col.key, col.label, col.header):
            keys[_normalize_header(form)] = col.key
    return keys


def _value(raw: Any) -> tuple[str | None, bool]:
    """A cell as text (None when empty) and whether it is a number too long for a spreadsheet to keep."""
    if raw is None:
        return None, False
    if isinstance(raw, bool):
        return str(raw), False
    if isinstance(raw, int):  # openpyxl gives int only when the file holds the exact digits
        return str(raw), False
    if isinstance(raw, float):
        if raw.is_integer():
            return str(int(raw)), abs(raw) >= 1e15
        return repr(raw), False
    if isinstance(raw, datetime):
        return raw.date().isoformat(), False
    if isinstance(raw, date):
        return raw.isoformat(), False
    text = str(raw).strip()
    if text.startswith("'"):
        text = text[1:].strip()
    return (text or None), False


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rows(wb, ws) -> Iterator[tuple[int, dict[int, Any]]]:
    """(row number, {column number: value}) of every row element of the worksheet, as the file holds it."""
    with wb._archive.open(ws._worksheet_path) as source:
        parser = WorkSheetParser(source, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                 date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        for number, cells in parser.parse():
            yield number, {cell["column"]: cell["value"] for cell in cells if cell["value"] is not None}


def _bounded(content: bytes) -> str:
    """Every limit checked before openpyxl opens the file; returns the first worksheet's part."""
    check_container(content)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            part = first_sheet_part(zf)
            if part is None or part not in zf.namelist():
                raise UnsupportedFile("The workbook has no worksheet to read.", field="file")
            check_sheet(zf, part)
    except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError):
        # damaged deflate data, an encrypted part, an unknown compression method
        raise UnsupportedFile(_UNREADABLE, field="file") from None
    return part


def parse(content: bytes, columns: Sequence[Column], *, what: str) -> Sheet:
    """Parse the first worksheet: row 1 holds headers (the template's, or just the keys), data from row 2.

    Unknown headers are ignored (a 序号 column, notes); missing required columns and duplicate headers are
    reported with their row and column; fully empty rows are skipped. Runs in the worker process.
    """
    part = _bounded(content)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception:  # openpyxl raises many types for malformed workbooks
        raise UnsupportedFile(_UNREADABLE, field="file") from None
    try:
        ws = wb.worksheets[0]
        if ws._worksheet_path.lstrip("/") != part:  # openpyxl chose another part: bound that one too
            with zipfile.ZipFile(io.BytesIO(content)) as zf:
                check_sheet(zf, ws._worksheet_path.lstrip("/"))
        try:
            return _read(_rows(wb, ws), columns, what)
        except (MemoryError, DomainError):
            raise
        except Exception:  # a malformed cell reference, row number or value
            raise UnsupportedFile(_UNREADABLE, field="file") from None
    finally:
        wb.close()


def _read(rows: Iterator[tuple[int, dict[int, Any]]], columns: Sequence[Column], what: str) -> Sheet:
    first = next(rows, None)
    header: dict[int, Any] = {}
    pending: list[tuple[int, dict[int, Any]]] = []
    if first is not None:
        if first[0] == 1:
            header = first[1]
        else:
            pending.append(first)
    errors = ErrorList()
    known = _header_keys(columns)
    positions: dict[str, int] = {}
    letters: dict[str, str] = {}
    for column in sorted(header):
        text = header[column]
        key = known.get(_normalize_header(text))
        if key is None:
            continue
        if key in positions:
            errors.add(1, None, "duplicate_column",
                       f"Column {get_column_letter(column)} repeats the header of column {letters[key]} ({text}).")
            continue
        positions[key] = column
        letters[key] = get_column_letter(column)
    for col in columns:
        if col.required and col.key not in positions:
            errors.add(1, None, "missing_column",
                       f"The header row has no column “{col.header}”; use the template's header row.")
    errors.raise_if_any(0, what)
    out: list[SheetRow] = []
    for number, values in itertools.chain(pending, rows):
        if number <= 1 or all(_blank(v) for v in values.values()):
            continue
        if len(out) >= MAX_ROWS:
            raise InvalidInput(f"The file has more than {MAX_ROWS} rows; split it into smaller files.",
                               code="too_many_rows", field="file", extra={"limit": MAX_ROWS})
        parsed: dict[str, str | None] = {}
        rounded: set[str] = set()
        for key, column in positions.items():
            text, lost = _value(values.get(column))
            parsed[key] = text
            if lost:
                rounded.add(key)
        out.append(SheetRow(row=number, values=parsed, rounded=rounded))
    if not out:
        raise InvalidInput("The file has a header row but no data rows.", code="no_rows", field="file")
    return Sheet(rows=out, letters=letters)
