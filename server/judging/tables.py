"""Judging tables: an event's panel, draw, marks, tickets, locks, decryption, re-check and appeals.

What a reader of the database can and cannot learn before decryption (docs/judging.md):

- ``judging_code`` holds the codes judges see (station number, or work-product code) and, only as each
  decryption step reveals it, the layer beneath (draw number, then the entry). Codes are drawn with a
  CSPRNG and stored in code order, so neither ids nor row order follow the entries.
- the code ↔ entry mapping itself is sealed in ``judging_event.sealed`` (AEAD, key from the encryption
  officer's passphrase; ``server.judging.seal``): an admin with the database cannot open it.
- ``judging_seat`` says which judge marks which (code, aspect) and ``judging_code_conflict`` which pool
  judge may not mark a code: computed at the draw from the entries' schools, declared recusals and
  counties, stored without the entry. Who may not mark a code is the one fact about entries that must
  stay readable, so marking can be refused without the passphrase (it tells that two codes share a
  conflicted judge, never which entry a code is).
- ``judging_checkin`` is by entry (check-in happens at the door, before the draw).

Composite unique indexes are in the migrations (``CREATE UNIQUE INDEX``, both engines).
"""

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.accounts.tables import User
from server.competitions.tables import Event
from server.organizations.tables import Organization
from server.people.tables import Person
from server.registration.tables import Entry


class JudgingEvent(Table, tablename="judging_event"):
    """One event's judging: its settings, where the ceremony stands, and the sealed mapping."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    # setup → drawn → marking → locked → decrypted (server.judging.states)
    status = Varchar(length=20, default="setup")
    # recusal also for the judge's own county (county-level events and below)
    same_county_recusal = Boolean(default=False)
    # a third code for work products (成果号), on top of draw number and station number
    work_codes = Boolean(default=False)
    recheck_top_n = Integer(default=10)
    recheck_rate = Varchar(length=10, default="0.15")  # share of the other entries sampled
    recheck_error_threshold = Varchar(length=10, default="0.05")  # above it: full re-check
    appeal_window_minutes = Integer(default=120)
    # the sealed mapping: scrypt salt and parameters, one AEAD ciphertext per layer (JSON)
    sealed = Text(default="")
    drawn_at = Timestamptz(null=True, default=None)
    drawn_by = Integer(null=True, default=None)
    locked_at = Timestamptz(null=True, default=None)  # the event's marking ended (appeal window starts)
    decrypted_layers = Integer(default=0)
    recheck_seed = Varchar(length=64, default="")
    recheck_full = Boolean(default=False)  # the error rate demanded a full re-check
    version = Integer(default=1)  # rises with every change: the live feed's sequence number
    created_at = Timestamptz()
    updated_at = Timestamptz()


class PanelJudge(Table, tablename="judging_panel_judge"):
    """A member of the event's judge pool in one role; ``school`` is the judge's own school (recusal)."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    # judge | chief_judge | encryption_officer | supervisor
    role = Varchar(length=30)
    school = ForeignKey(Organization, null=True, default=None)
    added_at = Timestamptz()


class Recusal(Table, tablename="judging_recusal"):
    """A judge's declaration (回避声明): not to mark entries of a school, or one person's entries."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    school = ForeignKey(Organization, null=True, default=None)
    person = ForeignKey(Person, null=True, default=None)
    reason = Text(default="")
    declared_at = Timestamptz()


class Assignment(Table, tablename="judging_assignment"):
    """A judge on the panel of an aspect (the scheme says how many judges each aspect needs)."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    criterion = Varchar(length=60)
    aspect = Varchar(length=60)


class CheckIn(Table, tablename="judging_checkin"):
    """检录: an approved entry present or absent at the start."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(Entry, on_delete=OnDelete.cascade, index=True)
    present = Boolean(default=True)
    at = Timestamptz()
    by = Integer(null=True, default=None)


class Code(Table, tablename="judging_code"):
    """A code judges see; the layers beneath are filled in only by the decryption steps."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    code = Varchar(length=12)  # what judges see: the station number, or the work-product code
    station = Varchar(length=12, null=True, default=None)  # revealed under a work-product code
    draw_number = Varchar(length=12, null=True, default=None)  # revealed by the station → draw step
    entry = Integer(null=True, default=None)  # revealed by the last step (a registration entry id)


