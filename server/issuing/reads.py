"""Reading certificates and batches: one certificate, a page of them, a graduate's own, a batch, and the
response shapes (:class:`CertificateOut` with the certificates it links to, :class:`BatchOut`).

Links: a superseded certificate points to its replacement (``superseded_by``) and back (``supersedes``);
an award certificate points to the skill-level certificate its promotion gave (``promotion_certificate``),
which in turn shows the award that promoted it (``promoted_by``).
"""

from __future__ import annotations

from certificates.names import CERTIFICATE_TITLES
from server.errors import NotFound
from server.issuing.codes import format_verification_code
from server.issuing.rows import cert_id_text, json_list, select
from server.issuing.schemas import BatchOut, CertificateOut, CertificatePage, LinkOut
from server.issuing.scope import may_see_batch, read_condition, readable
from server.issuing.tables import Certificate, CertificateBatch
from server.principal import Principal


def _link(row: dict) -> LinkOut:
    return LinkOut(id=row["id"], cert_id=cert_id_text(row["cert_id"]), number=row["number"],
                   status=row["status"])


async def _links(rows: list[dict]) -> tuple[dict[int, LinkOut], dict[int, LinkOut]]:
    """(links by row id for every linked certificate, award that promoted by promoted row id)."""
    ids = {r[k] for r in rows for k in ("superseded_by", "supersedes", "promotion_certificate") if r[k]}
    own = [r["id"] for r in rows]
    links: dict[int, LinkOut] = {}
    promoted_by: dict[int, LinkOut] = {}
    columns = (Certificate.id, Certificate.cert_id, Certificate.number, Certificate.status,
               Certificate.promotion_certificate)
    if ids:
        for r in await Certificate.select(*columns).where(Certificate.id.is_in(list(ids))):
            links[r["id"]] = _link(r)
    if own:
        for r in await Certificate.select(*columns).where(Certificate.promotion_certificate.is_in(own)):
            promoted_by[r["promotion_certificate"]] = _link(r)
    return links, promoted_by


def _out(row: dict, links: dict[int, LinkOut], promoted_by: dict[int, LinkOut]) -> CertificateOut:
    return CertificateOut(
        id=row["id"], cert_id=cert_id_text(row["cert_id"]), kind=row["kind"],
        title=CERTIFICATE_TITLES[row["kind"]], number=row["number"],
        verification_code=format_verification_code(row["verification_code"]), person_id=row["person"],
        name=row["name"], masked_id=row["masked_id"], occupation_code=row["occupation_code"],
        occupation_name=row["occupation_name"], work_type=row["work_type"], level=row["level"],
        level_name=row["level_name"], issuer_id=row["issuer"], issuer_name=row["issuer_name"],
        issued_on=row["issued_on"], assessed_on=row["assessed_on"], status=row["status"],
        status_reason=row["status_reason"], status_changed_at=row["status_changed_at"], qr_text=row["qr_text"],
        kid=row["kid"], record_digest=row["record_digest"], source=row["source"], batch_id=row["batch"],
        created_at=row["created_at"], competition_id=row["competition"], competition_name=row["competition_name"],
        edition=row["edition"], organizers=json_list(row["organizers"]), event_id=row["event"],
        group_name=row["group_name"], award_tier=row["award_tier"], members=json_list(row["members"]),
        coaches=json_list(row["coaches"]), entry_id=row["entry"], rank=row["rank"],
        superseded_by=links.get(row["superseded_by"]) if row["superseded_by"] else None,
        supersedes=links.get(row["supersedes"]) if row["supersedes"] else None,
        promotion_certificate=links.get(row["promotion_certificate"]) if row["promotion_certificate"] else None,
        promoted_by=promoted_by.get(row["id"]),
    )


async def to_out(rows: list[dict]) -> list[CertificateOut]:
    """Rows (as :func:`server.issuing.rows.select` reads them) as responses, with their links."""
    links, promoted_by = await _links(rows)
    return [_out(r, links, promoted_by) for r in rows]


async def certificate_out(row_id: int) -> CertificateOut:
    """The response for a certificate just written (by row id)."""
    return (await to_out([await select().where(Certificate.id == row_id).first()]))[0]


async def get_certificate(principal: Principal, ref: str | int) -> CertificateOut:
    return (await to_out([await readable(principal, ref)]))[0]


async def list_certificates(
    principal: Principal, *, kind: str | None = None, status: str | None = None, person_id: int | None = None,
    batch_id: int | None = None, q: str | None = None, limit: int = 50, offset: int = 0,
) -> CertificatePage:
    conditions = []
    scope = read_condition(principal)
    if scope is not None:
        conditions.append(scope)
    if kind:
        conditions.append(Certificate.kind == kind)
    if status:
        conditions.append(Certificate.status == status)
    if person_id is not None:
        conditions.append(Certificate.person == person_id)
    if batch_id is not None:
        conditions.append(Certificate.batch == batch_id)
    if q:
        text = q.strip()
        conditions.append(Certificate.name.like(f"%{text}%") | (Certificate.number == text.upper()))
    query, count = select(), Certificate.count()
    for cond in conditions:
        query, count = query.where(cond), count.where(cond)
    rows = await query.order_by(Certificate.id, ascending=False).limit(limit).offset(offset)
    return CertificatePage(items=await to_out(rows), total=await count, limit=limit, offset=offset)


async def my_certificates(principal: Principal) -> list[CertificateOut]:
    """A graduate's own certificates, newest first (an account without a person record has none)."""
    if principal.person_id is None:
        return []
    rows = await select().where(Certificate.person == principal.person_id).order_by(Certificate.id, ascending=False)
    return await to_out(rows)


# --- batches --------------------------------------------------------------------------------------

async def batch_out(batch_id: int, *, dry_run: bool = False, promotions=(), skipped=(), rows=None) -> BatchOut:
    """A batch with its certificates (and, from the way in that made it, promotions, skips, row count)."""
    batch = await CertificateBatch.select().where(CertificateBatch.id == batch_id).first()
    certs = await select().where(Certificate.batch == batch_id).order_by(Certificate.id)
    return BatchOut(id=batch_id, kind=batch["kind"], issuer_id=batch["issuer"], event_id=batch["event"],
                    certificate_count=batch["certificate_count"], dry_run=dry_run, created_at=batch["created_at"],
                    certificates=await to_out(certs), promotions=list(promotions), skipped=list(skipped), rows=rows)


async def get_batch(principal: Principal, batch_id: int) -> BatchOut:
    batch = await CertificateBatch.select(CertificateBatch.all_columns(),
                                          CertificateBatch.issuer.path.as_alias("issuer_path")).where(
        CertificateBatch.id == batch_id).first()
    if batch is None or not may_see_batch(principal, batch):
        raise NotFound("No such batch.", code="batch_not_found")
    return await batch_out(batch_id)
