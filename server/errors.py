"""Domain errors and their one mapping to HTTP: RFC 9457 problem+json with a stable ``code``.

Services raise ``DomainError`` subclasses; nothing else in the code base builds an error response.
Framework errors (malformed JSON, validation, unknown routes) are mapped here too, and anything
unexpected becomes a bare 500 problem without a trace. Every problem is sent in the request's language
(``server.i18n``: zh-CN unless ``Accept-Language`` prefers English) with ``Content-Language``; services
write their details in English and the Chinese comes from the shared catalog by ``code``.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Sequence

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    SerializationException,
    ValidationException,
)

from server import i18n
from server.i18n import megabytes

log = logging.getLogger("jineng.errors")

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """A refusal the client can act on. ``code`` is stable; ``detail`` is for people."""

    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        field: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.field = field
        self.errors = errors
        self.extra = extra or {}


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"
    title = "Invalid input"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"
    title = "Authentication required"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"


class InvalidText(DomainError):
    """Text the database cannot hold the same way on both engines: a NUL character (U+0000) is stored by
    SQLite and refused by PostgreSQL, so it is refused before either sees it."""

    status = 422
    code = "invalid_text"
    title = "Invalid request"


def problem(
    request: Request | None,
    status: int,
    code: str,
    title: str,
    detail: str,
    **members: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": f"https://jineng.example/problems/{code}",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    # extension members never replace the RFC 9457 members
    body.update({k: v for k, v in members.items() if v is not None and k not in _RESERVED})
    lang = i18n.request_language(request.headers if request is not None else None)
    i18n.translate(body, lang, explain=_msgspec_zh)
    headers = {"Content-Language": lang, "Vary": "Accept-Language"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="jineng"'
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_RESERVED = {"type", "title", "status", "code", "detail", "instance"}


def _domain_handler(request: Request, exc: DomainError) -> Response:
    extra = {k: v for k, v in exc.extra.items() if k not in _RESERVED}
    return problem(request, exc.status, exc.code, exc.title, exc.detail, field=exc.field, errors=exc.errors,
                   **extra)


# --- many problems, one refusal --------------------------------------------------------------------

MAX_PROBLEMS = 50  # problems listed in one response by default; ``problem_count`` tells how many there were


def refusal(
    problems: Sequence[dict[str, Any]],
    summary: str,
    *,
    code: str | None = None,
    error: type[DomainError] = InvalidInput,
    after: str = "",
    extra: dict[str, Any] | None = None,
    limit: int = MAX_PROBLEMS,
) -> DomainError:
    """Every problem of a request as one refusal (422 unless ``error`` says otherwise).

    Each problem is a dict with at least ``code`` and ``message`` and, where known, ``field`` (a dotted
    path), ``row``/``column`` (a spreadsheet or document row) or an object id. The detail reads
    "summary: first message (and N more)" plus ``after``; ``field`` and, unless given, ``code`` come from
    the first problem, so a client that reads only those still points at the right place.
    """
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    detail = f"{summary}: {first['message']}{more}" + (f" {after}" if after else "")
    members = {"problem_count": len(problems), "errors_truncated": len(problems) > limit, **(extra or {})}
    return error(detail, code=code or first.get("code"), field=first.get("field"),
                 errors=[dict(p) for p in problems[:limit]], extra=members)


# --- msgspec's messages ---------------------------------------------------------------------------

_AT = re.compile(r"^(?P<what>.*?) - at `\$(?P<path>[^`]*)`$", re.S)
_NAMED_KEY = re.compile(r"(?:missing required|unknown) field `([^`]+)`")


def join_path(prefix: str, path: str) -> str:
    """``members`` + ``[0].name`` → ``members[0].name``; ``scheme`` + ``criteria`` → ``scheme.criteria``."""
    if not prefix or not path:
        return prefix or path
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


def msgspec_problem(message: str, path: str = "") -> dict[str, str]:
    """A msgspec validation message as a problem: ``code``, the ``field`` at fault and the ``message``.

    msgspec reports one error per document as text ("Expected `int`, got `str` - at `$.members[0]`");
    this is the one place that reads it. A missing or unknown key is named in the message rather than in
    the path, so the field points at the key itself. ``path`` is the location when the caller already
    split it off (Litestar does).
    """
    m = _AT.match(message)
    what, path = (m.group("what"), m.group("path")) if m else (message, path)
    path = path.removeprefix("$").lstrip(".")
    named = _NAMED_KEY.search(what)
    if "unknown field" in what:
        code = "unknown_field"
    elif "missing required field" in what:
        code = "missing_field"
    elif what.startswith(("Invalid value", "Invalid enum value")):
        code = "invalid_value"
    else:
        code = "invalid_type"
    if named:
        path = join_path(path, named.group(1))
    return {"code": code, "field": path, "message": what}


_EXPECTED = re.compile(r"^Expected `(?P<type>[^`]+)`(?P<rest>.*)$", re.S)
_GOT = re.compile(r"^, got `(?P<got>[^`]+)`$")
_BOUND = re.compile(r"^(?P<length> of length)? (?P<op><=|>=|<|>) (?P<bound>\S+)$")
_ENUM = re.compile(r"^Invalid enum value (?P<value>.+)$", re.S)
_PARAMETER = re.compile(r"^Missing required (?P<source>\w+) parameter '(?P<name>[^']+)'")
_OPS = {"<=": "不超过", ">=": "至少为", "<": "小于", ">": "大于"}
_SOURCES = {"query": "查询参数", "header": "请求头", "cookie": "Cookie", "path": "路径参数"}


def _msgspec_zh(code: str, message: str) -> str | None:
    """The Chinese of a msgspec (or Litestar parameter) message with its specifics — the type expected,
    the bound, the value — or None to use the code's catalog text. Unknown forms give None."""
    m = _PARAMETER.match(message)  # Litestar's, for a query parameter, header or cookie not sent
    if m:
        return f"缺少必填的{_SOURCES.get(m['source'], m['source'])} {m['name']}。"
    if code not in ("invalid_type", "invalid_value", "missing_field", "unknown_field"):
        return None
    m = _NAMED_KEY.search(message)
    if m:
        return f"缺少必填字段 {m[1]}。" if code == "missing_field" else f"包含未知的字段 {m[1]}。"
    m = _ENUM.match(message)
    if m:
        return f"取值无效：{m['value']} 不是允许的选项。"
    m = _EXPECTED.match(message)
    if not m:
        return None
    kind, rest = m["type"], m["rest"]
    if got := _GOT.match(rest):
        return f"类型不正确：应为 {kind}，收到的是 {got['got']}。"
    if bound := _BOUND.match(rest):
        what = "长度" if bound["length"] else "数值"
        return f"{what}应{_OPS[bound['op']]} {bound['bound']}。"
    if rest.startswith(" matching regex"):
        return "格式不正确。"
    return None