class CodeConflict(Table, tablename="judging_code_conflict"):
    """A pool judge who must not mark a code (own school, declared recusal, same county), computed at the
    draw; kept so that a third marker or an arbiter named later is checked too."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    code = Varchar(length=12)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)


class Seat(Table, tablename="judging_seat"):
    """Who marks which (code, aspect): the panel's judges not in conflict with the code, substitutes where
    one is, and later a third marker or an arbiter named by the chief judge."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    code = Varchar(length=12)
    criterion = Varchar(length=60)
    aspect = Varchar(length=60)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    # panel | substitute | third_marker | arbiter
    kind = Varchar(length=20, default="panel")
    round = Integer(default=1)  # the first round this seat marks (2: third marker, 3: arbiter)


class Mark(Table, tablename="judging_mark"):
    """One version of one judge's mark on one (code, aspect) in one round. Append-only: a correction is a
    new version; the current mark is the latest version."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    code = Varchar(length=12)
    aspect = Varchar(length=60)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    round = Integer(default=1)
    version = Integer(default=1)
    value = Varchar(length=40)  # the decimal as the judge entered it
    key = Varchar(length=80)  # the tablet's idempotency key
    digest = Varchar(length=64)  # of what the key stands for: a replay must say the same
    device = Varchar(length=80, default="")
    client_time = Timestamptz(null=True, default=None)
    received_at = Timestamptz()
    # tablet | recheck | appeal
    source = Varchar(length=20, default="tablet")
    reason = Text(default="")


class Ticket(Table, tablename="judging_ticket"):
    """A tolerance breach that needs people: a re-mark round, a third marker or an arbiter."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    code = Varchar(length=12)
    criterion = Varchar(length=60)
    aspect = Varchar(length=60)
    # remark | third_marker | arbiter
    kind = Varchar(length=20)
    # open | resolved
    status = Varchar(length=20, default="open")
    round = Integer(default=2)  # the round that answers it
    judges = Text(default="")  # JSON: the judges whose marks are involved
    assignee = Integer(null=True, default=None)  # third marker or arbiter, once the chief judge names one
    opened_at = Timestamptz()
    resolved_at = Timestamptz(null=True, default=None)
    resolution = Text(default="")


class SignOff(Table, tablename="judging_signoff"):
    """A judge's signature under their sheet of one criterion."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    criterion = Varchar(length=60)
    signed_at = Timestamptz()


class CriterionLock(Table, tablename="judging_lock"):
    """A criterion whose marks are locked (the chief judge's lock)."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    criterion = Varchar(length=60)
    locked_at = Timestamptz()
    locked_by = Integer()


class Unlock(Table, tablename="judging_unlock"):
    """Unlocking takes two people: the chief judge asks with a reason, the supervisor approves."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    criterion = Varchar(length=60)  # "" = the whole event
    reason = Text()
    requested_by = Integer()
    requested_at = Timestamptz()
    # pending | approved | withdrawn
    status = Varchar(length=20, default="pending")
    approved_by = Integer(null=True, default=None)
    approved_at = Timestamptz(null=True, default=None)


class DecryptionStep(Table, tablename="judging_decryption"):
    """One layer of the decryption ceremony: the supervisor's approval, then the encryption officer's
    passphrase opens the layer."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    layer = Varchar(length=20)  # work_code | station | draw_number
    approved_by = Integer()
    approved_at = Timestamptz()
    performed_by = Integer(null=True, default=None)
    performed_at = Timestamptz(null=True, default=None)


class RecheckLine(Table, tablename="judging_recheck"):
    """复核: one code on the re-check list, and what the re-checker found."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    code = Varchar(length=12)
    # top (top-N) | sample (drawn) | full (the error rate demanded all)
    reason = Varchar(length=10)
    # pending | confirmed | corrected
    outcome = Varchar(length=20, default="pending")
    note = Text(default="")
    checked_by = Integer(null=True, default=None)
    checked_at = Timestamptz(null=True, default=None)


class Appeal(Table, tablename="judging_appeal"):
    """申诉: one per entry, filed by its school within the window, ruled by the supervisor."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    entry = ForeignKey(Entry, on_delete=OnDelete.cascade, index=True)
    school = ForeignKey(Organization)
    text = Text()
    filed_by = Integer()
    filed_at = Timestamptz()
    # filed | upheld | dismissed
    status = Varchar(length=20, default="filed")
    ruling = Text(default="")
    ruled_by = Integer(null=True, default=None)
    ruled_at = Timestamptz(null=True, default=None)
    revisions = Text(default="")  # JSON: the mark versions an upheld appeal caused


class Pairing(Table, tablename="judging_pairing"):
    """A one-time code that signs a judge's tablet in (shown by the chief judge's console, also as a QR).
    Only the code's SHA-256 is stored; it expires after minutes and works once."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    code_hash = Varchar(length=64, unique=True)
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
