"""The server's own messages in Chinese by default (issue 12, item 1): problem ``detail``s, the messages of
their ``errors`` (import row errors included) and the templates' instructions sheets are zh-CN unless
``Accept-Language`` prefers English; answers say which in ``Content-Language``. The shared ``client`` asks
for English, so these tests send their own header (or remove it). Also: every code the server can raise
has a Chinese and an English text in the one catalog, static/common/codes.json."""

from __future__ import annotations

import ast
import io
import re
import string
from pathlib import Path

import pytest
from openpyxl import load_workbook

from server import i18n
from tests.server.factories import token_for, upload
from tests.server.people.support import roster_rows, roster_workbook
from tests.server.registration.support import make_competition, make_event

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese(text: str) -> bool:
    return bool(CJK.search(text or ""))


@pytest.fixture
def bare(client):
    """The shared client without its Accept-Language: what a client that names no language gets."""
    del client.headers["Accept-Language"]
    return client


# --- choosing the language ------------------------------------------------------------------------

@pytest.mark.parametrize("header, lang", [
    (None, "zh-CN"), ("", "zh-CN"), ("zh-CN", "zh-CN"), ("zh", "zh-CN"), ("zh-TW,zh;q=0.9", "zh-CN"),
    ("en", "en"), ("en-US,en;q=0.9", "en"), ("EN-gb", "en"),
    ("zh-CN, zh;q=0.9, en;q=0.3", "zh-CN"), ("en, zh-CN;q=0.5", "en"),  # what the pages send
    ("zh;q=0.3, en;q=0.8", "en"), ("en;q=0.2, zh-CN", "zh-CN"), ("fr, en;q=0.1", "en"), ("de, fr", "zh-CN"),
    ("en;q=0", "zh-CN"), ("zh;q=0, en", "en"), ("en;q=0.5, zh;q=0.5", "en"), ("zh;q=0.5, en;q=0.5", "zh-CN"),
    ("*", "zh-CN"), ("en;q=abc", "zh-CN"), ("en;q=2", "zh-CN"), ("e n, ;;", "zh-CN"),
])
def test_accept_language_picks_the_preferred_language_we_speak(header, lang):
    assert i18n.language(header) == lang


