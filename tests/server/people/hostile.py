"""Hostile .xlsx files, built part by part: small uploads that expand to millions of cells, rows numbered
far apart, wide rows, huge shared-string tables, thousands of parts (issue 13, item 3). Also used by
bench/bench_uploads.py."""

from __future__ import annotations

import io
import zipfile

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>")
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
             "</Relationships>")
WORKBOOK = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                 '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                 "</Relationships>")
HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>resident_id</t></is></c></row>')


def package(sheet_rows: str | bytes, *, dimension: str | None = None, shared: bytes | None = None,
            extra: dict[str, bytes] | None = None) -> bytes:
    """A workbook whose first sheet's ``<sheetData>`` holds ``sheet_rows`` (streamed in when bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        dim = f'<dimension ref="{dimension}"/>' if dimension else ""
        rows = sheet_rows.encode() if isinstance(sheet_rows, str) else sheet_rows
        zf.writestr("xl/worksheets/sheet1.xml",
                    f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">{dim}<sheetData>'.encode()
                    + rows + b"</sheetData></worksheet>")
        zf.writestr("xl/sharedStrings.xml", shared if shared is not None else
                    f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="0" uniqueCount="0"></sst>')
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def million_cells(rows: int = 100_000, per_row: int = 20) -> bytes:
    """~150 KB that expands to rows × per_row numeric cells (2,000,000 by default)."""
    row = "".join(f'<c><v>{i}</v></c>' for i in range(per_row))
    body = "".join(f"<row>{row}</row>" for _ in range(1000)).encode()
    return package(HEADER_ROW.encode() + body * (rows // 1000))


def declared_rows(rows: int = 1_048_576) -> bytes:
    """An honest-looking sheet that declares a million rows."""
    return package(HEADER_ROW, dimension=f"A1:XFD{rows}")


def far_apart() -> bytes:
    """Two cells: row 1 and a row numbered a million, in column XFD (openpyxl's iter_rows padded the gap)."""
    return package(HEADER_ROW + '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
                   )


def wide_row(cells: int = 300) -> bytes:
    return package(HEADER_ROW + "<row r=\"2\">" + "".join(f"<c><v>{i}</v></c>" for i in range(cells)) + "</row>")


def shared_strings(count: int = 400_000, declared: bool = True) -> bytes:
    items = b"<si><t>x</t></si>" * count
    head = f'<sst xmlns="{NS}"' + (f' count="{count}" uniqueCount="{count}"' if declared else "") + ">"
    return package(HEADER_ROW, shared=head.encode() + items + b"</sst>")


def many_parts(parts: int = 3000) -> bytes:
    return package(HEADER_ROW, extra={f"xl/media/p{i}.xml": b"<a/>" for i in range(parts)})


def big_part(megabytes: int = 9) -> bytes:
    return package(HEADER_ROW, extra={"xl/theme/theme1.xml": b"<a>" + b" " * (megabytes << 20) + b"</a>"})
