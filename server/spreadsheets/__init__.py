"""Spreadsheets in and out: .xlsx templates, reading uploads row by row, .xlsx and .csv exports.

Shared by the roster import (people), the entry import (registration) and certificate issuing from
assessment passes; it knows columns, not domains.

* ``model`` — columns, rows, row errors (``ErrorList``), the size constants and refusals;
* ``writing`` — templates and exports (formula injection escaped, ID columns as text);
* ``limits`` — the bounds of an upload, checked before the work they bound (zip directory in the server;
  declared dimension, shared strings and an exact count of rows and cells in the worker);
* ``reading`` — the parse itself (openpyxl read-only, only the cells the file holds);
* ``worker`` — where the parse runs: a worker process with a memory and a time limit, never the event
  loop. Request handlers ``await read_sheet_async(...)``; code in a thread may call ``read_sheet(...)``.

Reading is defensive: the upload is capped in size, must be a real .xlsx (a zip holding
``xl/workbook.xml``, not an .xls, .csv or renamed file), its parts' uncompressed sizes, the sheet's rows,
cells, cells per row and shared strings are capped, at most ``MAX_ROWS`` data rows are read, and the
refusal (413, or 415/422) names the limit. Every problem in the rows is reported as
``RowError(row, column, field, code, message)`` with the row number and column letter Excel shows.
"""

from server.spreadsheets.limits import (
    MAX_CELLS,
    MAX_CELLS_PER_ROW,
    MAX_PARTS,
    MAX_SHARED_STRINGS,
    MAX_SHEET_ROWS,
    MAX_SHEET_XML_BYTES,
    check_container,
)
from server.spreadsheets.model import (
    CSV_MEDIA_TYPE,
    MAX_REPORTED_ERRORS,
    MAX_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_UPLOAD_BYTES,
    XLSX_MEDIA_TYPE,
    Column,
    ErrorList,
    FileTooLarge,
    RowError,
    Sheet,
    SheetRow,
    UnsupportedFile,
    resident_id_cell,
)
from server.spreadsheets.worker import read_sheet, read_sheet_async
from server.spreadsheets.writing import build_template, safe_cell, write_csv, write_xlsx

__all__ = [
    "CSV_MEDIA_TYPE", "MAX_CELLS", "MAX_CELLS_PER_ROW", "MAX_PARTS", "MAX_REPORTED_ERRORS", "MAX_ROWS",
    "MAX_SHARED_STRINGS", "MAX_SHEET_ROWS", "MAX_SHEET_XML_BYTES", "MAX_UNCOMPRESSED_BYTES", "MAX_UPLOAD_BYTES",
    "XLSX_MEDIA_TYPE", "Column", "ErrorList", "FileTooLarge", "RowError", "Sheet", "SheetRow", "UnsupportedFile",
    "build_template", "check_container", "read_sheet", "read_sheet_async", "resident_id_cell", "safe_cell",
    "write_csv", "write_xlsx",
]
