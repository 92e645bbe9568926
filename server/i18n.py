"""The server's own language: zh-CN by default, English when the request's ``Accept-Language`` prefers it.

The texts are the pages' catalog, ``static/common/codes.json`` (read once): ``codes`` gives each stable
error code a pair ``[zh-CN, English]``, ``fields`` the names of the fields problems point at, and
``details`` the Chinese ``detail`` of codes whose refusal carries specifics (a limit, the first bad row, a
wait), written with the problem's own members in braces (``{limit:size}`` in megabytes, ``{limit:,}`` with
thousands separators). English details are the server's own sentences, as the code wrote them; Chinese
ones are built here from the code, the members and the field (``translate``). ``server.errors`` calls it
for every problem it sends; nothing here knows a domain.
"""

from __future__ import annotations

import functools
import json
import re
import string
from pathlib import Path
from typing import Any, Callable, Mapping

ZH, EN = "zh-CN", "en"
DEFAULT = ZH
CATALOG_PATH = Path(__file__).resolve().parent.parent / "static" / "common" / "codes.json"

_TAG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$|^\*$")


def language(accept: str | None) -> str:
    """``zh-CN`` or ``en`` for an ``Accept-Language`` header (RFC 9110 §12.5.4): the language with the
    highest q-value among those this server speaks (the earlier one on a tie); zh-CN when the header is
    absent, empty, malformed, or names neither."""
    best, best_q = DEFAULT, 0.0
    for part in (accept or "").split(","):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not _TAG.match(tag):
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = -1.0  # a malformed weight: ignore the language rather than guess
                if not 0.0 <= q <= 1.0:
                    q = -1.0
        primary = tag.split("-", 1)[0].lower()
        spoken = ZH if primary == "zh" else EN if primary == "en" else None
        if spoken and q > best_q:
            best, best_q = spoken, q
    return best


def request_language(headers: Mapping[str, str] | None) -> str:
    """:func:`language` of a request's headers (``None``: there is no request)."""
    return language(headers.get("accept-language") if headers is not None else None)


@functools.cache
def catalog() -> dict[str, Any]:
    with CATALOG_PATH.open(encoding="utf-8") as f:
        return json.load(f)


def megabytes(size: int) -> str:
    """``5 MB``, ``5.1 MB``, ``10 MB`` (10,000,000 bytes counts as 10): sizes as people read them."""
    for unit in (1024 * 1024, 1000 * 1000):
        if size % unit == 0:
            return f"{size // unit} MB"
    return f"{size / (1024 * 1024):.1f} MB"


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> Any:
        if format_spec == "size":
            return megabytes(int(value))
        return super().format_field(value, format_spec)


_FORMAT = _Formatter()


def code_text(code: str | None, lang: str = ZH) -> str:
    """The catalog's text of a code in ``lang`` (the unknown-code sentence naming it when it is missing)."""
    index = 1 if lang == EN else 0
    pair = catalog()["codes"].get(code or "")
    if pair:
        return pair[index]
    return catalog()["codes"]["unknown"][index].replace("{code}", str(code))


def detail_text(code: str | None, members: Mapping[str, Any]) -> str:
    """The Chinese text of a code with the problem's specifics when ``details`` has a text for it and the
    problem carries every member it names; the code's plain text otherwise."""
    template = catalog()["details"].get(code or "")
    if template:
        try:
            return _FORMAT.vformat(template, (), members)
        except (KeyError, IndexError, ValueError, TypeError):
            pass  # a member this refusal does not carry: the plain text is still right
    return code_text(code)


def _field_word(key: str, lang: str, **values: Any) -> str | None:
    pair = catalog()["fields"].get(key)
    if not pair:
        return None
    return pair[1 if lang == EN else 0].format(**values)


def field_label(path: str | None, lang: str = ZH) -> str:
    """``members[1].person_id`` → 选手2, ``member_2_resident_id`` → 选手2身份证号, ``scheme.criteria`` →
    评分标准 · criteria; an unknown path as it is (the same rules as the pages' fieldLabel())."""
    if not path:
        return ""
    p = str(path)
    m = re.fullmatch(r"(members|coaches)\[(\d+)\](?:\.person_id)?", p)
    if m:
        return _field_word("member_n" if m[1] == "members" else "coach_n", lang, n=int(m[2]) + 1) or p
    m = re.fullmatch(r"(member|coach)_(\d+)_(resident_id|name)", p)
    if m:
        return _field_word(f"{m[1]}_n_{'name' if m[3] == 'name' else 'id'}", lang, n=m[2]) or p
    word = _field_word(p, lang)
    if word:
        return word
    head = re.split(r"[.\[]", p, maxsplit=1)[0]
    word = _field_word(head, lang) if head != p else None
    if word:
        return f"{word} · {p[len(head):].lstrip('.')}"
    return p


def _where(item: Mapping[str, Any]) -> str:
    """第 3 行 B 列 · 身份证号 (what the pages put before an item's message)."""
    bits = []
    if item.get("row"):
        bits.append(f"第 {item['row']} 行")
    if item.get("column"):
        bits.append(f"{item['column']} 列")
    place = " ".join(bits)
    label = field_label(item.get("field"))
    return " · ".join(b for b in (place, label) if b)


# the Chinese of an item's own English message, when only its text holds the specifics (msgspec's)
Explain = Callable[[str, str], "str | None"]


def _item(item: Mapping[str, Any], explain: Explain | None) -> dict[str, Any]:
    out = dict(item)
    english = str(item.get("message") or item.get("detail") or "")
    text = explain(str(item.get("code") or ""), english) if explain else None
    if text is None:
        text = detail_text(item.get("code"), item)
    for key in ("message", "detail"):
        if key in out:
            out[key] = text
    if "message" not in out and "detail" not in out:
        out["message"] = text
    return out


def translate(body: dict[str, Any], lang: str, explain: Explain | None = None) -> None:
    """Put a problem body's ``detail`` and the message of each of its ``errors`` into ``lang`` (English:
    left as the server wrote them). ``explain`` turns an English message into Chinese where only that text
    has the specifics (msgspec's). ``code``, ``field``, ``row`` and every other member stay as they are."""
    if lang == EN:
        return
    members = dict(body)
    items = body.get("errors")
    if items:
        body["errors"] = [_item(i, explain) if isinstance(i, Mapping) else i for i in items]
        first = body["errors"][0] if isinstance(body["errors"][0], Mapping) else {}
        where = _where(first)
        said = str(first.get("message") or first.get("detail") or "")
        if said and not said.endswith(("。", "！", "？", "）", ".")):
            said += "。"
        members["first"] = f"{where}：{said}" if where else said
        count = body.get("problem_count") or len(items)
        more = f"（另有 {count - 1} 处问题）" if count > 1 else ""
        if first.get("code") == body.get("code"):
            body["detail"] = members["first"] + more
        elif body.get("code") in catalog()["details"]:
            body["detail"] = detail_text(body.get("code"), members)
        else:
            body["detail"] = f"{code_text(body.get('code'))}{members['first']}{more}"
        return
    text = explain(str(body.get("code") or ""), str(body.get("detail") or "")) if explain else None
    if text is None:
        text = detail_text(body.get("code"), members)
    label = field_label(body.get("field"))
    body["detail"] = f"{label}：{text}" if label and label not in text else text
