"""Registration tables: an entry (individual or team) of a school in an event, its members and coaches,
and the review trail.

``EntryMember.event`` and ``active`` duplicate what the entry knows so that a partial unique index can
enforce "one active entry per person per event" in the database itself (index added by a hand-written
migration: ``entry_member (event, person) WHERE role = 'competitor' AND active``). A member is active while
its entry is submitted, returned, resubmitted or approved; drafts are the school's scratch pad and hold no
place, declined and withdrawn entries free theirs.
"""

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.competitions.tables import Event
from server.organizations.tables import Organization
from server.people.tables import Person


class Entry(Table, tablename="entry"):
    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    school = ForeignKey(Organization, index=True)
    team_name = Varchar(length=100, null=True, default=None)
    # draft | submitted | returned | resubmitted | approved | declined | withdrawn
    status = Varchar(length=20, default="draft", index=True)
    decline_reason = Text(default="")
    # registration | advancement (created from a lower-level result) | import
    source = Varchar(length=20, default="registration")
    # provenance of an advancement entry: the entry it came from and the rule that qualified it
    source_entry = ForeignKey("self", null=True, default=None)
    source_detail = Text(default="")
    version = Integer(default=1)  # optimistic concurrency for edits
    created_by = Integer(null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    reviewed_by = Integer(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    # withdrawal (by the school, or an organizer on its behalf)
    withdraw_reason = Text(default="")
    withdrawn_at = Timestamptz(null=True, default=None)
    withdrawn_by = Integer(null=True, default=None)


class EntryMember(Table, tablename="entry_member"):
    entry = ForeignKey(Entry, on_delete=OnDelete.cascade, index=True)
    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    person = ForeignKey(Person, index=True)
    # competitor | coach
    role = Varchar(length=20, default="competitor")
    position = Integer(default=0)
    # true while the entry holds a place (submitted, returned, resubmitted, approved)
    active = Boolean(default=True)


class EntryRemark(Table, tablename="entry_remark"):
    """A reviewer's per-field remark when returning an entry, and the reason for other decisions."""

    entry = ForeignKey(Entry, on_delete=OnDelete.cascade, index=True)
    field = Varchar(length=100, default="")
    message = Text()
    author = Integer(null=True, default=None)
    created_at = Timestamptz()
    # return (per-field remark) | decline (the reason) | approve (an optional note) | withdraw
    kind = Varchar(length=20, default="return")
    # set when the school resubmits: the remark has been answered
    resolved = Boolean(default=False)
