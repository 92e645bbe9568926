"""Competition tables: competitions, joint organizers and events (each tied to an occupation of the catalog).

Rule documents (marking scheme, awards, promotion, advancement, eligibility) are stored as JSON text in
the scoring core's own formats: scoring/ validates them, the database only keeps them. An event's results
belong to the results domain (``server.results.tables``).

Composite unique constraints live in the migrations as ``CREATE UNIQUE INDEX`` (both engines):
competition_organizer (competition, organization), competition_event (competition, code).
"""

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.catalog.tables import Occupation
from server.organizations.tables import Organization


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
