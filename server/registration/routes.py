"""Registration API: schools' entries (/api/entries) and the organizers' review queue (/api/review).

Controllers only translate HTTP to service calls; every rule lives in ``entries`` (create, edit, submit,
withdraw), ``review``, ``queries`` (reads and lists), ``templates`` and ``excel`` (spreadsheets).
"""

from __future__ import annotations

from typing import Literal

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody

from server.i18n import request_language
from server.params import Limit, Offset, PathId
from server.principal import Principal
from server.registration import entries, excel, queries, review, templates
from server.registration.schemas import (
    ApproveIn,
    BulkApproveIn,
    BulkApproveOut,
    DeclineIn,
    EligibilityOut,
    EntryImportReport,
    EntryIn,
    EntryOut,
    EntryPage,
    EntryPatch,
    EntryStatus,
    ReturnIn,
    ReviewPage,
    SubmitIn,
    WithdrawIn,
    WithdrawOut,
)
from server.spreadsheets import XLSX_MEDIA_TYPE
from server.uploads import UPLOAD_BODY_LIMIT, SpreadsheetUpload, download

Format = Literal["xlsx", "csv"]


class EntryController(Controller):
    path = "/api/entries"
    tags = ["entries"]

    @get("/")
    async def list_entries(
        self,
        principal: NamedDependency[Principal],
        competition_id: FromQuery[int | None] = None,
        event_id: FromQuery[int | None] = None,
        status: FromQuery[EntryStatus | None] = None,
        school_id: FromQuery[int | None] = None,
        source: FromQuery[Literal["registration", "advancement", "import"] | None] = None,
        limit: FromQuery[Limit] = 50,
        offset: FromQuery[Offset] = 0,
    ) -> EntryPage:
        """Entries the caller may see: own school's (drafts included); for organizers, non-draft entries of
        their competitions or region. Resident IDs masked unless the caller is staff for the school."""
        return await queries.list_entries(principal, competition_id=competition_id, event_id=event_id,
                                           status=status, school_id=school_id, source=source, limit=limit,
                                           offset=offset)

    @post("/", status_code=201)
    async def create_entry(self, principal: NamedDependency[Principal], data: JSONBody[EntryIn]) -> EntryOut:
        """Create a draft entry of the coordinator's school with competitors and coaches from its roster."""
        return await entries.create_entry(principal, data)

    @get("/{entry_id:int}")
    async def get_entry(self, principal: NamedDependency[Principal], entry_id: FromPath[PathId]) -> EntryOut:
        return await queries.get_entry(principal, entry_id)

    @patch("/{entry_id:int}")
    async def update_entry(
        self, principal: NamedDependency[Principal], entry_id: FromPath[PathId], data: JSONBody[EntryPatch]
    ) -> EntryOut:
        """Edit a draft or returned entry (team name, competitors, coaches); send ``version`` to refuse
        overwriting someone else's change."""
        return await entries.update_entry(principal, entry_id, data)

    @get("/{entry_id:int}/eligibility")
    async def eligibility(self, principal: NamedDependency[Principal], entry_id: FromPath[PathId]) -> EligibilityOut:
        """What submitting now would say: every problem with its code, field and explanation."""
        return await queries.check_eligibility(principal, entry_id)

    @post("/{entry_id:int}/submit", status_code=200)
    async def submit(
        self, principal: NamedDependency[Principal], entry_id: FromPath[PathId], data: JSONBody[SubmitIn | None] = None
    ) -> EntryOut:
        """Submit a draft (→ submitted) or a returned entry (→ resubmitted). Refusals list every problem
        in ``errors`` (code, field, message)."""
        return await entries.submit(principal, entry_id, data.version if data else None)

    @post("/{entry_id:int}/withdraw", status_code=200)
    async def withdraw(
        self, principal: NamedDependency[Principal], entry_id: FromPath[PathId], data: JSONBody[WithdrawIn]
    ) -> WithdrawOut:
        """Withdraw an entry (any state but declined/withdrawn; approved ones until the competition runs).
        An advancement entry's place is offered to the next qualifier."""
        return await entries.withdraw(principal, entry_id, data.reason, data.version)

    @get("/template", media_type=XLSX_MEDIA_TYPE)
    async def template(self, principal: NamedDependency[Principal], event_id: FromQuery[int],
                       request: Request) -> Response[bytes]:
        """The .xlsx entry template of an event (team name, competitors' and coaches' IDs and names); its
        instructions sheet in Chinese unless ``Accept-Language`` prefers English."""
        lang = request_language(request.headers)
        content, filename = await templates.template(event_id, lang)
        return download(content, filename, language=lang)

    @post("/import", status_code=201, request_max_body_size=UPLOAD_BODY_LIMIT)
    async def import_entries(
        self,
        principal: NamedDependency[Principal],
        data: MultipartBody[SpreadsheetUpload],
        event_id: FromQuery[int],
        school_id: FromQuery[int | None] = None,
        dry_run: FromQuery[bool] = False,
    ) -> Response[EntryImportReport]:
        """Upload a filled entry template: draft entries, all or nothing. Problems give 422 with ``errors``
        (row, column, field, code, message); a template downloaded for another event is refused (422
        ``template_event_mismatch``); ``dry_run=true`` only validates."""
        report = await excel.import_entries(principal, event_id, school_id, await data.file.read(), dry_run=dry_run)
        return Response(report, status_code=200 if dry_run else 201)

    @get("/export")
    async def export(
        self,
        principal: NamedDependency[Principal],
        format: FromQuery[Format] = "xlsx",
        competition_id: FromQuery[int | None] = None,
        event_id: FromQuery[int | None] = None,
        status: FromQuery[EntryStatus | None] = None,
        school_id: FromQuery[int | None] = None,
    ) -> Response[bytes]:
        """Entries with one row per competitor or coach, as .xlsx or .csv (IDs masked for coordinators)."""
        content = await excel.export_entries(principal, fmt=format, competition_id=competition_id,
                                             event_id=event_id, status=status, school_id=school_id)
        return download(content, f"entries.{format}", format)


