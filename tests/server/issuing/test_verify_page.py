"""The verify page's in-browser check (static/verify/verify.js), run under Node's WebCrypto: it decodes the
envelope itself, verifies the Ed25519 signature against the root-signed key set, and agrees with the
server's signed facts; forgeries fail it. Skipped when no ``node`` (20+) is installed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.envelope import b32decode_strict, b32encode, build_envelope
from server.config import PROJECT_ROOT
from tests.server.factories import token_for

NODE = shutil.which("node")
SCRIPT = """
import fs from "node:fs";
const { checkToken, verifyKeysetDocument } = await import(process.argv[2]);
const input = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const keyset = await verifyKeysetDocument(input.keyset);
const tampered = structuredClone(input.keyset);
tampered.keyset.names.issuer = { ...tampered.keyset.names.issuer, "1": "假冒机构" };
const results = {};
for (const [name, token] of Object.entries(input.tokens)) {
  results[name] = await checkToken(token, { ...keyset, rootChanged: false });
}
const forgedSet = await verifyKeysetDocument(tampered);
console.log(JSON.stringify({ rootOk: keyset.rootOk, tamperedRootOk: forgedSet.rootOk, results }));
"""


def _node_major() -> int:
    out = subprocess.run([NODE, "--version"], capture_output=True, text=True).stdout.strip().lstrip("v")
    return int(out.split(".")[0]) if out else 0


@pytest.mark.skipif(NODE is None or _node_major() < 20, reason="needs node 20+ (WebCrypto Ed25519)")
async def test_browser_check_agrees_with_the_server_and_catches_forgeries(client, world, tmp_path):
    h = await token_for(client, "organizer")
    r = await client.post("/api/certificates/skill-level", headers=h, json={
        "person_id": world.people["school_a"][0], "name": "学生a0", "occupation_code": "6-18-02-04",
        "work_type": "电焊工", "level": 3, "issuer_id": world.orgs["hrss"]})
    assert r.status_code == 201, r.text
    cert = r.json()
    server = (await client.post("/api/verify", json={"qr": cert["qr_text"]})).json()
    keyset = (await client.get("/.well-known/jineng-keys.json")).json()
    token = cert["qr_text"].rsplit("/", 1)[1]
    env = b32decode_strict(token)
    attacker = Ed25519PrivateKey.generate()
    tokens = {
        "genuine": token,
        "forged": b32encode(env[:-64] + bytes(64)),
        "attacker": b32encode(build_envelope(env[3:-64], attacker, env[1:3])),
        "trailing": b32encode(env + b"\x00"),
        "version": b32encode(b"\x02" + env[1:]),
        "lower": token.lower(),
    }
    module = tmp_path / "verify.mjs"
    shutil.copy(Path(PROJECT_ROOT) / "static" / "verify" / "verify.js", module)
    (tmp_path / "input.json").write_text(json.dumps({"keyset": keyset, "tokens": tokens}), encoding="utf-8")
    (tmp_path / "run.mjs").write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run([NODE, str(tmp_path / "run.mjs"), module.as_uri(), str(tmp_path / "input.json")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["rootOk"] is True and out["tamperedRootOk"] is False
    genuine = out["results"]["genuine"]
    assert genuine["status"] == "ok", genuine
    for key in ("number", "name", "masked_id", "cert_id", "issued_on", "level", "record_digest", "occupation",
                "work_type", "issuer", "title", "kind"):
        assert str(genuine["facts"][key]) == str(server["facts"][key]), key
    assert genuine["facts"]["work_type"] == "电焊工" and genuine["facts"]["occupation"] == "6-18-02-04 焊工"
    states = {name: (r["status"], r.get("state")) for name, r in out["results"].items() if name != "genuine"}
    assert states == {"forged": ("bad", "invalid_signature"), "attacker": ("bad", "invalid_signature"),
                      "trailing": ("bad", "malformed"), "version": ("bad", "unsupported_version"),
                      "lower": ("bad", "malformed")}
