"""The bounds of a spreadsheet upload, checked before the work they bound.

Two stages. :func:`check_container` runs in the server process and only reads what is cheap: the upload's
size and magic bytes, the zip's end record (how many parts), its central directory (every part's
uncompressed size) — no part is decompressed. :func:`check_sheet` runs in the worker process before
openpyxl sees the file: the first worksheet's declared dimension and the shared-string table's declared
count (a few kilobytes each), then one streaming pass that counts the worksheet's rows and cells and the
shared strings, stopping at the first limit passed. Headers can lie, the count cannot; the worker's memory
and time limits (``server.spreadsheets.worker``) catch whatever is left.

Every refusal is a 413 naming the limit (``limit``, and ``limit_name`` for a program), or a 415 for what
is not an .xlsx at all.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from typing import IO, Iterator
from xml.etree import ElementTree

from server.errors import InvalidInput, megabytes
from server.spreadsheets.model import MAX_ROWS, MAX_UNCOMPRESSED_BYTES, MAX_UPLOAD_BYTES, FileTooLarge, UnsupportedFile

MAX_PARTS = 2000  # files inside the zip (Excel writes about ten)
MAX_SHEET_XML_BYTES = 40 * 1024 * 1024  # the worksheet read (10,000 rows × 32 columns of text is ~18 MB)
MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024
MAX_PART_BYTES = 8 * 1024 * 1024  # every other part openpyxl reads (styles, theme, workbook, properties)
MAX_SHEET_ROWS = 3 * MAX_ROWS  # row elements, empty and formatted ones included
MAX_CELLS = 32 * MAX_ROWS  # cell elements of the worksheet, formatted empty ones included
MAX_CELLS_PER_ROW = 256
MAX_SHARED_STRINGS = MAX_CELLS

_CHUNK = 1 << 20
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)[\s>/]")
_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})?(\d+))?\"")
_COUNT = re.compile(rb"\suniqueCount=\"(\d+)\"")
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def too_large(detail: str, limit: int, limit_name: str, code: str) -> FileTooLarge:
    return FileTooLarge(detail, code=code, field="file", extra={"limit": limit, "limit_name": limit_name})


# --- in the server process: cheap, nothing decompressed --------------------------------------------

def _zip_entries(content: bytes) -> int | None:
    """The entry count of the zip's end-of-central-directory record (None when there is none)."""
    end = content.rfind(b"PK\x05\x06", max(0, len(content) - 65557))
    if end < 0 or end + 22 > len(content):
        return None
    return struct.unpack_from("<H", content, end + 10)[0]


def check_container(content: bytes) -> None:
    """Refuse what is not an .xlsx, or holds more than a worker may expand, from the zip's directory."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise too_large(f"The file is {len(content) // 1024} KB; uploads are limited to "
                        f"{megabytes(MAX_UPLOAD_BYTES)}.", MAX_UPLOAD_BYTES, "upload_bytes", "file_too_large")
    if not content:
        raise InvalidInput("The uploaded file is empty.", code="empty_file", field="file")
    if content[:4] != b"PK\x03\x04":
        hint = ""
        if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            hint = " This looks like an old .xls file: open it in Excel and save it as .xlsx."
        elif content[:3] == b"\xef\xbb\xbf" or content[:1].isascii():
            hint = " This looks like a text or CSV file: download the .xlsx template and fill it in."
        raise UnsupportedFile(f"Upload an Excel workbook (.xlsx).{hint}", field="file")
    entries = _zip_entries(content)
    if entries is None:
        raise UnsupportedFile("The file is damaged or not an .xlsx workbook.", field="file")
    if entries > MAX_PARTS or entries == 0xFFFF:
        raise too_large(f"The workbook holds more than {MAX_PARTS:,} parts; an import reads at most {MAX_PARTS:,}.",
                        MAX_PARTS, "zip_parts", "workbook_too_many_parts")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UnsupportedFile("The file is damaged or not an .xlsx workbook.", field="file") from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise UnsupportedFile("The file is a zip archive but not an .xlsx workbook.", field="file")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise too_large(f"The workbook expands to {megabytes(total)}; an import reads at most "
                        f"{megabytes(MAX_UNCOMPRESSED_BYTES)} of data. Split it into smaller files.",
                        MAX_UNCOMPRESSED_BYTES, "uncompressed_bytes", "workbook_too_large")
    for info in infos:
        limit = _part_limit(info.filename)
        if info.file_size > limit:
            raise too_large(f"The part {info.filename} of the workbook expands to {megabytes(info.file_size)}; "
                            f"an import reads at most {megabytes(limit)} of it. Split the file.",
                            limit, "part_bytes", "workbook_part_too_large")


def _part_limit(name: str) -> int:
    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
        return MAX_SHEET_XML_BYTES
    if name == "xl/sharedStrings.xml":
        return MAX_SHARED_STRINGS_BYTES
    if name.endswith((".xml", ".rels")):
        return MAX_PART_BYTES
    return MAX_UNCOMPRESSED_BYTES  # images and the like: openpyxl's read-only mode never opens them


# --- in the worker, before openpyxl ------------------------------------------------------------------

def first_sheet_part(zf: zipfile.ZipFile) -> str | None:
    """The part of the first worksheet, as openpyxl picks it (workbook order, through the relationships)."""
    try:
        workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PKG_REL_NS}Relationship")}
    for sheet in workbook.iter(f"{_SHEET_NS}sheet"):
        target = targets.get(sheet.get(f"{_REL_NS}id"), "")
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        if "worksheets/" in part:
            return part
    return None


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream in pieces that never split a tag: each ends just before its last ``<``."""
    carry = b""
    while True:
        data = stream.read(_CHUNK)
        if not data:
            if carry:
                yield carry
            return
        buffer = carry + data
        cut = buffer.rfind(b"<")
        if cut <= 0:
            carry = b""
            yield buffer
        else:
            carry = buffer[cut:]
            yield buffer[:cut]


