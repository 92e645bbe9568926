"""The registration demo: entries in every status across schools and events, teams with coaches, every
planned entry reaching its status."""

from __future__ import annotations

import logging
from collections import Counter

from server.demo.loader import load_demo, read_csv
from server.demo.registration import CYCLE
from server.registration.tables import Entry, EntryMember, EntryRemark


async def test_demo_has_entries_in_every_status(client, caplog):
    with caplog.at_level(logging.WARNING, logger="jineng.demo"):
        made = await load_demo()
    # no demo entry stopped short of the status it was meant to reach (a rule the demo did not foresee)
    assert [r.getMessage() for r in caplog.records if "stopped short" in r.getMessage()] == []
    statuses = {r["status"] for r in await Entry.select(Entry.status).where(Entry.source == "registration")}
    assert {"draft", "submitted", "returned", "resubmitted", "approved", "declined", "withdrawn"} <= statuses, made
    # every demo school enters two city events, and the n-th entry ends in CYCLE[n % len(CYCLE)]
    # (server/demo/registration.py): the counts follow from the schools of server/demo/data
    planned = Counter(CYCLE[n % len(CYCLE)] for n in range(2 * len(read_csv("jining-schools.csv"))))
    reported = {k: v for k, v in made.items() if k.startswith("entries_")}
    assert reported == {f"entries_{status}": count for status, count in planned.items()}
    schools = {r["school"] for r in await Entry.select(Entry.school).where(Entry.source == "registration")}
    events = {r["event"] for r in await Entry.select(Entry.event).where(Entry.source == "registration")}
    # registered entries: the city competition's 5 events, the county one's 2 (server/demo/competitions.py)
    # and the running city competition's 1 (server/demo/judging.py)
    assert len(schools) == len(read_csv("jining-schools.csv")) and len(events) == 5 + 2 + 1
    team_entries = await Entry.select(Entry.id).where(Entry.team_name.is_not_null() & (Entry.source == "registration"))
    assert team_entries
    coaches = await EntryMember.count().where(EntryMember.role == "coach")
    assert coaches >= len(team_entries)
    remarks = await EntryRemark.select(EntryRemark.kind).where(EntryRemark.kind == "return")
    assert remarks
    # the counts the demo reports are those of its competition: the city one open for registration
    city = await Entry.select(Entry.status).where((Entry.event.competition.level == "city")
                                                  & (Entry.event.competition.status == "registration_open"))
    assert made["entries"] == len(city)
    assert {k: v for k, v in made.items() if k.startswith("entries_")} == {
        f"entries_{s}": sum(1 for r in city if r["status"] == s) for s in {r["status"] for r in city}}
