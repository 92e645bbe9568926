"""Issuing and verification API: thin controllers over the issuing modules (``reads``, ``single``,
``passes``, ``from_results``, ``status``, ``pdf``) and ``verification``.

Private (organizers): issue one, a spreadsheet or an event's results; list, read, download (PDF, ZIP);
revoke, suspend, reinstate, supersede. Private (anyone signed in): ``GET /api/me/certificates`` and the PDF
of one's own certificate. Public: ``/C/{token}`` (the QR URL: the verify page), ``/api/verify`` (verdict,
lookup, holder ID check) and the root-signed key set and status list under ``/.well-known/``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody

from server.config import PROJECT_ROOT
from server.errors import InvalidInput
from server.guards import requires_role
from server.i18n import request_language
from server.issuing import from_results, keyring, passes, pdf, reads, single, verification
from server.issuing import status as certificate_status
from server.issuing.schemas import (
    BatchOut,
    CertificateOut,
    CertificatePage,
    IdMatchIn,
    IdMatchOut,
    LookupIn,
    PublishedKeysetDoc,
    PublishedStatusDoc,
    ResultsIssueIn,
    SkillLevelIssueIn,
    StatusChangeIn,
    SupersedeIn,
    VerifyIn,
    VerifyOut,
)
from server.params import Limit, Offset, PathId
from server.principal import Principal
from server.uploads import download

VERIFY_PAGE = PROJECT_ROOT / "static" / "verify" / "index.html"
PUBLIC_BODY_LIMIT = 64 * 1024
UPLOAD_LIMIT = 6 * 1024 * 1024
# The verify page runs only its own scripts and talks only to this origin; the URL (which names the
# holder) is never sent on as a referrer.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
ORGANIZER = [requires_role("organizer")]


def remote_address(request: Request) -> str:
    client = request.client
    return client.host if client else "unknown"


@dataclass
class SpreadsheetUpload:
    """multipart/form-data with one .xlsx file (any field name; ``file`` in the template's instructions)."""

    file: UploadFile | None = None


class CertificateController(Controller):
    path = "/api/certificates"
    tags = ["certificates"]

    @get("/")
    async def list_certificates(
        self,
        principal: NamedDependency[Principal],
        kind: FromQuery[Literal["skill_level", "award"] | None] = None,
        status: FromQuery[Literal["valid", "revoked", "suspended", "superseded"] | None] = None,
        person_id: FromQuery[int | None] = None,
        batch_id: FromQuery[int | None] = None,
        q: FromQuery[str | None] = None,
        limit: FromQuery[Limit] = 50,
        offset: FromQuery[Offset] = 0,
    ) -> CertificatePage:
        """Certificates the caller may see: organizers by issuer or school region, coordinators their school's,
        graduates their own."""
        return await reads.list_certificates(principal, kind=kind, status=status, person_id=person_id,
                                                batch_id=batch_id, q=q, limit=limit, offset=offset)

    @post("/skill-level", status_code=201, guards=ORGANIZER)
    async def issue_skill_level(self, principal: NamedDependency[Principal],
                                data: JSONBody[SkillLevelIssueIn]) -> CertificateOut:
        """Issue one 职业技能等级证书 to a person on record (signed, numbered, added to the graduate record)."""
        return await single.issue_skill_level(principal, data)

    @get("/batches/passes-template", guards=ORGANIZER)
    async def passes_template(self, request: Request) -> Response[bytes]:
        """The .xlsx template for assessment passes (身份证号, 姓名, 职业编码, 工种, 等级, 认定日期); its
        instructions sheet in Chinese unless ``Accept-Language`` prefers English."""
        lang = request_language(request.headers)
        return download(passes.passes_template(lang), "passes-template.xlsx", language=lang)

    @post("/batches/spreadsheet", status_code=201, guards=ORGANIZER, request_max_body_size=UPLOAD_LIMIT,
          )
    async def issue_from_spreadsheet(
        self,
        principal: NamedDependency[Principal],
        data: MultipartBody[SpreadsheetUpload],
        issuer_id: FromQuery[int],
        issued_on: FromQuery[_dt.date | None] = None,
        dry_run: FromQuery[bool] = False,
    ) -> BatchOut:
        """Skill-level certificates from a spreadsheet of assessment passes: every row valid, or nothing is
        issued (422 ``import_invalid`` lists each row and column at fault). ``dry_run`` only validates."""
        upload = data.file if isinstance(data, SpreadsheetUpload) else None
        if upload is None:
            raise InvalidInput("Upload the .xlsx file as multipart/form-data field “file”.", code="file_required",
                               field="file")
        content = await upload.read()
        return await passes.issue_from_spreadsheet(principal, content, issuer_id=issuer_id, issued_on=issued_on,
                                                     filename=upload.filename or "", dry_run=dry_run)

    @post("/batches/results", status_code=201, guards=ORGANIZER, request_max_body_size=UPLOAD_LIMIT)
    async def issue_from_results(self, principal: NamedDependency[Principal],
                                 data: JSONBody[ResultsIssueIn]) -> BatchOut:
        """Award certificates for an event's awarded entries (``jineng.results/1``), plus the skill-level
        certificates its promotion rules give, linked from the award certificates."""
        return await from_results.issue_from_results(principal, data)

    @get("/batches/{batch_id:int}", guards=ORGANIZER)
    async def get_batch(self, principal: NamedDependency[Principal], batch_id: FromPath[PathId]) -> BatchOut:
        return await reads.get_batch(principal, batch_id)

    @get("/batches/{batch_id:int}/zip", guards=ORGANIZER)
    async def batch_zip(self, principal: NamedDependency[Principal], batch_id: FromPath[PathId]) -> Response[bytes]:
        """One PDF per certificate of the batch, in a ZIP (rendered by a process pool)."""
        filename, content = await pdf.batch_zip(principal, batch_id)
        return download(content, filename, media_type="application/zip")

    @get("/{ref:str}")
    async def get_certificate(self, principal: NamedDependency[Principal], ref: FromPath[str]) -> CertificateOut:
        """One certificate by row id, cert_id or 证书编号."""
        return await reads.get_certificate(principal, ref)

    @get("/{ref:str}/pdf")
    async def certificate_pdf(self, principal: NamedDependency[Principal], ref: FromPath[str]) -> Response[bytes]:
        """The certificate as an A4 PDF (graduates: their own; organizers: any in scope)."""
        filename, content = await pdf.certificate_pdf(principal, ref)
        return download(content, filename, media_type="application/pdf")

    @post("/{ref:str}/revoke", status_code=200, guards=ORGANIZER)
    async def revoke(self, principal: NamedDependency[Principal], ref: FromPath[str],
                     data: JSONBody[StatusChangeIn]) -> CertificateOut:
        """Revoke for good (e.g. obtained by fraud); verification shows 已撤销 with the reason."""
        return await certificate_status.change_status(principal, ref, "revoke", data.reason)

    @post("/{ref:str}/suspend", status_code=200, guards=ORGANIZER)
    async def suspend(self, principal: NamedDependency[Principal], ref: FromPath[str],
                      data: JSONBody[StatusChangeIn]) -> CertificateOut:
        return await certificate_status.change_status(principal, ref, "suspend", data.reason)

    @post("/{ref:str}/reinstate", status_code=200, guards=ORGANIZER)
    async def reinstate(self, principal: NamedDependency[Principal], ref: FromPath[str],
                        data: JSONBody[StatusChangeIn]) -> CertificateOut:
        return await certificate_status.change_status(principal, ref, "reinstate", data.reason)

    @post("/{ref:str}/supersede", status_code=201, guards=ORGANIZER)
    async def supersede(self, principal: NamedDependency[Principal], ref: FromPath[str],
                        data: JSONBody[SupersedeIn]) -> CertificateOut:
        """Issue a corrected certificate; the old one becomes superseded and points to it."""
        return await certificate_status.supersede(principal, ref, data)


class MyCertificatesController(Controller):
    path = "/api/me"
    tags = ["certificates"]

    @get("/certificates")
    async def my_certificates(self, principal: NamedDependency[Principal]) -> list[CertificateOut]:
        """The signed-in graduate's own certificates."""
        return await reads.my_certificates(principal)


class VerifyController(Controller):
    path = "/api/verify"
    tags = ["verification"]
    opt = {"public": True}
    request_max_body_size = PUBLIC_BODY_LIMIT

    @get("/", opt={"public": True, "problems": (400, 422)})
    async def verify_get(self, qr: FromQuery[str]) -> VerifyOut:
        """The verdict for a QR text: signed facts, key, live status. Bad input gives a state, not an error."""
        return await verification.verify_text(qr)

    @post("/", status_code=200, opt={"public": True, "problems": (400, 422)})
    async def verify_post(self, data: JSONBody[VerifyIn]) -> VerifyOut:
        """Same as GET, with the QR text in a JSON body."""
        return await verification.verify_text(data.qr)

    @post("/lookup", status_code=200, opt={"public": True, "problems": (400, 404, 422, 429)})
    async def lookup(self, request: Request, data: JSONBody[LookupIn]) -> VerifyOut:
        """Manual lookup by 证书编号 + holder's name, or by the verification code; rate-limited per address."""
        return await verification.lookup(data, remote_address(request))

    @post("/id-match", status_code=200, opt={"public": True, "problems": (400, 404, 422, 429)})
    async def id_match(self, request: Request, data: JSONBody[IdMatchIn]) -> IdMatchOut:
        """Does this full ID number belong to the certificate holder? Yes or no; never echoes the number."""
        return await verification.id_match(data, remote_address(request))


_page_cache: tuple[float, bytes] | None = None


def _verify_page() -> bytes:
    global _page_cache
    stamp = VERIFY_PAGE.stat().st_mtime
    if _page_cache is None or _page_cache[0] != stamp:
        _page_cache = (stamp, Path(VERIFY_PAGE).read_bytes())
    return _page_cache[1]


@get("/C/{token:str}", opt={"public": True}, include_in_schema=False, tags=["verification"])
async def qr_landing(token: FromPath[str]) -> Response[bytes]:
    """The URL in the QR code: the public verify page, which checks the token in the browser and asks
    /api/verify for the live status."""
    return Response(_verify_page(), media_type="text/html", headers=PAGE_HEADERS)


_PUBLISHED_HEADERS = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}


# The documents are served as their signed bytes; the OpenAPI schema says what those bytes hold (without
# this, ``Response[bytes]`` is documented as a JSON string, which the served object is not).
@get("/.well-known/jineng-keys.json", opt={"public": True}, tags=["verification"],
     responses={200: ResponseSpec(data_container=PublishedKeysetDoc, description="The root-signed key set")})
async def published_keys() -> Response[bytes]:
    """The root-signed key set (``jineng-keyset/1``): every signing key with its state and window, and the
    display names of issuer, occupation and work-type codes. Verifiers pin the root key."""
    return Response(await keyring.published_keyset(), media_type="application/json", headers=_PUBLISHED_HEADERS)


@get("/.well-known/jineng-status.json", opt={"public": True}, tags=["verification"],
     responses={200: ResponseSpec(data_container=PublishedStatusDoc, description="The root-signed status list")})
async def published_status() -> Response[bytes]:
    """The root-signed status list (``jineng-status/1``) for offline verifiers: 2 bits per status index."""
    return Response(await keyring.published_status_list(), media_type="application/json",
                    headers=_PUBLISHED_HEADERS)


ROUTES = [CertificateController, MyCertificatesController, VerifyController, qr_landing, published_keys,
          published_status]
