"""People API: the graduate record, scoped to the caller's schools or region; roster spreadsheets."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, QueryParameter

from server.i18n import request_language
from server.params import Limit, Offset, PathId
from server.people import roster, services
from server.people.schemas import (
    AwardIn,
    AwardOut,
    ImportReport,
    PersonDetailOut,
    PersonIn,
    PersonPage,
    PersonPatch,
    SkillLevelIn,
    SkillLevelOut,
)
from server.principal import Principal
from server.spreadsheets import XLSX_MEDIA_TYPE
from server.uploads import UPLOAD_BODY_LIMIT, SpreadsheetUpload, download


class PeopleController(Controller):
    path = "/api/people"
    tags = ["people"]

    @get("/")
    async def search_people(
        self,
        principal: NamedDependency[Principal],
        school_id: FromQuery[int | None] = None,
        q: FromQuery[str | None] = None,
        status: FromQuery[Literal["student", "graduate", "teacher"] | None] = None,
        limit: FromQuery[Limit] = 50,
        offset: FromQuery[Offset] = 0,
    ) -> PersonPage:
        """People the caller may see (own school, organizer region, or own record); IDs masked for
        coordinators."""
        return await services.search(principal, school_id=school_id, q=q, status=status, limit=limit, offset=offset)

    @post("/", status_code=201)
    async def create_person(self, principal: NamedDependency[Principal], data: JSONBody[PersonIn]) -> PersonDetailOut:
        """Add a student, graduate or teacher to a school the caller coordinates or organizes."""
        return await services.create(principal, data)

    @get("/{person_id:int}")
    async def get_person(self, principal: NamedDependency[Principal], person_id: FromPath[PathId]) -> PersonDetailOut:
        """One person's graduate record with the skill levels held and awards won."""
        return await services.get(principal, person_id)

    @patch("/{person_id:int}")
    async def update_person(
        self, principal: NamedDependency[Principal], person_id: FromPath[PathId], data: JSONBody[PersonPatch]
    ) -> PersonDetailOut:
        return await services.update(principal, person_id, data)

    @post("/{person_id:int}/skill-levels", status_code=201)
    async def add_skill_level(
        self, principal: NamedDependency[Principal], person_id: FromPath[PathId], data: JSONBody[SkillLevelIn]
    ) -> SkillLevelOut:
        """Record a skill level held (职业技能等级): organizers in the school's region only."""
        return await services.record_skill_level(principal, person_id, data)

    @delete("/{person_id:int}/skill-levels/{level_id:int}", status_code=204)
    async def remove_skill_level(
        self,
        principal: NamedDependency[Principal],
        person_id: FromPath[PathId],
        level_id: FromPath[PathId],
        reason: FromQuery[Annotated[str, QueryParameter(min_length=2, max_length=500)]],
    ) -> None:
        """Remove a skill level recorded in error; the reason goes to the audit log."""
        await services.remove_skill_level(principal, person_id, level_id, reason)

    @post("/{person_id:int}/awards", status_code=201)
    async def add_award(
        self, principal: NamedDependency[Principal], person_id: FromPath[PathId], data: JSONBody[AwardIn]
    ) -> AwardOut:
        """Record a competition award won (used to exclude prior winners): organizers in scope only."""
        return await services.record_award(principal, person_id, data)

    @get("/template", media_type=XLSX_MEDIA_TYPE)
    async def roster_template(self, principal: NamedDependency[Principal], request: Request) -> Response[bytes]:
        """The .xlsx roster template (姓名, 身份证号, 身份, 专业, 入学/毕业年份, 手机号); its instructions sheet
        in Chinese unless ``Accept-Language`` prefers English."""
        lang = request_language(request.headers)
        return download(roster.template(lang), "roster-template.xlsx", language=lang)

    @post("/import", status_code=201, request_max_body_size=UPLOAD_BODY_LIMIT)
    async def import_roster(
        self,
        principal: NamedDependency[Principal],
        data: MultipartBody[SpreadsheetUpload],
        school_id: FromQuery[int],
        dry_run: FromQuery[bool] = False,
    ) -> Response[ImportReport]:
        """Upload a filled roster template. All or nothing: any problem gives 422 with ``errors``
        (row, column, field, code, message) and writes nothing; ``dry_run=true`` only validates."""
        report = await roster.import_roster(principal, school_id, await data.file.read(), dry_run=dry_run)
        return Response(report, status_code=200 if dry_run else 201)

    @get("/export")
    async def export_roster(
        self,
        principal: NamedDependency[Principal],
        school_id: FromQuery[int | None] = None,
        status: FromQuery[Literal["student", "graduate", "teacher"] | None] = None,
        format: FromQuery[Literal["xlsx", "csv"]] = "xlsx",
    ) -> Response[bytes]:
        """The roster as .xlsx or .csv; resident IDs masked unless the caller is staff for the school."""
        content = await roster.export(principal, school_id=school_id, status=status, fmt=format)
        return download(content, f"roster.{format}", format)
