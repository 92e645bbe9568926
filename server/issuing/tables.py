"""Issuing tables: certificate records, issuance batches, number counters, display labels, verification
counters (rate limits) and the published, root-signed documents (key set, status list).

A ``Certificate`` row is what the signed record was made from: the signed facts (name, masked ID,
occupation, work type, level or award, issue date, issuer, ``status_index``, ``record_digest``), the QR
text that carries the envelope, the human fallback ``verification_code``, the live status and the links
(award → promoted skill-level certificate, superseded → replacement). The full resident ID is never
stored here: the holder check uses ``holder_id_tag``, an HMAC under a server key.

Composite and partial unique indexes live in a hand-written migration (both engines):
``certificate (entry, person, kind) WHERE status <> 'superseded' AND entry IS NOT NULL`` (one award per
competitor and entry) and ``certificate_label (category, ref)``.
"""

from piccolo.columns import (
    BigInt,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from server.competitions.tables import Competition, Event
from server.organizations.tables import Organization
from server.people.tables import Person


class CertificateBatch(Table, tablename="issuance_batch"):
    """One issuance act: a single certificate, a spreadsheet of assessment passes, or an event's results."""

    # single | spreadsheet | results | supersede | demo
    kind = Varchar(length=20)
    issuer = ForeignKey(Organization, index=True)
    event = ForeignKey(Event, null=True, default=None, on_delete=OnDelete.set_null)
    filename = Varchar(length=200, default="")
    certificate_count = Integer(default=0)
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()


class Certificate(Table, tablename="certificate"):
    # skill_level (职业技能等级证书) | award (获奖证书)
    kind = Varchar(length=20, index=True)
    # the signed canonical id (8 bytes, lower-case hex without dash): the status key
    cert_id = Varchar(length=16, unique=True)
    number = Varchar(length=22, unique=True)  # 证书编号
    # human fallback: 12 Crockford Base32 characters + check symbol (normalized, no dashes)
    verification_code = Varchar(length=13, unique=True)
    person = ForeignKey(Person, index=True)
    name = Varchar(length=64)  # 姓名 as signed (NFC)
    masked_id = Varchar(length=20)  # display form, e.g. 370***********1234
    holder_id_tag = Varchar(length=64)  # HMAC of the resident ID under the ID-match key (hex)
    occupation_code = Varchar(length=12, default="")  # 6-31-01-03, "" for none
    occupation_name = Varchar(length=60, default="")
    work_type = Varchar(length=200, default="")  # 工种 (skill level) or 赛项 name (award)
    work_type_code = Integer(default=0)  # the signed code (certificate_label), 0 = none
    level = Integer()  # skill level 1..5, or certificates.AwardCode for an award
    level_name = Varchar(length=30)
    # awards: what the certificate prints besides the signed facts
    competition = ForeignKey(Competition, null=True, default=None, on_delete=OnDelete.set_null)
    competition_name = Varchar(length=200, default="")
    edition = Integer(null=True, default=None)
    organizers = Text(default="[]")  # JSON list of names (主办/承办)
    event = ForeignKey(Event, null=True, default=None, on_delete=OnDelete.set_null)
    group_name = Varchar(length=60, default="")
    award_tier = Varchar(length=40, default="")  # the results file's tier code (e.g. first, gold)
    members = Text(default="[]")  # JSON list of names
    coaches = Text(default="[]")  # JSON list of names
    entry = Integer(null=True, default=None)  # registration Entry id (not a FK: see registration tables)
    rank = Integer(null=True, default=None)
    # issuing body (评价机构 / 颁发单位)
    issuer = ForeignKey(Organization, index=True)
    issuer_name = Varchar(length=200)
    issued_on = Date()
    assessed_on = Date(null=True, default=None)
    # valid | revoked | suspended | superseded
    status = Varchar(length=20, default="valid", index=True)
    status_reason = Text(default="")
    status_changed_at = Timestamptz(null=True, default=None)
    superseded_by = ForeignKey("self", null=True, default=None, on_delete=OnDelete.set_null)
    supersedes = ForeignKey("self", null=True, default=None, on_delete=OnDelete.set_null)
    promotion_certificate = ForeignKey("self", null=True, default=None, on_delete=OnDelete.set_null)
    status_index = Integer(unique=True)
    record_digest = Varchar(length=32)  # hex of the signed 16-byte digest
    record_json = Text()  # the full record the digest covers (canonical JSON)
    qr_text = Text()  # the QR payload: upper-case URL + Base32 envelope
    kid = Varchar(length=4)
    batch = ForeignKey(CertificateBatch, null=True, default=None, index=True)
    # single | spreadsheet | results | promotion | supersede | demo
    source = Varchar(length=20, default="single")
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()


class CertificateCounter(Table, tablename="certificate_counter"):
    """Sequence counters, one row per scope (number prefix, label codes, published document sequences).

    Allocation is one atomic ``UPDATE ... SET value = value + 1 RETURNING value`` after an
    ``INSERT ... ON CONFLICT DO NOTHING``: concurrent issuers never get the same number, on either engine.
    """

    scope = Varchar(length=40, unique=True)
    value = BigInt(default=0)


class CertificateLabel(Table, tablename="certificate_label"):
    """Display names for the codes the signed record carries; published in the signed key set.

    category: issuer (code = organization id) | occupation (code = 6-31-01-03) | work_type (code = a small
    integer allocated here for a 工种 or an event). ``ref`` is what the code stands for (e.g.
    ``wt:电焊工`` or ``event:12``) so the same thing always gets the same code.
    """

    category = Varchar(length=20)
    code = Varchar(length=20)
    ref = Varchar(length=220)
    name = Varchar(length=200)
    created_at = Timestamptz()


class RateCounter(Table, tablename="rate_counter"):
    """Attempts at the public lookups and the holder ID check, counted per (kind, subject, fixed window) so
    every worker sees the same counts; bumped by one atomic upsert (``server.issuing.verification``)."""

    bucket = Varchar(length=200, unique=True)  # kind|window seconds|window start|address or cert_id
    hits = Integer(default=0)
    failures = Integer(default=0)  # attempts not (yet) successful
    expires = BigInt(index=True)  # Unix time at which the window ends


class PublishedDocument(Table, tablename="published_document"):
    """The current root-signed key set and status list, shared by every worker (monotonic sequences)."""

    # keyset | status_list
    kind = Varchar(length=20, unique=True)
    sequence = BigInt()
    body = Text()
    source_digest = Varchar(length=64)  # what it was built from; a change triggers a new publication
    issued_at = Timestamptz()
    next_update = Timestamptz()
