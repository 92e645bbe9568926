"""Spreadsheets out: .xlsx templates and .xlsx/.csv exports.

Writing escapes cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``: CSV/formula
injection) and writes resident-ID columns as text so Excel never rounds them. A template's instructions
sheet is in one language (zh-CN unless the download asked for English, ``server.i18n``); its data sheet is
the same in both (Chinese label and field name in each header), so a filled template imports either way.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any, Iterable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from server.i18n import EN, ZH
from server.spreadsheets.model import Column

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet cell: text that would start a formula is prefixed with an apostrophe, and
    control characters a worksheet cannot hold (openpyxl raises IllegalCharacterError for them, which made a
    single stored name with one of them fail every export that included it) become U+FFFD."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


# the instructions sheet's own words
_WORDS = {
    ZH: {"column": "列", "required": "必填", "note": "说明", "yes": "是",
         "example": "示例（请勿原样粘贴到数据表 data 中）："},
    EN: {"column": "Column", "required": "Required", "note": "Note", "yes": "yes",
         "example": "Example (do not paste into the sheet 'data' as it is):"},
}


def build_template(
    title: str, columns: Sequence[Column], *, instructions: Sequence[str], examples: Sequence[Sequence[Any]] = (),
    notes: Mapping[str, str] | None = None, lang: str = ZH,
) -> bytes:
    """An .xlsx with the data sheet first (bilingual headers, text-formatted cells) and an instructions
    sheet in ``lang``: ``title``, ``instructions`` and ``notes`` (column key → note; a column's own
    ``note`` otherwise) are the caller's, in that language. Example rows are not included in the data
    sheet so the template imports as-is once filled."""
    words = _WORDS[EN if lang == EN else ZH]
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
    info.append([words["column"], words["required"], words["note"]])
    for col in columns:
        note = (notes or {}).get(col.key, col.note)
        info.append([col.header, words["yes"] if col.required else "", safe_cell(note)])
    if examples:
        info.append([])
        info.append([words["example"]])
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