def _is_missing_body(item: dict) -> bool:
    """Litestar reports a route's body that was not sent at all as the Python text of a KeyError on its
    ``data`` parameter (``"'data'"``), or as msgspec's missing ``data``."""
    message = str(item.get("message") or "")
    return item.get("key") == "data" and (message == "'data'" or "missing required field `data`" in message)


def _validation_handler(request: Request, exc: ValidationException) -> Response:
    """Litestar/msgspec validation of a request: name the field (msgspec reports one error per body)."""
    errors = []
    for item in exc.extra or []:
        if isinstance(item, dict) and _is_missing_body(item):
            return problem(request, 400, "missing_body", "Invalid request",
                           "The request has no body: send a JSON document (Content-Type: application/json) "
                           "with the fields this route takes (see /schema).")
        if isinstance(item, dict):
            key = str(item.get("key") or "")
            found = msgspec_problem(item.get("message") or "", "" if key == "data" else key)  # data: the body
            errors.append({"field": found["field"] or None, "source": item.get("source"),
                           "code": found["code"], "message": found["message"]})
    detail = str(exc.detail)
    code = "malformed_json" if "malformed" in detail.lower() else "invalid_body"
    if errors and errors[0].get("message"):
        detail = errors[0]["message"]
    field = errors[0]["field"] if errors else None
    return problem(request, 400, code, "Invalid request", detail, field=field, errors=errors or None)