class ReviewController(Controller):
    path = "/api/review"
    tags = ["review"]

    @get("/")
    async def queue(
        self,
        principal: NamedDependency[Principal],
        competition_id: FromQuery[int | None] = None,
        event_id: FromQuery[int | None] = None,
        status: FromQuery[EntryStatus | None] = None,
        school_id: FromQuery[int | None] = None,
        limit: FromQuery[Limit] = 50,
        offset: FromQuery[Offset] = 0,
    ) -> ReviewPage:
        """The review queue of a competition (or one event) the caller organizes, with counts per status."""
        return await queries.review_queue(principal, competition_id=competition_id, event_id=event_id,
                                           status=status, school_id=school_id, limit=limit, offset=offset)

    @post("/{entry_id:int}/return", status_code=200)
    async def return_entry(
        self, principal: NamedDependency[Principal], entry_id: FromPath[PathId], data: JSONBody[ReturnIn]
    ) -> EntryOut:
        """Return an entry to its school with remarks on specific fields."""
        return await review.return_entry(principal, entry_id, data.remarks)

    @post("/{entry_id:int}/approve", status_code=200)
    async def approve(
        self, principal: NamedDependency[Principal], entry_id: FromPath[PathId], data: JSONBody[ApproveIn | None] = None
    ) -> EntryOut:
        return await review.approve(principal, entry_id, data.note if data else "")

    @post("/{entry_id:int}/decline", status_code=200)
    async def decline(
        self, principal: NamedDependency[Principal], entry_id: FromPath[PathId], data: JSONBody[DeclineIn]
    ) -> EntryOut:
        """Decline an entry with a reason the school sees."""
        return await review.decline(principal, entry_id, data.reason)

    @post("/approve", status_code=200)
    async def bulk_approve(
        self, principal: NamedDependency[Principal], data: JSONBody[BulkApproveIn]
    ) -> BulkApproveOut:
        """Approve several entries: all or nothing. If any cannot be approved (not found, not in review,
        competition started) none is, and 409 ``bulk_approve_refused`` lists each refusal in ``errors``."""
        return await review.bulk_approve(principal, data.entry_ids, data.note)

    @get("/export")
    async def export(
        self,
        principal: NamedDependency[Principal],
        format: FromQuery[Format] = "xlsx",
        competition_id: FromQuery[int | None] = None,
        event_id: FromQuery[int | None] = None,
        status: FromQuery[EntryStatus | None] = None,
        school_id: FromQuery[int | None] = None,
    ) -> Response[bytes]:
        """Review status per entry (competitors, coaches, status, open remarks, reasons) as .xlsx or .csv."""
        content = await excel.export_review(principal, fmt=format, competition_id=competition_id,
                                            event_id=event_id, school_id=school_id, status=status)
        return download(content, f"review.{format}", format)


ROUTES = [EntryController, ReviewController]