async def test_no_header_gets_chinese_with_content_language(bare, world):
    r = await bare.get("/api/no-such-route")
    assert r.status_code == 404 and r.headers["content-language"] == "zh-CN"
    assert r.json()["code"] == "not_found" and chinese(r.json()["detail"]), r.json()
    r = await bare.post("/api/auth/login", json={"username": "organizer", "password": "nope-nope-nope"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"
    assert r.json()["detail"] == i18n.code_text("invalid_credentials") and r.headers["content-language"] == "zh-CN"


async def test_english_on_request_and_q_values_respected(bare, world):
    for header in ("en", "en-US,en;q=0.9", "zh;q=0.2, en;q=0.9"):
        r = await bare.get("/api/no-such-route", headers={"Accept-Language": header})
        assert r.headers["content-language"] == "en" and not chinese(r.json()["detail"]), (header, r.json())
    r = await bare.get("/api/no-such-route", headers={"Accept-Language": "en;q=0.4, zh-CN;q=0.8"})
    assert r.headers["content-language"] == "zh-CN" and chinese(r.json()["detail"])


# --- problems with specifics ----------------------------------------------------------------------

async def test_a_validation_error_names_its_field_and_the_expected_type_in_chinese(bare, world):
    r = await bare.post("/api/auth/login", json={"username": 7, "password": "x"})
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["field"] == "username" and body["errors"][0]["code"] == "invalid_type"
    assert body["errors"][0]["message"] == "类型不正确：应为 str，收到的是 int。", body
    assert "用户名" in body["detail"] and "应为 str" in body["detail"], body
    english = (await bare.post("/api/auth/login", json={"username": 7, "password": "x"},
                               headers={"Accept-Language": "en"})).json()
    assert english["errors"][0]["message"] == "Expected `str`, got `int`" and english["field"] == "username"


async def test_a_missing_query_parameter_is_named_in_chinese(bare, world):
    r = await bare.get("/api/entries/template", headers=await token_for(bare, "coord_a"))
    assert r.status_code == 400 and r.json()["detail"] == "缺少必填的查询参数 event_id。", r.json()


async def test_a_nul_character_is_refused_in_chinese_naming_the_field(bare, world):
    r = await bare.post("/api/auth/login", json={"username": "a\u0000b", "password": "x"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_text" and r.json()["field"] == "username"
    assert r.json()["detail"].startswith("用户名：") and "NUL" in r.json()["detail"]


async def test_an_import_with_bad_rows_names_the_row_in_chinese(bare, world):
    h = await token_for(bare, "coord_a")
    rows = roster_rows(5)
    rid = rows[2][1]
    rows[2][1] = rid[:-1] + ("1" if rid[-1] != "1" else "2")  # row 4: wrong check character (column B)
    rows[4][2] = "退休"  # row 6: unknown status (column C)
    r = await bare.post(f"/api/people/import?school_id={world.orgs['school_a']}", headers=h,
                        files=upload(roster_workbook(rows)))
    assert r.status_code == 422 and r.headers["content-language"] == "zh-CN", r.text
    body = r.json()
    assert body["code"] == "import_invalid" and body["problem_count"] == 2
    first, second = body["errors"]
    assert (first["row"], first["column"], first["field"], first["code"]) == (4, "B", "resident_id",
                                                                              "invalid_resident_id")
    assert first["message"] == i18n.code_text("invalid_resident_id") and chinese(second["message"])
    assert (second["row"], second["code"]) == (6, "invalid_status")
    assert "第 4 行 B 列 · 身份证号" in body["detail"] and "共 2 处问题" in body["detail"], body["detail"]
    english = (await bare.post(f"/api/people/import?school_id={world.orgs['school_a']}",
                               headers={**h, "Accept-Language": "en"}, files=upload(roster_workbook(rows)))).json()
    assert "check character" in english["errors"][0]["message"] and "row 4" in english["detail"]


async def test_a_file_over_the_limit_says_the_limit_in_chinese(bare, world):
    h = await token_for(bare, "coord_a")
    r = await bare.post(f"/api/people/import?school_id={world.orgs['school_a']}", headers=h,
                        files=upload(b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024)))
    assert r.status_code == 413 and r.json()["code"] == "file_too_large", r.text
    assert r.json()["detail"] == "文件过大：上传文件最多 5 MB。" and r.json()["limit"] == 5 * 1024 * 1024


# --- templates ------------------------------------------------------------------------------------

def _instructions(content: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(content))
    return [str(c) for row in wb["说明 instructions"].iter_rows(values_only=True) for c in row if c]


async def _templates(client, world) -> dict[str, str]:
    comp = await make_competition(world)
    event = await make_event(comp, "E01", quota=2)
    return {"/api/people/template": "coord_a", f"/api/entries/template?event_id={event}": "coord_a",
            "/api/certificates/batches/passes-template": "organizer"}


async def test_templates_explain_themselves_in_chinese_by_default_and_in_english_on_request(bare, world):
    for path, user in (await _templates(bare, world)).items():
        h = await token_for(bare, user)
        zh = await bare.get(path, headers=h)
        assert zh.status_code == 200 and zh.headers["content-language"] == "zh-CN", (path, zh.text)
        lines = _instructions(zh.content)
        assert "必填" in lines and "列" in lines, (path, lines)
        # every instruction and note is Chinese, apart from the headers (Chinese label and field name)
        assert all(chinese(line) or re.fullmatch(r"[-\w/ .,'()（）]*", line) for line in lines), (path, lines)
        en = await bare.get(path, headers={**h, "Accept-Language": "en-US,en;q=0.9"})
        assert en.status_code == 200 and en.headers["content-language"] == "en"
        english = _instructions(en.content)
        assert "Required" in english and "Note" in english and "必填" not in english, (path, english)
        # the data sheet is the same in both languages: a template filled in either imports the same way
        assert load_workbook(io.BytesIO(zh.content)).worksheets[0]["A1"].value == \
            load_workbook(io.BytesIO(en.content)).worksheets[0]["A1"].value


# --- the catalog covers the server ----------------------------------------------------------------

KEYWORDS = {"code", "refused_code", "stale_code"}
CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
# codes built at run time: f"{kind}_rate_limited" (issuing/verification.py) and f"certificate_{status}"
# (issuing/pdf.py, for revoked and superseded certificates)
DYNAMIC = {"lookup_rate_limited", "id_match_rate_limited", "certificate_revoked", "certificate_superseded"}


def _code_parameters(tree: ast.AST) -> dict[str, set[int]]:
    """Function or class name → positions of its parameters named like a code (``self`` not counted)."""
    out: dict[str, set[int]] = {}
    for node in ast.walk(tree):
        fn = node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
        name = getattr(fn, "name", None)
        if isinstance(node, ast.ClassDef):
            fn = next((b for b in node.body if isinstance(b, ast.FunctionDef) and b.name == "__init__"), None)
            name = node.name
        if fn is None:
            continue
        names = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        shift = 1 if names and names[0] in ("self", "cls") else 0
        found = {i - shift for i, a in enumerate(names) if a in KEYWORDS}
        if found:
            out.setdefault(name, set()).update(found)
    return out


def raised_codes() -> dict[str, str]:
    """Every error code written in server/ (the demo's data aside), scoring/ and certificates/: keyword
    arguments ``code=`` (and a state machine's ``refused_code``/``stale_code``), ``"code": …`` in a dict,
    ``code = …`` in a class, and strings passed where a function takes its ``code`` parameter (a
    function of the same module, one defined once in the code base, or ``ErrorList.add(row, key, code,
    message)``). Returns code → where it was seen."""
    files = [p for core in ("server", "scoring", "certificates") for p in sorted((ROOT / core).rglob("*.py"))
             if "piccolo_migrations" not in p.parts and "demo" not in p.parts]
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in files}
    local = {p: _code_parameters(t) for p, t in trees.items()}
    defined: dict[str, list[set[int]]] = {}
    for params in local.values():
        for name, where in params.items():
            defined.setdefault(name, []).append(where)
    unique = {name: found[0] for name, found in defined.items() if len(found) == 1}

    def text(node):
        ok = isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value)
        return node.value if ok else None

    codes: dict[str, str] = {}
    for path, tree in trees.items():
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg in KEYWORDS and text(kw.value):
                        codes.setdefault(text(kw.value), where)
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
                positions = local[path].get(name) or (unique.get(name, set()) if isinstance(f, ast.Name) else set())
                if not positions and name == "add" and len(node.args) == 4:
                    positions = {2}  # ErrorList.add(row, key, code, message)
                for i in positions:
                    if 0 <= i < len(node.args) and text(node.args[i]):
                        codes.setdefault(text(node.args[i]), where)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if isinstance(key, ast.Constant) and key.value == "code" and text(value):
                        codes.setdefault(text(value), where)
            elif isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if (isinstance(stmt, ast.Assign) and any(getattr(t, "id", None) == "code" for t in stmt.targets)
                            and text(stmt.value)):
                        codes.setdefault(text(stmt.value), where)
    return codes


def test_the_collector_finds_codes_of_every_kind():
    """The collector is not vacuous: it sees a keyword code, a class code, a dict code, a row error's
    code and a scoring problem's code."""
    found = raised_codes()
    assert {"invalid_credentials", "file_too_large", "invalid_resident_id", "invalid_status", "missing_id",
            "import_invalid", "stale_version"} <= set(found), sorted(found)
    assert len(found) > 250


def test_every_code_the_server_raises_has_chinese_and_english_text():
    codes = i18n.catalog()["codes"]
    missing = {code: where for code, where in sorted(raised_codes().items()) if code not in codes}
    missing.update({code: "dynamic" for code in sorted(DYNAMIC) if code not in codes})
    assert missing == {}, f"add these to static/common/codes.json (codes: [zh-CN, English]): {missing}"
    empty = [code for code, pair in codes.items()
             if not (isinstance(pair, list) and len(pair) == 2 and chinese(pair[0]) and pair[1].strip())]
    assert empty == [], empty


def test_every_chinese_detail_is_chinese_and_names_only_members():
    """Each templated detail is Chinese, belongs to a known code and formats with placeholders alone."""
    details = {k: v for k, v in i18n.catalog()["details"].items() if not k.startswith("_")}
    for code, template in details.items():
        assert code in i18n.catalog()["codes"] and chinese(template), code
        names = [name for _, name, spec, _ in string.Formatter().parse(template) if name is not None]
        assert names and all(re.fullmatch(r"[a-z_]+", n) for n in names), (code, names)
        members = {n: 1024 * 1024 for n in names} | {"first": "第 2 行：…", "event": "甲", "template_event": "乙"}
        assert "{" not in i18n.detail_text(code, members), code