_HTTP_CODES = {
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    413: ("payload_too_large", "Payload too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    429: ("rate_limited", "Too many requests"),
}


def _http_handler(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, ValidationException):
        return _validation_handler(request, exc)
    status = exc.status_code
    if status >= 500:
        log.error("HTTP %s on %s: %s", status, request.url.path, exc.detail)
        return problem(request, status, "internal_error", "Internal error", "The server could not complete the request.")
    code, title = _HTTP_CODES.get(status, ("http_error", "Request refused"))
    detail = str(exc.detail) if exc.detail else title
    if status == 400:
        code, title = "bad_request", "Bad request"
        # the body could not be decoded at all (Litestar wraps msgspec's DecodeError twice)
        if isinstance(exc.__cause__, (SerializationException, msgspec.DecodeError)) or "malformed" in detail.lower():
            code, title = "malformed_json", "Invalid request"
            detail = f"The request body is not valid JSON: {detail}"
    if status == 413:
        return _too_large(request, code, title)
    return problem(request, status, code, title, detail)


def _body_limit(request: Request) -> int | None:
    try:
        return request.route_handler.resolve_request_max_body_size()  # type: ignore[attr-defined]
    except Exception:  # no route (or a handler without body limits): the limit is unknown
        return None


def _too_large(request: Request, code: str, title: str) -> Response:
    """413 saying the limit: the route's body limit, in words and in ``limit_bytes``."""
    limit = _body_limit(request)
    if not limit:
        return problem(request, 413, code, title, "The request body is larger than this route accepts.")
    return problem(request, 413, code, title,
                   f"The request body is larger than this route accepts: at most {megabytes(limit)} "
                   f"({limit:,} bytes).", limit_bytes=limit)


def _out_of_range_handler(request: Request, exc: Exception) -> Response:
    """A number too large for the database column (e.g. an id beyond 32 bits): the client's mistake."""
    return problem(request, 400, "value_out_of_range", "Invalid request",
                   "A number in the request is out of range for this field.")


def _undecodable_form_handler(request: Request, exc: Exception) -> Response:
    """Litestar decodes every multipart part without a filename as text, in the part's declared charset
    (UTF-8 by default), and lets the error escape: a binary part sent without ``filename=`` (a
    UnicodeDecodeError) or an unknown charset (a bare LookupError from the codec registry) is the client's
    mistake (400). Anywhere else, and for KeyError/IndexError (LookupError subclasses), it is ours."""
    multipart = request.headers.get("content-type", "").lower().startswith("multipart/")
    if not multipart or isinstance(exc, (KeyError, IndexError)):
        return _unexpected_handler(request, exc)
    return problem(request, 400, "malformed_multipart", "Invalid request",
                   "A multipart form field is not text in a known charset: send the file as a file part "
                   "(with a filename).", field="file")


def _recursion_handler(request: Request, exc: RecursionError) -> Response:
    """msgspec decodes nested arrays and objects recursively and gives up with a RecursionError at
    Python's recursion limit (about a thousand levels): a body nested that deeply is the client's mistake
    on every JSON route, signed in or not (400). A RecursionError anywhere else is ours."""
    if "deserializ" not in str(exc):
        return _unexpected_handler(request, exc)
    return problem(request, 400, "json_too_deep", "Invalid request",
                   "The request body nests arrays or objects too deeply to be read (JSON documents of this "
                   "service nest a few levels, never hundreds).")


# --- text no engine stores alike ------------------------------------------------------------------

NUL = "\x00"
_JSON_TYPES = ("application/json", "application/problem+json")


def nul_path(value: Any, path: str = "") -> str | None:
    """The dotted path (``members[0].name``) of the first key or string in a decoded JSON document that
    holds a NUL character, or None."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return where
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                child_path = join_path(where, str(key))
                if NUL in str(key):
                    return child_path
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", child) for i, child in reversed(list(enumerate(item))))
    return None


def _nul_refusal(field: str) -> InvalidText:
    where = f"“{field}”" if field else "the request body"
    return InvalidText(f"The text of {where} contains a NUL character (U+0000), which cannot be stored; "
                       "remove it and send the request again.", field=field or None)


async def refuse_nul_text(request: Request) -> None:
    """422 ``invalid_text`` naming the field when a query parameter, the path or a JSON body holds a NUL
    character (app-wide: called for every HTTP request that reaches a handler). A JSON body is decoded
    here only when its bytes hold the escape ``\\u0000`` (the body's bytes are cached for the handler)."""
    for key, value in request.query_params.multi_items():
        if NUL in key or NUL in str(value):
            raise _nul_refusal(key)
    if NUL in request.scope.get("path", ""):
        raise _nul_refusal("path")
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if not request.headers.get("content-type", "").lower().startswith(_JSON_TYPES):
        return
    body = await request.body()
    if b"\\u0000" not in body:
        return
    try:
        decoded = msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError):
        return  # not JSON after all: the handler's decoding says so
    field = nul_path(decoded)
    if field is not None:
        raise _nul_refusal(field)


def _text_encoding_handler(request: Request, exc: Exception) -> Response:
    """PostgreSQL refused text it cannot store (a NUL from a form field or a file): ``invalid_text``."""
    return problem(request, 422, "invalid_text", "Invalid request",
                   "A text in the request contains a NUL character (U+0000), which cannot be stored.")


def _unexpected_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(request, 500, "internal_error", "Internal error", "The server could not complete the request.")


try:
    from asyncpg.exceptions import CharacterNotInRepertoireError as _PgTextError
    from asyncpg.exceptions import DataError as _PgDataError
except ImportError:  # pragma: no cover
    _PgDataError = _PgTextError = OverflowError  # type: ignore[assignment,misc]

EXCEPTION_HANDLERS = {
    DomainError: _domain_handler,
    # SQLite raises OverflowError, asyncpg DataError, for integers the column cannot hold
    OverflowError: _out_of_range_handler,
    _PgDataError: _out_of_range_handler,
    _PgTextError: _text_encoding_handler,
    NotAuthorizedException: _http_handler,
    PermissionDeniedException: _http_handler,
    HTTPException: _http_handler,
    UnicodeDecodeError: _undecodable_form_handler,
    LookupError: _undecodable_form_handler,
    RecursionError: _recursion_handler,
    Exception: _unexpected_handler,
}
