"""What a spreadsheet upload reads into, and the refusals about it: columns, rows, row errors, limits.

Shared by reading (``server.spreadsheets.reading``, in a worker process) and by the callers that turn
rows into records; it knows columns, not domains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import msgspec

from server.errors import DomainError, refusal

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 80 * 1024 * 1024
MAX_ROWS = 10_000
MAX_REPORTED_ERRORS = 1000
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv"  # Litestar appends "; charset=utf-8" to every text/ type


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
