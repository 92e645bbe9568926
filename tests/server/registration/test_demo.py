"""The registration demo: entries in every status across schools and events, teams with coaches, fast."""

from __future__ import annotations

import time

from server.demo.loader import load_demo
from server.registration.tables import Entry, EntryMember, EntryRemark


async def test_demo_has_entries_in_every_status(client):
    started = time.perf_counter()
    made = await load_demo()
    elapsed = time.perf_counter() - started
    statuses = {r["status"] for r in await Entry.select(Entry.status).where(Entry.source == "registration")}
    assert {"draft", "submitted", "returned", "resubmitted", "approved", "declined", "withdrawn"} <= statuses, made
    assert made["entries_approved"] >= 3 and made["entries_draft"] >= 2
    schools = {r["school"] for r in await Entry.select(Entry.school).where(Entry.source == "registration")}
    events = {r["event"] for r in await Entry.select(Entry.event).where(Entry.source == "registration")}
    assert len(schools) >= 10 and len(events) >= 4
    team_entries = await Entry.select(Entry.id).where(Entry.team_name.is_not_null() & (Entry.source == "registration"))
    assert team_entries
    coaches = await EntryMember.count().where(EntryMember.role == "coach")
    assert coaches >= len(team_entries)
    remarks = await EntryRemark.select(EntryRemark.kind).where(EntryRemark.kind == "return")
    assert remarks
    assert elapsed < 60
