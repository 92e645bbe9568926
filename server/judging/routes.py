"""Judging API: ``/api/judging/events/{event_id}/…`` (thin: every rule is in the judging services).

Who may call what is decided by the services from the caller's judging roles on the event's
competition; a caller with none gets 404 for the event, as for any record outside their scope.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Redirect

from server.accounts.middleware import session_response
from server.accounts.services import me
from server.judging import (
    appeals,
    closing,
    draw,
    envelope,
    marks,
    outcome,
    pairing,
    panels,
    readiness,
    recheck,
    seal,
    setup,
)
from server.judging.context import context, now, overview
from server.judging.schemas import (
    AnalyticsOut,
    AppealIn,
    AppealOut,
    AppealWindowOut,
    AssignIn,
    AssignmentIn,
    AssignmentOut,
    AssignmentPlan,
    BlockerOut,
    CheckInIn,
    CheckInOut,
    DecryptionOut,
    DrawIn,
    DrawOut,
    JudgingOut,
    JudgingSettingsIn,
    LockIn,
    MarkBatchIn,
    MarkBatchOut,
    PairedOut,
    PairIn,
    PairingIn,
    PairingOut,
    PanelJudgeIn,
    PanelJudgeOut,
    PassphraseIn,
    ProgressOut,
    RecheckIn,
    RecheckOut,
    RecusalIn,
    RecusalOut,
    RulingIn,
    SheetsOut,
    StandingOut,
    TicketOut,
    UnlockIn,
    UnlockOut,
)
from server.params import PathId
from server.principal import Principal

Reason = Annotated[str, QueryParameter(min_length=2, max_length=1000)]
Name = Annotated[str, QueryParameter(min_length=1, max_length=60)]


async def _overview(principal: Principal, event_id: int) -> JudgingOut:
    ctx = await context(principal, event_id)
    return overview(ctx, seal.layers_of(ctx.judging["sealed"]) if ctx.judging["sealed"] else [],
                    appeals.appeals_close_at(ctx.judging))


class JudgingController(Controller):
    path = "/api/judging/events/{event_id:int}"
    tags = ["judging"]

    @get("/")
    async def get_judging(self, principal: NamedDependency[Principal], event_id: FromPath[PathId]) -> JudgingOut:
        """The event's judging: status, settings, decryption progress, and the caller's judging roles."""
        return await _overview(principal, event_id)

    @patch("/settings")
    async def configure(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                        data: JSONBody[JudgingSettingsIn]) -> JudgingOut:
        await setup.configure(await context(principal, event_id), data)
        return await _overview(principal, event_id)

    # --- pool, recusals, assignments, check-in ---

    @get("/pool")
    async def get_pool(self, principal: NamedDependency[Principal], event_id: FromPath[PathId]) -> list[PanelJudgeOut]:
        return await setup.pool(await context(principal, event_id))

    @post("/pool", status_code=201)
    async def add_to_pool(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                          data: JSONBody[PanelJudgeIn]) -> list[PanelJudgeOut]:
        """Add a judge, chief judge, encryption officer or supervisor (the role is granted on the competition)."""
        return await setup.add_to_pool(await context(principal, event_id), data)

    @delete("/pool/{user_id:int}", status_code=204)
    async def remove_from_pool(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                               user_id: FromPath[PathId], role: FromQuery[Name], reason: FromQuery[Reason]) -> None:
        await setup.remove_from_pool(await context(principal, event_id), user_id, role, reason)

    @get("/recusals")
    async def get_recusals(self, principal: NamedDependency[Principal], event_id: FromPath[PathId]) -> list[RecusalOut]:
        return await setup.recusals(await context(principal, event_id))

    @post("/recusals", status_code=201)
    async def declare_recusal(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                              data: JSONBody[RecusalIn],
                              user_id: FromQuery[Annotated[int | None, QueryParameter(ge=1, le=2_147_483_647)]] = None,
                              ) -> list[RecusalOut]:
        """回避声明: a judge declares a school or person (organizers may record it for a judge: ``user_id``)."""
        return await setup.declare_recusal(await context(principal, event_id), user_id or principal.user_id, data)

    @get("/assignments")
    async def get_assignments(self, principal: NamedDependency[Principal],
                              event_id: FromPath[PathId]) -> list[AssignmentOut]:
        return await setup.assignments(await context(principal, event_id))

    @get("/assignments/suggestion")
    async def suggest(self, principal: NamedDependency[Principal], event_id: FromPath[PathId]) -> AssignmentPlan:
        """A balanced assignment that keeps conflicted judges off panels (nothing is written)."""
        return await setup.suggest(await context(principal, event_id))

    @post("/assignments", status_code=201)
    async def assign(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                     data: JSONBody[AssignmentIn]) -> list[AssignmentOut]:
        return await setup.assign(await context(principal, event_id), data)

    @delete("/assignments", status_code=204)
    async def unassign(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                       user_id: FromQuery[PathId], criterion: FromQuery[Name], reason: FromQuery[Reason],
                       aspect: FromQuery[Name | None] = None) -> None:
        await setup.unassign(await context(principal, event_id), user_id, criterion, aspect, reason)

    @get("/checkin")
    async def get_checkin(self, principal: NamedDependency[Principal], event_id: FromPath[PathId]) -> list[CheckInOut]:
        """检录: the approved entries and whether each is present."""
        return await setup.checkin_list(await context(principal, event_id))

    @post("/checkin", status_code=200)
    async def check_in(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                       data: JSONBody[list[CheckInIn]]) -> list[CheckInOut]:
        return await setup.check_in(await context(principal, event_id), data)

    # --- draw ---

    @post("/draw", status_code=201)
    async def draw(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                   data: JSONBody[DrawIn]) -> DrawOut:
        """The draw (encryption officer): codes for present entries, sealed with the passphrase."""
        return await draw.draw(await context(principal, event_id), data.passphrase)

    @post("/mapping.pdf", status_code=200, media_type="application/pdf")
    async def mapping_pdf(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                          data: JSONBody[PassphraseIn]) -> Response[bytes]:
        """The whole mapping as a PDF for the sealed envelope (encryption officer, with the passphrase)."""
        ctx = await context(principal, event_id)
        rows = await draw.mapping(ctx, data.passphrase)
        pdf = await envelope.render(f"{ctx.event['name']} ({ctx.event['code']})", rows, now().isoformat()[:16])
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="mapping-{event_id}.pdf"', "Cache-Control": "no-store"})

    @post("/open", status_code=200)
    async def open_marking(self, principal: NamedDependency[Principal], event_id: FromPath[PathId]) -> JudgingOut:
        """The chief judge opens marking."""
        await draw.open_marking(await context(principal, event_id))
        return await _overview(principal, event_id)

    # --- marking ---

    @get("/sheets")
    async def get_sheets(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                         user_id: FromQuery[Annotated[int | None, QueryParameter(ge=1, le=2_147_483_647)]] = None,
                         ) -> SheetsOut:
        """The caller's score sheets (the chief judge may read a judge's with ``user_id``): codes only."""
        return await marks.sheets(await context(principal, event_id), user_id)

    @post("/marks", status_code=200)
    async def submit_marks(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                           data: JSONBody[MarkBatchIn]) -> MarkBatchOut:
        """A batch of marks from a tablet: each accepted, replayed or refused on its own (see ``results``)."""
        return await marks.submit(await context(principal, event_id), data)

    @get("/progress")
    async def get_progress(self, principal: NamedDependency[Principal], event_id: FromPath[PathId]) -> ProgressOut:
        return await marks.progress(await context(principal, event_id))

    @get("/tickets")
    async def get_tickets(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                          status: FromQuery[Annotated[str | None, QueryParameter(pattern="^(open|resolved)$")]] = None,
                          ) -> list[TicketOut]:
        return await panels.tickets(await context(principal, event_id), status)

    @post("/tickets/{ticket_id:int}/marker", status_code=200)
    async def name_marker(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                          ticket_id: FromPath[PathId], data: JSONBody[AssignIn]) -> TicketOut:
        """The chief judge names a ticket's third marker or arbiter (conflicts refused)."""
        return await panels.name_marker(await context(principal, event_id), ticket_id, data.user_id, data.reason)

    @post("/signoff/{criterion:str}", status_code=204)
    async def sign_off(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                       criterion: FromPath[str]) -> None:
        await closing.sign_off(await context(principal, event_id), criterion)

    @post("/lock", status_code=200)
    async def lock(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                   data: JSONBody[LockIn]) -> list[str]:
        """Lock a criterion, or the event (every criterion); returns what is locked."""
        return await closing.lock(await context(principal, event_id), data.criterion)

    @get("/unlocks")
    async def get_unlocks(self, principal: NamedDependency[Principal], event_id: FromPath[PathId]) -> list[UnlockOut]:
        return await closing.unlocks(await context(principal, event_id))

    @post("/unlocks", status_code=201)
    async def request_unlock(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                             data: JSONBody[UnlockIn]) -> UnlockOut:
        return await closing.request_unlock(await context(principal, event_id), data.criterion, data.reason)

    @post("/unlocks/{unlock_id:int}/approve", status_code=200)
    async def approve_unlock(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                             unlock_id: FromPath[PathId], reason: FromQuery[Reason]) -> UnlockOut:
        return await closing.approve_unlock(await context(principal, event_id), unlock_id, reason)

    # --- decryption and what follows ---

    @post("/decryption/approve", status_code=200)
    async def approve_layer(self, principal: NamedDependency[Principal], event_id: FromPath[PathId]) -> DecryptionOut:
        """The supervisor approves opening the next layer."""
        return await closing.approve_layer(await context(principal, event_id))

    @post("/decryption/open", status_code=200)
    async def open_layer(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                         data: JSONBody[PassphraseIn]) -> DecryptionOut:
        """The encryption officer opens the approved layer with the passphrase."""
        return await closing.open_layer(await context(principal, event_id), data.passphrase)

    @get("/standings")
    async def get_standings(self, principal: NamedDependency[Principal],
                            event_id: FromPath[PathId]) -> list[StandingOut]:
        """Provisional standings by code (judging officials)."""
        ctx = await context(principal, event_id)
        ctx.require("chief_judge", "supervisor", "organizer")
        return await outcome.standings(ctx)

    @get("/marks/export", media_type="application/json")
    async def export_marks(self, principal: NamedDependency[Principal], event_id: FromPath[PathId]) -> Response[bytes]:
        """The marks in ``jineng.marks/1`` (for ``jineng score compute``): by code, by entry once decrypted."""
        body = await outcome.export(await context(principal, event_id))
        return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})

    @get("/scheme", media_type="application/json")
    async def export_scheme(self, principal: NamedDependency[Principal], event_id: FromPath[PathId]) -> Response[bytes]:
        """The marking scheme the marks are judged by (with the event's award rules), for ``--scheme``."""
        body = outcome.scheme_document(await context(principal, event_id))
        return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})

    @get("/analytics")
    async def get_analytics(self, principal: NamedDependency[Principal], event_id: FromPath[PathId]) -> AnalyticsOut:
        """Each judge's leniency and spread against the panel, and what-if results without each judge."""
        return await outcome.analytics(await context(principal, event_id))

    @get("/recheck")
    async def get_recheck(self, principal: NamedDependency[Principal], event_id: FromPath[PathId]) -> RecheckOut:
        return await recheck.state(await context(principal, event_id))

    @post("/recheck/draw", status_code=201)
    async def draw_recheck(self, principal: NamedDependency[Principal], event_id: FromPath[PathId]) -> RecheckOut:
        """复核 list: every top-N code and a random share of the rest (the seed is recorded)."""
        return await recheck.draw(await context(principal, event_id))

    @post("/recheck/{code:str}", status_code=200)
    async def check_line(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                         code: FromPath[str], data: JSONBody[RecheckIn]) -> RecheckOut:
        return await recheck.check(await context(principal, event_id), code, data)

    @get("/appeals")
    async def get_appeals(self, principal: NamedDependency[Principal], event_id: FromPath[PathId]) -> list[AppealOut]:
        ctx = await context(principal, event_id, visible_to_any_role=False)
        return await appeals.listing(principal, ctx if ctx.roles else None, event_id)

    @get("/appeal-window")
    async def get_appeal_window(self, principal: NamedDependency[Principal],
                                event_id: FromPath[PathId]) -> AppealWindowOut:
        """When appeals may be filed (from the lock, for the window's minutes) and whether they may now:
        for the judging officials and the coordinators of a school with an entry in the event."""
        ctx = await context(principal, event_id, visible_to_any_role=False)
        return await appeals.window(principal, ctx)

    @post("/appeals", status_code=201)
    async def file_appeal(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                          data: JSONBody[AppealIn]) -> AppealOut:
        """申诉: the entry's school files its one appeal within the window after the lock."""
        ctx = await context(principal, event_id, visible_to_any_role=False)
        return await appeals.file(principal, event_id, ctx.judging, data)

    @post("/appeals/{appeal_id:int}/ruling", status_code=200)
    async def rule_appeal(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                          appeal_id: FromPath[PathId], data: JSONBody[RulingIn]) -> AppealOut:
        return await appeals.rule(await context(principal, event_id), appeal_id, data)

    @get("/publication")
    async def publication(self, principal: NamedDependency[Principal],
                          event_id: FromPath[PathId]) -> list[BlockerOut]:
        """What still stops publishing this event's results, each with a stable code and what is at fault
        (empty: nothing)."""
        await context(principal, event_id)
        return await readiness.blockers(event_id)


    @post("/pairings", status_code=201)
    async def create_pairing(self, principal: NamedDependency[Principal], event_id: FromPath[PathId],
                             data: JSONBody[PairingIn]) -> PairingOut:
        """A one-time code (and its QR) that signs a judge's tablet in; the chief judge shows it."""
        return await pairing.create(await context(principal, event_id), data.user_id)


@post("/api/judging/pair", opt={"public": True}, status_code=200, tags=["judging"])
async def pair_tablet(data: JSONBody[PairIn]) -> Response[PairedOut]:
    """Trade a pairing code for the judge's session (cookie with CSRF token, or a bearer token) and the
    event the tablet was paired for."""
    event_id, user_id, token, csrf, expires = await pairing.redeem(data.code, "bearer" if data.mode == "token"
                                                                   else "cookie")
    return session_response(await me(user_id), token, csrf, expires, data.mode, body=PairedOut, event_id=event_id)


@get("/P/{code:str}", opt={"public": True}, include_in_schema=False)
async def pairing_link(code: FromPath[str]) -> Redirect:
    """Where a pairing QR points: the judge tablet page, which redeems the code."""
    return Redirect(path=f"/judge/?pair={quote(code[:20])}", status_code=302)


ROUTES = [JudgingController, pair_tablet, pairing_link]
