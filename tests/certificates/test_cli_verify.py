"""The `jineng keys …` and `jineng verify …` commands (argparse, exit codes, text and JSON output)."""

import argparse
import datetime as dt
import io
import json
import os
import stat

import pytest
from PIL import Image

from certificates import (
    AwardCode,
    CertKind,
    CertStatus,
    KeyStore,
    build_status_list,
    contains_id_pattern,
    format_award_number,
    format_skill_number,
    issue_record,
    png_bytes,
    sign_record,
)
from certificates.cli import build_parser, main, register

NOW = dt.datetime(2025, 6, 10, 2, 0, tzinfo=dt.UTC)
AT = "2025-06-10T10:00+08:00"


@pytest.fixture
def env(tmp_path):
    """A key store with a published key set, one certificate, and a status list."""
    store = KeyStore(tmp_path / "keys")
    store.generate(now=NOW - dt.timedelta(days=30))
    rec = issue_record(
        kind=CertKind.SKILL_LEVEL, number=format_skill_number("Y", "0001", "37", "000001", 2025, 2, 9), name="欧阳𠮷䶮",
        resident_id="370102199001011234", occupation="6-31-01-03", work_type=0, level=2,
        issued_on=dt.date(2025, 6, 1), issuer=137, full_record={"x": 1}, status_index=77,
    )
    _, text = sign_record(rec, store, now=NOW)
    keyset = tmp_path / "keyset.json"
    keyset.write_bytes(store.publish(now=NOW, names={"issuer": {"137": "济宁市技师学院"}}))
    status = tmp_path / "status.json"
    status.write_bytes(build_status_list({}, keystore=store, sequence=1, now=NOW))
    revoked = tmp_path / "revoked.json"
    revoked.write_bytes(build_status_list({77: CertStatus.REVOKED}, keystore=store, sequence=2, now=NOW))
    root = store.root_public_key().hex()
    return {"store": store, "text": text, "keyset": str(keyset), "status": str(status), "revoked": str(revoked),
            "root": root, "tmp": tmp_path}


def run_verify(capsys, env, *extra):
    code = main(["verify", *extra, "--keyset", env["keyset"], "--root-key", env["root"], "--at", AT])
    return code, capsys.readouterr()


def test_verify_text_status_unknown_without_list(capsys, env):
    code, out = run_verify(capsys, env, env["text"])
    assert code == 1
    assert "SIGNATURE VALID, STATUS UNKNOWN" in out.out
    assert "欧阳𠮷䶮" in out.out and "370***********1234" in out.out and "济宁市技师学院" in out.out


def test_verify_text_valid_with_fresh_list(capsys, env):
    code, out = run_verify(capsys, env, env["text"], "--status-list", env["status"])
    assert code == 0
    assert out.out.startswith("✔ VALID")
    assert "二级/技师" in out.out


def test_verify_revoked_offline(capsys, env):
    code, out = run_verify(capsys, env, env["text"], "--status-list", env["revoked"])
    assert code == 3 and "REVOKED" in out.out


def test_verify_json(capsys, env):
    code, out = run_verify(capsys, env, env["text"], "--status-list", env["status"], "--json")
    assert code == 0
    data = json.loads(out.out)
    assert data["state"] == "valid" and data["valid"] is True
    assert data["facts"]["masked_id"] == "370***********1234"
    assert not contains_id_pattern(out.out)


def test_verify_png_and_pdf(capsys, env):
    png = env["tmp"] / "qr.png"
    png.write_bytes(png_bytes(env["text"], box_size=4))
    code, out = run_verify(capsys, env, str(png), "--status-list", env["status"])
    assert code == 0, out
    pdf = env["tmp"] / "cert.pdf"
    page = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 dpi
    page.paste(Image.open(io.BytesIO(png.read_bytes())).convert("RGB"), (700, 1200))  # ~49 mm wide
    page.save(pdf, "PDF", resolution=150)
    code, out = run_verify(capsys, env, str(pdf), "--status-list", env["status"], "--dpi", "150")
    assert code == 0, out


def test_verify_tampered_and_garbage(capsys, env):
    text = env["text"]
    i = len(text) - 20
    tampered = text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1 :]
    code, out = run_verify(capsys, env, tampered)
    assert code == 3 and "✘" in out.out
    code, out = run_verify(capsys, env, "not a certificate")
    assert code == 3 and "MALFORMED" in out.out


