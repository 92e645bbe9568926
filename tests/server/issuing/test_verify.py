"""Public verification over HTTP: the attack and bad-input cases of docs/certificates.md ("What the tests
attack") reach a proper verdict (never a 500), lookups and the holder ID check are rate-limited and leak
nothing, the published key set and the QR landing page work, and no public response carries anything
shaped like an ID number."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates import CertKind, KeySet, contains_id_pattern, format_skill_number, issue_record, sign_record, verify
from certificates.envelope import b32decode_strict, b32encode, build_envelope, make_qr_text
from certificates.keys import kid_of
from server.issuing.clock import beijing_today
from tests.server.factories import token_for
from tests.server.issuing.helpers import leaks_id
from tests.server.query_count import count_queries

PREFIX = "HTTP://127.0.0.1:8000/C/"
NEVER = {"valid", "valid_status_unknown"}

# an empty lookup names what is missing (its fields are optional, one of two pairs); the ID check's
# fields are required, so msgspec refuses the body itself
EMPTY_LOOKUP = {"/api/verify/lookup": (422, "lookup_incomplete"), "/api/verify/id-match": (400, "invalid_body")}


async def _issue(client, world, i=0, school="school_a", level=4):
    h = await token_for(client, "organizer")
    r = await client.post("/api/certificates/skill-level", headers=h, json={
        "person_id": world.people[school][i], "name": f"学生{school[-1]}{i}", "occupation_code": "6-31-01-03",
        "level": level, "issuer_id": world.orgs["hrss"]})
    assert r.status_code == 201, r.text
    return r.json()


def _envelope(qr: str) -> bytes:
    return b32decode_strict(qr.rsplit("/", 1)[1])


async def _verdict(client, qr) -> dict:
    r = await client.post("/api/verify", json={"qr": qr})
    assert r.status_code == 200, r.text
    assert not leaks_id(r.text)
    return r.json()


async def test_forgeries_and_bad_input_get_proper_verdicts(client, world, keys):
    cert = await _issue(client, world)
    other = await _issue(client, world, 1)
    env = _envelope(cert["qr_text"])
    kid, body, sig = env[1:3], env[3:-64], env[-64:]
    attacker = Ed25519PrivateKey.generate()
    attacker_kid = kid_of(attacker.public_key().public_bytes_raw())
    assert attacker_kid != kid

    cases = {
        "random signature": (PREFIX + b32encode(env[:-64] + bytes(64)), "invalid_signature"),
        "attacker key, real kid": (make_qr_text(build_envelope(body, attacker, kid), PREFIX), "invalid_signature"),
        "unknown kid": (make_qr_text(build_envelope(body, attacker, attacker_kid), PREFIX), "unknown_key"),
        "swapped signature": (PREFIX + b32encode(env[:-64] + _envelope(other["qr_text"])[-64:]), "invalid_signature"),
        "kid changed": (PREFIX + b32encode(env[:1] + bytes([kid[0] ^ 1, kid[1]]) + body + sig),
                        {"invalid_signature", "unknown_key"}),
        "trailing bytes": (PREFIX + b32encode(env + b"\x00\x00\x00\x00\x00"), "malformed"),
        "extra base32": (cert["qr_text"] + "AAAA", "malformed"),
        "lower case": (cert["qr_text"][:24] + cert["qr_text"][24:].lower(), "malformed"),
        "padding": (cert["qr_text"] + "=" * ((8 - len(cert["qr_text"][24:]) % 8) % 8 or 8), "malformed"),
        "spaces": (cert["qr_text"][:40] + " " + cert["qr_text"][40:], "malformed"),
        "version 2": (PREFIX + b32encode(b"\x02" + env[1:]), "unsupported_version"),
        "empty": ("", "malformed"),
        "not a url": ("https://evil.example/<script>", "malformed"),
        "control characters": ("\x01\x02\x1f", "malformed"),
        "alg none": (PREFIX + b32encode(env[:3] + b'{"alg":"none"}' + sig), "malformed"),
    }
    for name, (qr, expected) in cases.items():
        v = await _verdict(client, qr)
        states = expected if isinstance(expected, set) else {expected}
        assert v["state"] in states, (name, v)
        assert v["green"] is False and v["facts"] is None, name
    # a NUL character is refused app-wide before any route sees the body (server/errors.py, invalid_text)
    r = await client.post("/api/verify", json={"qr": "\x00\x01\x02"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_text" and r.json()["field"] == "qr"

    # every truncation, and one bit flipped in every byte: never valid, never an error
    text = cert["qr_text"]
    for cut in range(0, len(text), 7):
        v = await _verdict(client, text[:cut])
        assert v["state"] in {"malformed", "unsupported_version"}, (cut, v)
    for i in range(len(env)):
        flipped = bytearray(env)
        flipped[i] ^= 1 << (i % 8)
        v = await _verdict(client, PREFIX + b32encode(bytes(flipped)))
        assert v["state"] not in NEVER, (i, v)

    # the genuine one still verifies
    assert (await _verdict(client, text))["state"] == "valid"


async def test_oversized_and_broken_requests_never_500(client, world):
    cert = await _issue(client, world)
    r = await client.post("/api/verify", content=b'{"qr": "' + b"A" * (1024 * 1024) + b'"}',
                          headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")
    r = await client.post("/api/verify", json={"qr": "A" * 5000})
    assert r.status_code == 400 and r.json()["field"] == "qr"
    r = await client.get("/api/verify", params={"qr": "A" * 30_000})
    assert r.status_code == 200 and r.json()["state"] == "malformed"
    r = await client.get("/api/verify", params={"qr": cert["qr_text"]})
    assert r.status_code == 200 and r.json()["state"] == "valid"
    for body in (b"{", b"[]", b'{"qr": 5}', b'{"qr": null}', b'{"qr": "x", "extra": 1}', b"\xff\xfe"):
        r = await client.post("/api/verify", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.get("/api/verify")
    assert r.status_code == 400
    for path in ("/api/verify/lookup", "/api/verify/id-match"):
        r = await client.post(path, json={})
        assert (r.status_code, r.json()["code"]) == EMPTY_LOOKUP[path], (path, r.text)


async def test_public_responses_contain_no_id_pattern(client, world):
    cert = await _issue(client, world)
    pid = world.people["school_a"][0]
    rid = world.resident_ids[pid]
    responses = [
        await client.post("/api/verify", json={"qr": cert["qr_text"]}),
        await client.get("/api/verify", params={"qr": cert["qr_text"]}),
        await client.post("/api/verify/lookup", json={"number": cert["number"], "name": "学生a0"}),
        await client.post("/api/verify/lookup", json={"code": cert["verification_code"]}),
        await client.post("/api/verify/id-match", json={"qr": cert["qr_text"], "resident_id": rid}),
        await client.get("/.well-known/jineng-keys.json"),
        await client.get("/.well-known/jineng-status.json"),
        await client.get("/C/" + cert["qr_text"].rsplit("/", 1)[1]),
    ]
    for r in responses:
        assert r.status_code == 200, r.text
        assert not leaks_id(r.text), r.text[:300]
        assert rid not in r.text and rid[6:14] not in r.text
    assert not contains_id_pattern(cert["qr_text"])


async def test_lookup_by_number_and_name_or_code(client, world):
    cert = await _issue(client, world)
    r = await client.post("/api/verify/lookup", json={"number": cert["number"].lower(), "name": " 学生a0"})
    assert r.status_code == 200 and r.json()["state"] == "valid" and r.json()["qr"] == cert["qr_text"]
    messy = cert["verification_code"].lower().replace("-", " ").replace("0", "o")
    r = await client.post("/api/verify/lookup", json={"code": messy})
    assert r.status_code == 200 and r.json()["facts"]["number"] == cert["number"]

    # a wrong name and an unknown number answer the same: no enumeration oracle
    wrong = await client.post("/api/verify/lookup", json={"number": cert["number"], "name": "别人"})
    unknown = await client.post("/api/verify/lookup", json={"number": cert["number"][:-1] + "9", "name": "学生a0"})
    assert wrong.status_code == unknown.status_code == 404
    assert {k: v for k, v in wrong.json().items()} == {k: v for k, v in unknown.json().items()}
    r = await client.post("/api/verify/lookup", json={"code": "0000-0000-0000-Z"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_verification_code"), r.text  # the check character is wrong
    r = await client.post("/api/verify/lookup", json={"number": cert["number"]})
    assert r.status_code == 422 and r.json()["code"] == "lookup_incomplete" and r.json()["field"] == "name"


async def test_lookups_are_rate_limited_per_address(client, world, monkeypatch):
    monkeypatch.setenv("JINENG_VERIFY_LOOKUP_FAILURES", "3")
    monkeypatch.setenv("JINENG_VERIFY_LOOKUPS", "5")
    cert = await _issue(client, world)
    for _ in range(3):
        r = await client.post("/api/verify/lookup", json={"number": "S000037000001260000001", "name": "猜"})
        assert r.status_code == 404
    r = await client.post("/api/verify/lookup", json={"number": cert["number"], "name": "学生a0"})
    assert r.status_code == 429 and r.json()["code"] == "lookup_rate_limited"
    assert r.json()["retry_after_seconds"] > 0
    # another address is not affected (counts live in the database, per address)
    from server.app import create_app

    transport = httpx.ASGITransport(app=create_app(), client=("10.9.8.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        r = await other.post("/api/verify/lookup", json={"number": cert["number"], "name": "学生a0"})
        assert r.status_code == 200
        for _ in range(4):
            assert (await other.post("/api/verify/lookup", json={"code": cert["verification_code"]})).status_code == 200
        r = await other.post("/api/verify/lookup", json={"code": cert["verification_code"]})
        assert r.status_code == 429


async def test_holder_id_check(client, world, monkeypatch):
    monkeypatch.setenv("JINENG_ID_MATCH_FAILURES", "2")
    cert = await _issue(client, world)
    rid = world.resident_ids[world.people["school_a"][0]]
    other_rid = world.resident_ids[world.people["school_a"][1]]
    r = await client.post("/api/verify/id-match", json={"qr": cert["qr_text"], "resident_id": rid.lower()})
    assert r.status_code == 200 and r.json()["match"] is True
    r = await client.post("/api/verify/id-match", json={"qr": cert["qr_text"], "resident_id": other_rid})
    assert r.status_code == 200 and r.json()["match"] is False
    assert other_rid not in r.text and other_rid[-4:] not in r.text
    from server.app import create_app

    transport = httpx.ASGITransport(app=create_app(), client=("10.1.1.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        r = await other.post("/api/verify/id-match", json={"qr": cert["qr_text"], "resident_id": "110101199001011237"})
        assert r.status_code == 200 and r.json()["match"] is False
        # two failures for this certificate (from any address): further guesses wait
        r = await other.post("/api/verify/id-match", json={"qr": cert["qr_text"], "resident_id": rid})
        assert r.status_code == 429 and r.json()["code"] == "id_match_rate_limited"
    r = await client.post("/api/verify/id-match", json={"qr": cert["qr_text"][:-3], "resident_id": rid})
    assert r.status_code == 422 and r.json()["code"] == "certificate_not_verifiable"


async def test_published_key_set_verifies_offline(client, world, keys):
    cert = await _issue(client, world)
    r = await client.get("/.well-known/jineng-keys.json")
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    keyset = KeySet.load(r.content, keys.root_public_key())
    assert keyset.names["issuer"][str(world.orgs["hrss"])] == "济宁市人力资源和社会保障局"
    assert keyset.names["occupation"]["6-31-01-03"] == "电工"
    offline = verify(cert["qr_text"], keyset)
    assert offline.state.value == "valid_status_unknown" and offline.facts.issuer == "济宁市人力资源和社会保障局"
    assert (await client.get("/.well-known/jineng-keys.json")).content == r.content
    keys.rotate()
    newer = KeySet.load((await client.get("/.well-known/jineng-keys.json")).content, keys.root_public_key(),
                        min_sequence=keyset.sequence + 1)
    assert len(newer.keys) == 2
    # a certificate of the retired key still verifies; new ones are signed with the new key
    assert (await _verdict(client, cert["qr_text"]))["state"] == "valid"
    fresh = await _issue(client, world, 1)
    assert fresh["kid"] != cert["kid"] and (await _verdict(client, fresh["qr_text"]))["state"] == "valid"


async def test_compromised_key_counts_only_logged_certificates(client, world, keys):
    cert = await _issue(client, world)
    kid = keys.active_key().kid
    # the thief signs a record of their own with the stolen key, dated today
    forged = issue_record(kind=CertKind.SKILL_LEVEL,
                          number=format_skill_number("S", "0000", "37", "000001", beijing_today().year, 1, 999),
                          name="冒名者", resident_id="370102199001011234", occupation="6-31-01-03", work_type=0,
                          level=1, issued_on=beijing_today(), issuer=1, full_record={"forged": True})
    _, forged_qr = sign_record(forged, keys, url_prefix=PREFIX)
    assert (await _verdict(client, forged_qr))["state"] == "valid_status_unknown"  # before anyone knows
    keys.compromise(kid, at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2))
    keys.rotate()
    v = await _verdict(client, cert["qr_text"])
    assert v["state"] == "valid" and any("compromised" in w for w in v["warnings"])
    v = await _verdict(client, forged_qr)
    assert v["state"] == "key_not_valid_at_issue" and v["facts"] is None
    # a row in the certificate table is not enough: the issuance must be in the hash-chained audit log
    from server.audit.tables import AuditEntry
    from server.db import write_transaction

    async with write_transaction():
        await AuditEntry.delete().where(AuditEntry.object_id == cert["cert_id"])
    v = await _verdict(client, cert["qr_text"])
    assert v["state"] == "key_not_valid_at_issue"


async def test_qr_landing_page_is_the_verify_page(client, world):
    cert = await _issue(client, world)
    token = cert["qr_text"].rsplit("/", 1)[1]
    r = await client.get("/C/" + token)
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"  # one charset
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"] == "no-referrer"
    assert 'src="/verify/verify.js"' in r.text
    assert (await client.get("/C/NOT-BASE32<script>")).status_code == 200
    assert (await client.get("/verify/verify.js")).status_code == 200
    assert (await client.get("/verify/")).status_code == 200


@pytest.mark.parametrize("name", ["<script>x</script>", "';DROP TABLE person;--"])
async def test_hostile_names_are_data(client, world, name):
    from server.db import write_transaction
    from server.people.tables import Person

    pid = world.people["school_b"][2]
    async with write_transaction():
        await Person.update({Person.name: name}).where(Person.id == pid)
    h = await token_for(client, "organizer")
    r = await client.post("/api/certificates/skill-level", headers=h, json={
        "person_id": pid, "name": name, "occupation_code": "6-31-01-03", "level": 5, "issuer_id": world.orgs["hrss"]})
    assert r.status_code == 201, r.text
    v = await _verdict(client, r.json()["qr_text"])
    assert v["facts"]["name"] == name and v["state"] == "valid"


async def test_invisible_characters_in_names_are_refused(client, world):
    from server.db import write_transaction
    from server.people.tables import Person

    pid = world.people["school_b"][2]
    disguised = "学生\u200b\u202eb2"
    async with write_transaction():
        await Person.update({Person.name: disguised}).where(Person.id == pid)
    h = await token_for(client, "organizer")
    r = await client.post("/api/certificates/skill-level", headers=h, json={
        "person_id": pid, "name": disguised, "occupation_code": "6-31-01-03", "level": 5,
        "issuer_id": world.orgs["hrss"]})
    assert r.status_code == 422 and r.json()["code"] == "name_not_normalised" and r.json()["field"] == "name"


async def test_a_name_registered_after_the_key_set_was_cached_is_shown(client, world):
    """The key set is cached; a display name added since (here by an issuance that registers a new work
    type, as another worker would) is used on the next verification: its labels version changed."""
    first = await _issue(client, world)
    assert (await _verdict(client, first["qr_text"]))["state"] == "valid"  # caches the key set
    h = await token_for(client, "organizer")
    r = await client.post("/api/certificates/skill-level", headers=h, json={
        "person_id": world.people["school_a"][1], "name": "学生a1", "occupation_code": "6-18-02-04",
        "work_type": "电焊工", "level": 4, "issuer_id": world.orgs["hrss"]})
    assert r.status_code == 201, r.text
    v = await _verdict(client, r.json()["qr_text"])
    assert v["state"] == "valid" and v["facts"]["work_type"] == "电焊工", v["facts"]
    assert v["facts"]["occupation"] == "6-18-02-04 焊工"


async def test_concurrent_lookups_admit_exactly_the_limit(client, world, monkeypatch):
    """Each attempt is counted by one atomic statement before it is answered: of a burst of concurrent
    lookups from one address exactly the limit get an answer, on both engines."""
    import asyncio

    monkeypatch.setenv("JINENG_VERIFY_LOOKUPS", "5")
    monkeypatch.setenv("JINENG_VERIFY_LOOKUP_FAILURES", "100")
    cert = await _issue(client, world)
    answers = await asyncio.gather(*[client.post("/api/verify/lookup", json={"code": cert["verification_code"]})
                                     for _ in range(24)])
    codes = sorted(r.status_code for r in answers)
    assert codes.count(200) == 5 and codes.count(429) == 19, codes


async def test_plain_verification_is_not_rate_limited(client, world, monkeypatch):
    monkeypatch.setenv("JINENG_VERIFY_LOOKUPS", "1")
    cert = await _issue(client, world)
    for _ in range(12):
        assert (await _verdict(client, cert["qr_text"]))["state"] == "valid"


async def test_a_scan_is_one_query(client, world):
    """Status, registry details, links and the labels version of the cached key set: one read, no
    transaction, no rate-limit write."""
    cert = await _issue(client, world)
    await _verdict(client, cert["qr_text"])  # the key set is cached from here on
    async with count_queries() as log:
        assert (await _verdict(client, cert["qr_text"]))["state"] == "valid"
    assert log.count == 1 and log.transactions == 0, str(log)
