"""Request and response shapes of the issuing and verification API.

Public shapes (``Verify*``, ``Lookup*``, ``IdMatch*``) never carry a full resident ID or any hash of one,
nor database ids of people: only the signed facts (masked ID), the live status and what the certificate
itself prints.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from certificates import SignedFacts
from certificates.verify import KeyReport
from scoring.results_format import ResultsDocument

Kind = Literal["skill_level", "award"]
Status = Literal["valid", "revoked", "suspended", "superseded"]
OccupationCode = Annotated[
    str, msgspec.Meta(pattern=r"^[1-8]-\d{2}-\d{2}-\d{2}$", description="国家职业分类大典 code, e.g. 6-31-01-03")
]
Level = Annotated[int, msgspec.Meta(ge=1, le=5, description="1 = 一级/高级技师 … 5 = 五级/初级工")]
Reason = Annotated[str, msgspec.Meta(min_length=2, max_length=500)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
WorkType = Annotated[str, msgspec.Meta(max_length=60, description="工种/职业方向, empty when none")]
# Far above any real QR text (~300 characters); larger bodies are refused before decoding (413).
QrText = Annotated[str, msgspec.Meta(max_length=4096, description="the scanned QR text (URL) or its Base32 part")]


# --- issuing (organizers) -------------------------------------------------------------------------

class SkillLevelIssueIn(msgspec.Struct, forbid_unknown_fields=True):
    """One 职业技能等级证书 for a person on record, found by ``person_id`` or ``resident_id``; ``name`` must
    match the record (NFC-normalised)."""

    name: Name
    occupation_code: OccupationCode
    level: Level
    issuer_id: int
    person_id: int | None = None
    resident_id: Annotated[str, msgspec.Meta(min_length=1, max_length=30)] | None = None
    work_type: WorkType = ""
    issued_on: date | None = None
    assessed_on: date | None = None


class ResultsIssueIn(msgspec.Struct, forbid_unknown_fields=True):
    """Award certificates (and promoted skill-level certificates) from an event's results.

    ``results`` is a ``jineng.results/1`` document (scoring CLI output); each entry id is a registration
    entry of ``event_id``. Without ``results`` the event's published results are used.
    """

    event_id: int
    results: ResultsDocument | None = None
    issuer_id: int | None = None
    issued_on: date | None = None


class StatusChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class SupersedeIn(msgspec.Struct, forbid_unknown_fields=True):
    """Issue a corrected certificate that replaces this one. The name always comes from the person's
    current record; the other fields change only when given."""

    reason: Reason
    occupation_code: OccupationCode | None = None
    work_type: WorkType | None = None
    level: Level | None = None
    award: Annotated[str, msgspec.Meta(max_length=40, description="award tier code or name, e.g. first, 一等奖")] | None = None
    coaches: list[Name] | None = None
    issued_on: date | None = None


class LinkOut(msgspec.Struct):
    id: int
    cert_id: str
    number: str
    status: Status


class CertificateOut(msgspec.Struct):
    id: int
    cert_id: str
    kind: Kind
    title: str
    number: str
    verification_code: str  # display form XXXX-XXXX-XXXX-C
    person_id: int
    name: str
    masked_id: str
    occupation_code: str
    occupation_name: str
    work_type: str
    level: int
    level_name: str
    issuer_id: int
    issuer_name: str
    issued_on: date
    assessed_on: date | None
    status: Status
    status_reason: str
    status_changed_at: datetime | None
    qr_text: str
    kid: str
    record_digest: str
    source: str
    batch_id: int | None
    created_at: datetime
    competition_id: int | None = None
    competition_name: str = ""
    edition: int | None = None
    organizers: list[str] = []
    event_id: int | None = None
    group_name: str = ""
    award_tier: str = ""
    members: list[str] = []
    coaches: list[str] = []
    entry_id: int | None = None
    rank: int | None = None
    superseded_by: LinkOut | None = None
    supersedes: LinkOut | None = None
    promotion_certificate: LinkOut | None = None
    promoted_by: LinkOut | None = None  # the award certificate whose promotion produced this one


class CertificatePage(msgspec.Struct):
    items: list[CertificateOut]
    total: int
    limit: int
    offset: int


class PromotionOut(msgspec.Struct):
    """What the promotion rules gave one competitor (scoring.promote), and the certificate if issued."""

    entry_id: int
    person_id: int
    name: str
    status: str  # promoted | no_change | not_covered | not_issued
    reason: str
    current_level: int | None = None
    target_level: int | None = None
    certificate_number: str | None = None


class SkippedOut(msgspec.Struct):
    entry_id: int | None
    person_id: int | None
    code: str
    message: str


class BatchOut(msgspec.Struct):
    id: int | None  # None on a dry run
    kind: str
    issuer_id: int
    event_id: int | None
    certificate_count: int
    dry_run: bool
    created_at: datetime | None
    certificates: list[CertificateOut] = []
    promotions: list[PromotionOut] = []
    skipped: list[SkippedOut] = []
    rows: int | None = None  # spreadsheet rows read


# --- public verification --------------------------------------------------------------------------

class VerifyIn(msgspec.Struct, forbid_unknown_fields=True):
    qr: QrText


class StatusOut(msgspec.Struct):
    status: Status
    reason: str | None = None
    replacement_number: str | None = None
    replacement_cert_id: str | None = None
    as_of: datetime | None = None
    source: str = "online"
    # when the certificate was revoked, suspended or superseded (the registry's status_changed_at); null when valid
    changed_at: datetime | None = None


class RegistryLink(msgspec.Struct):
    """A linked certificate as the registry knows it (number, level and live status)."""

    number: str
    title: str
    level: str
    status: Status


class RegistryDetails(msgspec.Struct):
    """What the certificate prints beyond the signed facts, from the registry (not in the signature)."""

    title: str
    occupation_name: str = ""
    work_type: str = ""
    competition: str = ""
    edition: str = ""
    organizers: list[str] = []
    event: str = ""
    group: str = ""
    award: str = ""
    members: list[str] = []
    coaches: list[str] = []
    promotion: RegistryLink | None = None
    promoted_by: RegistryLink | None = None
    verification_code_hint: str | None = None


class VerifyOut(msgspec.Struct):
    """The verdict. ``green`` is true only when the signature is good, the key was valid at issue and the
    live status is known and valid (``state == "valid"``)."""

    state: str
    valid: bool
    green: bool
    reason: str | None
    detail: str | None
    checked_at: datetime
    facts: SignedFacts | None = None
    key: KeyReport | None = None
    status: StatusOut | None = None
    registry: RegistryDetails | None = None
    warnings: list[str] = []
    qr: str | None = None  # the QR text, returned by lookups so the page can check the signature itself


class LookupIn(msgspec.Struct, forbid_unknown_fields=True):
    """Manual lookup: the 证书编号 with the holder's name, or the verification code printed under the QR."""

    number: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    name: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    code: Annotated[str, msgspec.Meta(max_length=40)] | None = None


class IdMatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """"Does this full ID number belong to the certificate holder?" The number is compared as an HMAC and
    never stored, logged or echoed."""

    qr: QrText
    resident_id: Annotated[str, msgspec.Meta(min_length=1, max_length=30)]


class IdMatchOut(msgspec.Struct):
    match: bool
    message: str


# --- published documents (``/.well-known``): served as the signed bytes, described here for OpenAPI ----------

class PublishedKeysetDoc(msgspec.Struct):
    """``jineng-keyset/1``: the key set and the root key's signature over its canonical bytes."""

    keyset: dict[str, Any]
    signature: str


class PublishedStatusDoc(msgspec.Struct):
    """``jineng-status/1``: the status list and the root key's signature over its canonical bytes."""

    status_list: dict[str, Any]
    signature: str
