"""Certificates as PDFs: what a page prints (:func:`certificate_view`), one certificate's PDF for whoever
may read it, and a batch's PDFs in a ZIP.

A page prints the signed facts (decoded from the stored QR text, with the names published in the key set)
so the paper never says more or other than the signature vouches for; awards add the registry's
competition details (edition, organizers, group, members, coaches). Rendering runs off the event loop
(:func:`certificates.batch.render_async`; a process pool for a batch). Holders download their own valid or
suspended certificates; staff (:func:`server.issuing.scope.is_staff_for`) any in scope.
"""

from __future__ import annotations

import asyncio
import io
import os

from certificates import signed_facts, split_qr_text
from certificates.batch import render_async, render_zip
from certificates.envelope import parse_envelope
from certificates.record import decode_record
from certificates.view import CertificateView
from server.config import get_settings
from server.errors import Conflict, NotFound
from server.issuing import keyring
from server.issuing.codes import chinese_date, edition_text, format_verification_code
from server.issuing.issuance import ID_TYPE
from server.issuing.reads import get_batch
from server.issuing.rows import json_list, select
from server.issuing.scope import is_staff_for, readable
from server.issuing.tables import Certificate
from server.principal import Principal

ZIP_WORKERS = max(1, min(4, os.cpu_count() or 1))


def stored_record(row: dict):
    """The signed record inside a stored certificate's QR text."""
    _, data = split_qr_text(row["qr_text"])
    return decode_record(parse_envelope(data).body)


async def certificate_view(row: dict) -> CertificateView:
    """What the PDF prints: the signed facts (from the stored, signed record, with the published names)
    and, for awards, the registry's competition details."""
    facts = signed_facts(stored_record(row), await keyring.verification_keyset())
    common = dict(certificate_number=facts.number, issue_date=chinese_date(facts.issued_on), issuer=facts.issuer,
                  qr_text=row["qr_text"], verification_code=format_verification_code(row["verification_code"]),
                  query_url=get_settings().public_url + "/verify/")
    if row["kind"] == "skill_level":
        return CertificateView(kind="skill_level", name=facts.name, id_type=ID_TYPE, id_number=facts.masked_id,
                               occupation=facts.occupation, work_type=facts.work_type, level=facts.level, **common)
    return CertificateView(kind="award", competition=row["competition_name"] or "--",
                           edition=edition_text(row["edition"]), organizers=tuple(json_list(row["organizers"])),
                           event=facts.work_type, group=row["group_name"], award=facts.level,
                           members=tuple(json_list(row["members"])) or (facts.name,),
                           coaches=tuple(json_list(row["coaches"])), **common)


async def certificate_pdf(principal: Principal, ref: str | int) -> tuple[str, bytes]:
    """(file name, PDF) of one certificate, rendered off the event loop. Graduates get their own valid or
    suspended certificates only; organizers in scope any."""
    row = await readable(principal, ref)
    if row["status"] in ("revoked", "superseded") and not await is_staff_for(principal, row):
        raise Conflict(f"This certificate is {row['status']}; it can no longer be downloaded.",
                       code=f"certificate_{row['status']}")
    pdf = await render_async(await certificate_view(row))
    return f"{row['number']}.pdf", pdf


async def batch_zip(principal: Principal, batch_id: int) -> tuple[str, bytes]:
    """A ZIP of one PDF per certificate of a batch, rendered by the process pool (off the event loop)."""
    batch = await get_batch(principal, batch_id)
    rows = await select().where(Certificate.batch == batch.id).order_by(Certificate.id)
    if not rows:
        raise NotFound("The batch has no certificates.", code="batch_empty")
    views = [await certificate_view(r) for r in rows]
    buf = io.BytesIO()
    await asyncio.to_thread(render_zip, views, buf, workers=ZIP_WORKERS)
    return f"certificates-batch-{batch_id}.zip", buf.getvalue()