def _rows_claimed(head: bytes) -> int | None:
    m = _DIMENSION.search(head)
    if not m:
        return None
    rows = [int(g) for g in (m.group(2), m.group(4)) if g]
    return max(rows) - min(rows) + 1 if rows else None


def check_sheet(zf: zipfile.ZipFile, part: str) -> None:
    """Refuse a worksheet (or shared-string table) larger than the limits before anything parses it."""
    with zf.open(part) as stream:
        head = stream.read(64 * 1024)
    claimed = _rows_claimed(head)
    if claimed is not None and claimed > MAX_SHEET_ROWS:
        raise _rows_refusal(claimed, declared=True)
    if "xl/sharedStrings.xml" in zf.namelist():
        with zf.open("xl/sharedStrings.xml") as stream:
            m = _COUNT.search(stream.read(4096))
        if m and int(m.group(1)) > MAX_SHARED_STRINGS:
            raise _strings_refusal(int(m.group(1)))
        with zf.open("xl/sharedStrings.xml") as stream:
            strings = 0
            for chunk in _chunks(stream):
                strings += len(_SI.findall(chunk))
                if strings > MAX_SHARED_STRINGS:
                    raise _strings_refusal(strings)
    rows = cells = in_row = 0
    with zf.open(part) as stream:
        for chunk in _chunks(stream):
            for m in _TAG.finditer(chunk):
                if m.group(1) == b"row":
                    rows += 1
                    in_row = 0
                    if rows > MAX_SHEET_ROWS:
                        raise _rows_refusal(rows, declared=False)
                    continue
                cells += 1
                in_row += 1
                if in_row > MAX_CELLS_PER_ROW:
                    raise too_large(f"Row element {rows:,} of the sheet holds more than {MAX_CELLS_PER_ROW:,} cells; an "
                                    f"import reads at most {MAX_CELLS_PER_ROW:,} cells per row.", MAX_CELLS_PER_ROW,
                                    "cells_per_row", "sheet_row_too_wide")
                if cells > MAX_CELLS:
                    raise too_large(f"The sheet holds more than {MAX_CELLS:,} cells (formatted empty ones count); "
                                    f"an import reads at most {MAX_CELLS:,}. Delete the unused rows and columns "
                                    "or split the file.", MAX_CELLS, "cells", "sheet_too_many_cells")


def _rows_refusal(rows: int, *, declared: bool) -> FileTooLarge:
    said = f"declares {rows:,} rows" if declared else f"holds more than {MAX_SHEET_ROWS:,} rows"
    return too_large(f"The sheet {said} (formatted empty ones count); an import reads at most "
                     f"{MAX_SHEET_ROWS:,} rows ({MAX_ROWS:,} with data). Delete the unused rows or split the file.",
                     MAX_SHEET_ROWS, "rows", "sheet_too_many_rows")


def _strings_refusal(count: int) -> FileTooLarge:
    return too_large(f"The workbook's shared-string table holds {count:,} texts; an import reads at most "
                     f"{MAX_SHARED_STRINGS:,}. Split the file.", MAX_SHARED_STRINGS, "shared_strings",
                     "too_many_shared_strings")
