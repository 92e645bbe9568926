"""Spreadsheets in and out: .xlsx templates, reading uploads row by row, .xlsx and .csv exports.

Shared by the roster import (people), the entry import (registration) and certificate issuing from
assessment passes; it knows columns, not domains.

Reading is defensive: the upload is capped in size, must be a real .xlsx (a zip holding
``xl/workbook.xml``, not an .xls, .csv or renamed file), its uncompressed size is capped (zip bombs), and
at most ``MAX_ROWS`` data rows are read, with openpyxl in read-only mode. Every problem is reported as
``RowError(row, column, field, code, message)`` with the row number and column letter Excel shows.

Writing escapes cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``: CSV/formula
injection) and writes resident-ID columns as text so Excel never rounds them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable, Sequence

import msgspec
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from server.errors import DomainError, InvalidInput, refusal

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 80 * 1024 * 1024
MAX_ROWS = 10_000
MAX_REPORTED_ERRORS = 1000
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class RowError(msgspec.Struct):
    """One problem in an uploaded spreadsheet: the row and column as Excel shows them."""

    row: int
    column: str | None
    field: str | None
    code: str
    message: str


class UnsupportedFile(DomainError):
    """The upload is not an .xlsx workbook (415)."""

    status = 415
    code = "not_xlsx"
    title = "Unsupported file type"


class FileTooLarge(DomainError):
    status = 413
    code = "file_too_large"
    title = "File too large"


@dataclass(frozen=True)
class Column:
    key: str  # the field name, also accepted as a header
    label: str  # the header the template shows (Chinese)
    required: bool = False
    width: int = 16
    note: str = ""  # shown in the instructions sheet

    @property
    def header(self) -> str:
        return f"{self.label} ({self.key})"


@dataclass
class SheetRow:
    row: int  # 1-based, as Excel shows it
    values: dict[str, str | None]
    # keys whose cell held a large decimal number: Excel keeps 15 significant digits, so the value is rounded
    rounded: set[str] = field(default_factory=set)


@dataclass
class Sheet:
    rows: list[SheetRow]
    letters: dict[str, str]  # column key -> letter in the uploaded file


class ErrorList:
    """Collects row errors; raises them all at once as one 422 problem."""

    def __init__(self, sheet: Sheet | None = None, columns: Sequence[Column] = ()) -> None:
        self.items: list[RowError] = []
        self.letters = sheet.letters if sheet else {}
        self.labels = {c.key: c.label for c in columns}

    def add(self, row: int, key: str | None, code: str, message: str) -> None:
        column = self.letters.get(key) if key else None
        self.items.append(RowError(row=row, column=column, field=key, code=code, message=message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, rows: int, what: str) -> None:
        if not self.items:
            return
        items = sorted(self.items, key=lambda e: (e.row, e.column or ""))
        first = items[0]
        where = f"row {first.row}" + (f", column {first.column}" if first.column else "")
        raise refusal(
            [{"row": e.row, "column": e.column, "field": e.field, "code": e.code, "message": e.message}
             for e in items],
            f"The {what} was not imported: {len(items)} problem(s), the first at {where}",
            code="import_invalid", after="Nothing was written; fix the rows and upload the file again.",
            extra={"rows": rows}, limit=MAX_REPORTED_ERRORS,
        )


# --- templates and exports ------------------------------------------------------------------------

def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet cell: text that would start a formula is prefixed with an apostrophe, and
    control characters a worksheet cannot hold (openpyxl raises IllegalCharacterError for them, which made a
    single stored name with one of them fail every export that included it) become U+FFFD."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


def build_template(
    title: str, columns: Sequence[Column], *, instructions: Sequence[str], examples: Sequence[Sequence[Any]] = ()
) -> bytes:
    """An .xlsx with the data sheet first (bilingual headers, text-formatted cells) and an instructions
    sheet. Example rows are not included in the data sheet so the template imports as-is once filled."""
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for i, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font = bold
        if col.required:
            cell.fill = fill
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(col.width, len(col.header) + 4)
        # text format for the whole column: resident IDs must never become numbers
        ws.column_dimensions[letter].number_format = "@"
        for r in range(2, 202):
            ws.cell(row=r, column=i).number_format = "@"
    ws.freeze_panes = "A2"
    info = wb.create_sheet("说明 instructions")
    info.column_dimensions["A"].width = 110
    # the title and instructions carry names others typed (competition, event): never a formula
    info.append([safe_cell(title)])
    info["A1"].font = Font(bold=True, size=13)
    for line in instructions:
        info.append([safe_cell(line)])
    info.append([])
    info.append(["列 column", "必填 required", "说明 note"])
    for col in columns:
        info.append([col.header, "是 yes" if col.required else "", col.note])
    if examples:
        info.append([])
        info.append(["示例 example (do not paste into the data sheet as-is):"])
        for ex in examples:
            info.append([safe_cell(v) for v in ex])
    for row in info.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return safe_cell(value)


def write_xlsx(sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A plain export (write-only mode: constant memory for large exports); every cell is text or a
    number, never a formula."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title[:31])
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(str(h)) + 6))
    ws.append(list(headers))
    for row in rows:
        ws.append([_cell_text(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark so Excel opens Chinese text correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_cell_text(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# --- reading uploads ------------------------------------------------------------------------------

def _check_container(content: bytes) -> None:
    if len(content) > MAX_UPLOAD_BYTES:
        raise FileTooLarge(
            f"The file is {len(content) // 1024} KB; uploads are limited to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
            field="file",
        )
    if not content:
        raise InvalidInput("The uploaded file is empty.", code="empty_file", field="file")
    if content[:4] != b"PK\x03\x04":
        hint = ""
        if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            hint = " This looks like an old .xls file: open it in Excel and save it as .xlsx."
        elif content[:3] == b"\xef\xbb\xbf" or content[:1].isascii():
            hint = " This looks like a text or CSV file: download the .xlsx template and fill it in."
        raise UnsupportedFile(f"Upload an Excel workbook (.xlsx).{hint}", field="file")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            names = set(zf.namelist())
            total = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        raise UnsupportedFile("The file is damaged or not an .xlsx workbook.", field="file") from None
    if "xl/workbook.xml" not in names:
        raise UnsupportedFile("The file is a zip archive but not an .xlsx workbook.", field="file")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise FileTooLarge("The workbook expands to more data than an import accepts; split it into smaller files.",
                           field="file")


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


def read_sheet(content: bytes, columns: Sequence[Column], *, what: str) -> Sheet:
    """Parse the first worksheet: row 1 holds headers (the template's, or just the keys), data from row 2.

    Unknown headers are ignored (a 序号 column, notes); missing required columns and duplicate headers are
    reported with their row and column; fully empty rows are skipped.
    """
    _check_container(content)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for malformed workbooks
        raise UnsupportedFile("The workbook could not be read; save it again as .xlsx and retry.", field="file") from None
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        errors = ErrorList()
        known = _header_keys(columns)
        positions: dict[str, int] = {}
        letters: dict[str, str] = {}
        for idx, text in enumerate(header or ()):
            key = known.get(_normalize_header(text))
            if key is None:
                continue
            if key in positions:
                errors.add(1, None, "duplicate_column",
                           f"Column {get_column_letter(idx + 1)} repeats the header of column "
                           f"{letters[key]} ({text}).")
                continue
            positions[key] = idx
            letters[key] = get_column_letter(idx + 1)
        for col in columns:
            if col.required and col.key not in positions:
                errors.add(1, None, "missing_column",
                           f"The header row has no column “{col.header}”; use the template's header row.")
        errors.raise_if_any(0, what)
        out: list[SheetRow] = []
        for number, values in enumerate(rows, start=2):
            if not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(out) >= MAX_ROWS:
                raise InvalidInput(f"The file has more than {MAX_ROWS} rows; split it into smaller files.",
                                   code="too_many_rows", field="file")
            parsed: dict[str, str | None] = {}
            rounded: set[str] = set()
            for key, idx in positions.items():
                text, lost = _value(values[idx] if idx < len(values) else None)
                parsed[key] = text
                if lost:
                    rounded.add(key)
            out.append(SheetRow(row=number, values=parsed, rounded=rounded))
    finally:
        wb.close()
    if not out:
        raise InvalidInput("The file has a header row but no data rows.", code="no_rows", field="file")
    return Sheet(rows=out, letters=letters)


def resident_id_cell(row: SheetRow, key: str) -> str | None:
    """The resident ID in a cell, refusing numbers Excel has already rounded (an 18-digit number has
    more digits than a spreadsheet number keeps)."""
    value = row.values.get(key)
    if value is None:
        return None
    if key in row.rounded:
        raise ValueError("The ID was stored as a number and Excel rounded it; format the column as text and "
                         "type the ID again.")
    return value