def test_verify_refuses_tampered_or_old_keyset(capsys, env, tmp_path):
    data = json.loads(open(env["keyset"], encoding="utf-8").read())
    data["keyset"]["names"]["issuer"]["137"] = "假机构"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert main(["verify", env["text"], "--keyset", str(bad), "--root-key", env["root"]]) == 2
    assert "signature" in capsys.readouterr().err
    assert main(["verify", env["text"], "--keyset", env["keyset"], "--root-key", env["root"], "--min-sequence", "2"]) == 2
    assert "rollback" in capsys.readouterr().err


def test_verify_needs_a_pinned_root(capsys, env, tmp_path, monkeypatch):
    monkeypatch.delenv("JINENG_ROOT_KEY", raising=False)
    code = main(["verify", env["text"], "--keyset", env["keyset"], "--keys-dir", str(tmp_path / "nothing")])
    assert code == 2 and "root key" in capsys.readouterr().err
    monkeypatch.setenv("JINENG_ROOT_KEY", env["root"])
    assert main(["verify", env["text"], "--keyset", env["keyset"], "--keys-dir", str(tmp_path / "nothing"), "--at", AT]) == 1


def test_keys_commands(capsys, tmp_path):
    d = str(tmp_path / "k")
    assert main(["keys", "generate", "--keys-dir", d]) == 0
    assert "root public key" in capsys.readouterr().out
    assert all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in (tmp_path / "k").rglob("*.pem"))
    store = KeyStore(d)
    first = store.active_key()
    assert main(["keys", "rotate", "--keys-dir", d]) == 0
    second = KeyStore(d).active_key()
    assert second.fingerprint != first.fingerprint
    assert main(["keys", "compromise", first.fingerprint, "--at", "2025-01-01", "--keys-dir", d]) == 0
    assert main(["keys", "retire", second.fingerprint[:8], "--keys-dir", d]) == 0
    assert main(["keys", "retire", "zz", "--keys-dir", d]) == 1  # unknown reference: message, no traceback
    capsys.readouterr()
    assert main(["keys", "list", "--keys-dir", d, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {k["state"] for k in listed["keys"]} == {"compromised", "retired"}
    assert main(["keys", "list", "--keys-dir", d]) == 0
    assert "compromised" in capsys.readouterr().out
    names = tmp_path / "names.json"
    names.write_text(json.dumps({"issuer": {"1": "某学院"}}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "keyset.json"
    assert main(["keys", "publish", "--keys-dir", d, "--output", str(out), "--names", str(names)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["keyset"]["sequence"] == 1 and doc["keyset"]["names"]["issuer"]["1"] == "某学院"


def test_keys_dir_from_env(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("JINENG_KEYS_DIR", str(tmp_path / "envkeys"))
    assert main(["keys", "generate"]) == 0
    assert (tmp_path / "envkeys" / "root.pem").exists()


def test_help_texts(capsys):
    for argv in (["verify", "--help"], ["keys", "--help"], ["keys", "compromise", "--help"],
                 ["keys", "status-list", "--help"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes" in out and "--status-list" in out and "ISO 8601" in out
    assert "status-list" in out and "STATUS_INDEX STATUS" in out and "--sequence" in out


def test_register_into_foreign_parser():
    parser = argparse.ArgumentParser(prog="jineng")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve")  # the lead's own commands live alongside
    register(sub)
    args = parser.parse_args(["keys", "list", "--keys-dir", "/nonexistent"])
    assert callable(args.func)
    args = parser.parse_args(["verify", "HTTP://X/C/AE"])
    assert callable(args.func) and args.json is False
    assert build_parser().prog == "jineng"


# ------------------------------------------------------------------------------------ signed display names


@pytest.fixture
def award_env(tmp_path):
    """An award certificate: event (work_type) code 4, issuer code 19."""
    store = KeyStore(tmp_path / "keys")
    store.generate(now=NOW - dt.timedelta(days=30))
    rec = issue_record(
        kind=CertKind.AWARD, number=format_award_number(2025, 731, AwardCode.FIRST_PRIZE, 5), name="李喆",
        resident_id="370102199001011234", occupation="6-31-01-03", work_type=4, level=AwardCode.FIRST_PRIZE,
        issued_on=dt.date(2025, 6, 1), issuer=19, full_record={"x": 2}, status_index=78,
    )
    _, text = sign_record(rec, store, now=NOW)
    return store, text


NAMES = {"issuer": {"19": "济宁市教育局"}, "work_type": {"4": "电子产品设计与制作"}, "occupation": {"6-31-01-03": "电工"}}


def facts_printed(out: str) -> dict[str, str]:
    rows = [line.strip().split(": ", 1) for line in out.splitlines() if line.startswith("  ") and ": " in line]
    return {k: v for k, v in rows}


def test_verify_prints_the_signed_names_of_codes(capsys, award_env, tmp_path):
    store, text = award_env
    keyset = tmp_path / "named.json"
    keyset.write_bytes(store.publish(now=NOW, names=NAMES))
    code = main(["verify", text, "--keyset", str(keyset), "--root-key", store.root_public_key().hex(), "--at", AT])
    out = capsys.readouterr().out
    assert code == 1
    printed = facts_printed(out)
    assert printed["证书名称"] == "获奖证书" and printed["获奖等次"] == "一等奖"
    assert printed["赛项"] == "电子产品设计与制作"
    assert printed["颁发单位"] == "济宁市教育局"
    assert printed["职业名称"] == "6-31-01-03 电工"
    assert "id only" not in out and "note:" not in out


def test_verify_says_when_it_has_only_an_id(capsys, award_env, tmp_path):
    store, text = award_env
    keyset = tmp_path / "bare.json"
    keyset.write_bytes(store.publish(now=NOW, names={"issuer": {"19": "济宁市教育局"}}))
    code = main(["verify", text, "--keyset", str(keyset), "--root-key", store.root_public_key().hex(), "--at", AT])
    out = capsys.readouterr().out
    assert code == 1
    printed = facts_printed(out)
    assert printed["颁发单位"] == "济宁市教育局"
    assert printed["赛项"] == "4 [id only: the key set has no signed name for it]"
    assert printed["职业名称"] == "6-31-01-03 [id only: the key set has no signed name for it]"
    assert "note: names are printed only as the root-signed key set signs them" in out


def test_verify_with_the_local_store_uses_the_names_last_published(capsys, award_env):
    """Without --keyset the local key store answers; it keeps the names the server last published."""
    store, text = award_env
    store.publish(now=NOW, names=NAMES)  # what the server's published_keyset() does
    code = main(["verify", text, "--keys-dir", str(store.directory), "--at", AT])
    printed = facts_printed(capsys.readouterr().out)
    assert code == 1
    assert (printed["赛项"], printed["颁发单位"]) == ("电子产品设计与制作", "济宁市教育局")
    assert KeyStore(store.directory).names() == NAMES


# ------------------------------------------------------------------------------------ status-list command


def write_status_list(env, statuses: str, *extra: str, name: str = "status-cli") -> tuple[int, str]:
    source = env["tmp"] / f"{name}.txt"
    source.write_text(statuses, encoding="utf-8")
    out = env["tmp"] / f"{name}.json"
    code = main(["keys", "status-list", "--keys-dir", str(env["store"].directory), "--input", str(source),
                 "--output", str(out), "--issued-at", "2025-06-10T10:00+08:00", *extra])
    return code, str(out)


def test_status_list_command_end_to_end(capsys, env):
    code, path = write_status_list(env, "status_index,status\n77,revoked  # fraud\n5 suspended\n", "--sequence", "3")
    assert code == 0
    report = capsys.readouterr().out
    assert "status list #3" in report and "1 revoked" in report and "1 suspended" in report
    code, out = run_verify(capsys, env, env["text"], "--status-list", path)
    assert code == 3 and "REVOKED" in out.out and "[status_list]" in out.out
    # the same certificate, listed as valid in a newer list: green; an older list is refused when pinned
    code, newer = write_status_list(env, "77 valid\n", "--sequence", "4", "--valid-days", "7", name="newer")
    assert code == 0
    capsys.readouterr()
    code, out = run_verify(capsys, env, env["text"], "--status-list", newer)
    assert code == 0 and out.out.startswith("✔ VALID")
    code, out = run_verify(capsys, env, env["text"], "--status-list", path, "--status-min-sequence", "4")
    assert code == 2 and "rollback" in out.err
    # the same file through the Python API
    from certificates import StatusList

    listed = StatusList.load(open(newer, "rb").read(), env["store"].root_public_key())
    assert (listed.sequence, listed.code_at(77), listed.size) == (4, 0, 131072)


def test_status_list_command_refuses_bad_input(capsys, env):
    code, _ = write_status_list(env, "77 revoked\n78 lost\n", "--sequence", "1")
    assert code == 1 and "line 2" in capsys.readouterr().err
    code, _ = write_status_list(env, "77 revoked\n77 valid\n", "--sequence", "1")
    assert code == 1 and "already revoked" in capsys.readouterr().err
    code, _ = write_status_list(env, "131072 revoked\n", "--sequence", "1")
    assert code == 1 and "outside the list" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        write_status_list(env, "77 revoked\n", "--sequence", "0")
    assert "at least 1" in capsys.readouterr().err
