"""Competition tables: occupations (国家职业分类大典), competitions, joint organizers and events.

Rule documents (marking scheme, awards, promotion, advancement, eligibility) are stored as JSON text in
the scoring core's own formats: scoring/ validates them, the database only keeps them. Results of an event
are kept twice: the whole ``jineng.results/1`` document as imported (``EventResults``) and one row per entry
(``EntryResult``) for the queries that advancement, certificates and public pages make.

Composite unique constraints live in the migrations as ``CREATE UNIQUE INDEX`` (both engines):
occupation (code, work_type), competition_organizer (competition, organization), competition_event
(competition, code), event_results (event), entry_result (event, entry_id).
"""

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.organizations.tables import Organization


class Occupation(Table, tablename="occupation"):
    code = Varchar(length=12, index=True)  # e.g. 6-31-01-03
    name = Varchar(length=60, index=True)  # 职业名称, e.g. 电工
    work_type = Varchar(length=60, default="")  # 工种/职业方向, "" when none
    major_group = Varchar(length=60, default="")
    levels = Varchar(length=20, default="5,4,3,2,1")  # skill levels offered, 5=五级 … 1=一级
    pinyin_initials = Varchar(length=60, default="", index=True)
    local = Boolean(default=False)  # added by an organizer, not from the bundled catalog
    source = Text(default="")


class Competition(Table, tablename="competition"):
    name = Varchar(length=200)
    # school | county | city | province | national
    level = Varchar(length=20)
    # the competition this one selects for (选拔)
    parent = ForeignKey("self", null=True, default=None)
    year = Integer()
    edition = Integer(null=True, default=None)  # 第N届
    # draft | registration_open | registration_closed | running | results_published | archived
    status = Varchar(length=30, default="draft")
    description = Text(default="")
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class CompetitionOrganizer(Table, tablename="competition_organizer"):
    competition = ForeignKey(Competition, on_delete=OnDelete.cascade, index=True)
    organization = ForeignKey(Organization, index=True)
    # host (主办) | organizer (承办) | co_organizer (协办)
    role = Varchar(length=20, default="host")


class Event(Table, tablename="competition_event"):
    competition = ForeignKey(Competition, on_delete=OnDelete.cascade, index=True)
    code = Varchar(length=30)  # unique within the competition
    name = Varchar(length=200)
    occupation = ForeignKey(Occupation, null=True, default=None)
    work_type = Varchar(length=60, default="")
    # group (组别): student | worker; track: secondary (中职) | higher (高职) | technical (技工院校) | open
    group = Varchar(length=20, default="student")
    track = Varchar(length=20, default="open")
    team = Boolean(default=False)
    min_members = Integer(default=1)
    max_members = Integer(default=1)
    max_coaches = Integer(default=2)
    quota_per_school = Integer(null=True, default=None)
    registration_opens = Timestamptz(null=True, default=None)
    registration_closes = Timestamptz(null=True, default=None)
    # JSON documents in scoring/'s formats (see docs/scoring-formats.md)
    scheme = Text(null=True, default=None)
    award_rules = Text(null=True, default=None)
    promotion_rules = Text(null=True, default=None)
    advancement_rules = Text(null=True, default=None)
    # eligibility rules of this event (age window, student/recent graduate, school types, ...), JSON
    eligibility = Text(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class EventResults(Table, tablename="event_results"):
    """The results of one event: the imported ``jineng.results/1`` document and its publication state."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    document = Text()  # the results document, canonical JSON
    digest = Varchar(length=64)  # SHA-256 of the document as received
    # import (a results file) | computed (marks computed here through scoring/)
    source = Varchar(length=20, default="import")
    # imported | published
    status = Varchar(length=20, default="imported")
    entry_count = Integer(default=0)
    imported_by = Integer(null=True, default=None)
    imported_at = Timestamptz()
    published_by = Integer(null=True, default=None)
    published_at = Timestamptz(null=True, default=None)


class EntryResult(Table, tablename="entry_result"):
    """One entry's line of an event's results.

    ``entry_id`` is a registration ``Entry`` id; it is not a foreign key because the registration tables
    depend on this app (a foreign key would make the two apps' migrations circular). The import service
    checks that every id is an entry of the event.
    """

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    entry_id = Integer(index=True)
    row = Integer()  # 1-based position in the imported document
    # final | withdrawn (scoring/'s entry statuses)
    status = Varchar(length=20)
    rank = Integer(null=True, default=None)
    total = Varchar(length=40, null=True, default=None)  # decimal digits as in the document
    total_exact = Varchar(length=80, null=True, default=None)  # exact fraction when non-terminating
    award = Varchar(length=40, null=True, default=None)  # award tier code
    eligible = Boolean(default=True)
    withdrawn = Boolean(default=False)
    detail = Text(default="")  # criteria and aspects of this entry, JSON
