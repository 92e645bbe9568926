"""Many issuers at once: 证书编号 come from an atomic counter row, so no two certificates share a number and
a sequence has no gaps, on SQLite (serialized writers) and PostgreSQL (real concurrency)."""

from __future__ import annotations

import asyncio

from certificates.numbering import parse_skill_number
from server.db import write_transaction
from server.issuing.keyring import allocate
from server.issuing.tables import Certificate
from tests.server.helpers import token_for

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
