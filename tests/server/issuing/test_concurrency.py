"""Many issuers at once: 证书编号 come from an atomic counter row, so no two certificates share a number and
a sequence has no gaps, on SQLite (serialized writers) and PostgreSQL (real concurrency)."""

from __future__ import annotations

import asyncio
import json

from certificates.numbering import parse_skill_number
from server.audit.tables import AuditEntry
from server.db import write_transaction
from server.errors import Conflict
from server.issuing.keyring import allocate
from server.issuing.status import CERTIFICATE_STATUS
from server.issuing.tables import Certificate
from tests.server.factories import token_for

OCCUPATIONS = ["6-31-01-03", "6-18-02-04", "4-12-01-01"]


async def test_concurrent_issuance_gives_unique_gapless_numbers(client, world):
    h = await token_for(client, "organizer")
    bodies = []
    for school in ("school_a", "school_b", "school_c"):
        for i, pid in enumerate(world.people[school]):
            for code in OCCUPATIONS:
                bodies.append({"person_id": pid, "name": f"学生{school[-1]}{i}", "occupation_code": code, "level": 4,
                               "issuer_id": world.orgs["hrss"]})
    responses = await asyncio.gather(*(client.post("/api/certificates/skill-level", json=b, headers=h)
                                       for b in bodies))
    assert [r.status_code for r in responses] == [201] * len(bodies), [r.text for r in responses if r.status_code != 201]
    numbers = [r.json()["number"] for r in responses]
    assert len(set(numbers)) == len(numbers)
    prefixes = {n[:16] for n in numbers}
    assert len(prefixes) == 1  # one organization, year and level: one sequence
    assert sorted(parse_skill_number(n).sequence for n in numbers) == list(range(1, len(numbers) + 1))
    for field in ("cert_id", "status_index", "verification_code"):
        values = [r[field] for r in await Certificate.select(getattr(Certificate, field))]
        assert len(set(values)) == len(values) == len(bodies)


async def test_counter_allocation_is_atomic(client):
    async def one() -> int:
        async with write_transaction():
            return await allocate("test:concurrent")

    values = await asyncio.gather(*(one() for _ in range(60)))
    assert sorted(values) == list(range(1, 61))


async def _certificate(client, world, h) -> str:
    made = await client.post("/api/certificates/skill-level", headers=h, json={
        "person_id": world.people["school_a"][0], "name": "学生a0", "occupation_code": OCCUPATIONS[0], "level": 4,
        "issuer_id": world.orgs["hrss"]})
    assert made.status_code == 201, made.text
    return made.json()["cert_id"]


async def test_two_transitions_from_one_status_exactly_one_wins(client, world):
    """Revoke and suspend, both decided on the status "valid" they read, in two concurrent transactions:
    exactly one conditional update matches; the other is refused (409) and rolls back."""
    h = await token_for(client, "organizer")
    row = (await Certificate.select(Certificate.id).where(
        Certificate.cert_id == (await _certificate(client, world, h)).replace("-", "")).first())

    async def attempt(action: str):
        try:
            async with write_transaction():
                await CERTIFICATE_STATUS.apply(row["id"], action, "valid")
            return action
        except Conflict as exc:
            return exc.code

    outcomes = await asyncio.gather(attempt("revoke"), attempt("suspend"))
    winners = [o for o in outcomes if o in ("revoke", "suspend")]
    assert len(winners) == 1 and outcomes.count("status_changed") == 1, outcomes
    status = (await Certificate.select(Certificate.status).where(Certificate.id == row["id"]).first())["status"]
    assert status == {"revoke": "revoked", "suspend": "suspended"}[winners[0]]


async def test_concurrent_revoke_and_suspend_requests_form_one_chain(client, world):
    """Twenty revoke/suspend requests at once: every success is a step from the status the previous step
    left (never two steps from "valid"), each success has exactly one audit entry, nothing leaves revoked."""
    h = await token_for(client, "organizer")
    ref = await _certificate(client, world, h)
    actions = ["revoke", "suspend"] * 10
    responses = await asyncio.gather(*(
        client.post(f"/api/certificates/{ref}/{action}", headers=h, json={"reason": f"{action} {i}"})
        for i, action in enumerate(actions)))
    assert {r.status_code for r in responses} <= {200, 409}, [r.text for r in responses]
    audited = [r for r in await AuditEntry.select(AuditEntry.before, AuditEntry.after, AuditEntry.action)
               .where(AuditEntry.object_type == "certificate").order_by(AuditEntry.seq)
               if r["action"] in ("certificate.revoked", "certificate.suspended")]
    assert len(audited) == [r.status_code for r in responses].count(200) >= 1
    status = "valid"
    for entry in audited:
        assert json.loads(entry["before"])["status"] == status, audited
        status = json.loads(entry["after"])["status"]
    assert status in ("revoked", "suspended")
    final = (await client.get(f"/api/certificates/{ref}", headers=h)).json()
    assert final["status"] == status
