"""Uploads and downloads over HTTP: the multipart shape of a spreadsheet upload, its body limit, and the
response that sends a file back. What is inside the file is ``server.spreadsheets``' business."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request, Response
from litestar.datastructures import UploadFile

from server.errors import InvalidInput
from server.spreadsheets import CSV_MEDIA_TYPE, MAX_UPLOAD_BYTES, XLSX_MEDIA_TYPE

# a little room above the file cap for the multipart envelope; larger bodies get 413 before buffering
UPLOAD_BODY_LIMIT = MAX_UPLOAD_BYTES + 64 * 1024


@dataclass
class SpreadsheetUpload:
    """multipart/form-data with one .xlsx file in the part named ``file``."""

    file: UploadFile


def download(content: bytes, filename: str, fmt: str = "xlsx", *, media_type: str | None = None,
             language: str | None = None) -> Response[bytes]:
    """A file for the browser to save, never cached (exports and certificates carry personal data):
    ``fmt`` "xlsx" or "csv", or any ``media_type`` (a ZIP, a PDF); ``language`` is the language its text is
    written in (``Content-Language``, a template's instructions)."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"}
    if language is not None:
        headers["Content-Language"] = language
    return Response(content, media_type=media_type or (XLSX_MEDIA_TYPE if fmt == "xlsx" else CSV_MEDIA_TYPE),
                    headers=headers)


async def uploaded_file(request: Request) -> tuple[bytes, str]:
    """The request's file: a multipart form field ``file``, or else the raw body. Returns (bytes, name).

    Undecodable multipart text parts become 400 ``malformed_multipart`` app-wide (``server.errors``)."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or not hasattr(upload, "read"):
            raise InvalidInput("Send the file in a form field named 'file'.", code="file_required", field="file")
        return await upload.read(), upload.filename or ""
    return await request.body(), ""
