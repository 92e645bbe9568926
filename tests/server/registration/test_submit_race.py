"""Submission races an edit (issue 13, item 4): ``POST /submit`` and ``PATCH`` with new members at once.

Submission checks eligibility for the version it read and moves the entry only if it still has that
version and status; an edit bumps the version. So whatever order the two requests take, an entry never
ends submitted with members other than the ones checked, and the audit entry of the submission names the
members actually submitted. Real concurrent HTTP requests on this pass's engine (on PostgreSQL the two
transactions interleave under READ COMMITTED; on SQLite writers are serialized).
"""

from __future__ import annotations

import asyncio
import json

from server.audit.tables import AuditEntry
from server.registration.tables import Entry, EntryMember
from tests.server.registration.support import DEFAULT_RULES, add_people, draft, make_event

PAIRS = 24


async def test_submit_and_edit_at_once_never_submit_unchecked_members(client, reg):
    event = await make_event(reg.competition_id, "R01", eligibility=DEFAULT_RULES)
    eligible = await add_people(reg.world, reg, "school_a", PAIRS)
    # on the roster (so the edit is accepted) but graduated too long ago (so submission refuses them)
    ineligible = await add_people(reg.world, reg, "school_a", PAIRS, status="graduate", graduation_year=2019)
    drafts = [(await draft(client, reg, "coord_a", event, [p]))["id"] for p in eligible]
    h = reg.tokens["coord_a"]
    requests = []
    for eid, newcomer in zip(drafts, ineligible):
        requests += [client.post(f"/api/entries/{eid}/submit", headers=h),
                     client.patch(f"/api/entries/{eid}", headers=h, json={"members": [{"person_id": newcomer}]})]
    responses = await asyncio.gather(*requests)

    outcomes = []
    for i, eid in enumerate(drafts):
        submitted, patched = responses[2 * i], responses[2 * i + 1]
        assert submitted.status_code in (200, 409, 422), submitted.text
        assert patched.status_code in (200, 409), patched.text
        # never both: the edit brings in someone submission refuses
        assert (submitted.status_code, patched.status_code) != (200, 200), (eid, submitted.text, patched.text)
        row = await Entry.select(Entry.status, Entry.version).where(Entry.id == eid).first()
        members = [r["person"] for r in await EntryMember.select(EntryMember.person).where(
            (EntryMember.entry == eid) & (EntryMember.role == "competitor"))]
        audit = await AuditEntry.select(AuditEntry.action, AuditEntry.after).where(
            (AuditEntry.object_type == "entry") & (AuditEntry.object_id == str(eid))
            & AuditEntry.action.is_in(["entry.submitted", "entry.updated"])).order_by(AuditEntry.id)
        if row["status"] == "submitted":
            assert submitted.status_code == 200
            assert members == [eligible[i]], (eid, members)
            recorded = [a for a in audit if a["action"] == "entry.submitted"]
            assert len(recorded) == 1 and json.loads(recorded[0]["after"])["members"] == members
            assert submitted.json()["members"][0]["person_id"] == eligible[i]
        else:
            assert row["status"] == "draft" and submitted.status_code != 200
            assert not [a for a in audit if a["action"] == "entry.submitted"]
            # the edit either went in (and submission then refused the newcomer) or was refused itself
            assert members == ([ineligible[i]] if patched.status_code == 200 else [eligible[i]]), (eid, members)
        outcomes.append((row["status"], submitted.status_code, patched.status_code))
    # nobody ineligible holds a place
    assert not await EntryMember.exists().where(
        EntryMember.person.is_in(ineligible) & (EntryMember.active == True))  # noqa: E712
    assert {o[0] for o in outcomes} <= {"submitted", "draft"}

