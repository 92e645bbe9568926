"""Domain errors and their one mapping to HTTP: RFC 9457 problem+json with a stable ``code``.

Services raise ``DomainError`` subclasses; nothing else in the code base builds an error response.
Framework errors (malformed JSON, validation, unknown routes) are mapped here too, and anything
unexpected becomes a bare 500 problem without a trace.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar.exceptions import SerializationException

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.exceptions import ValidationException

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
    body.update({k: v for k, v in members.items() if v is not None})
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="jineng"'
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _domain_handler(request: Request, exc: DomainError) -> Response:
    return problem(
        request, exc.status, exc.code, exc.title, exc.detail, field=exc.field, errors=exc.errors, **exc.extra
    )


_NAMED_KEY = re.compile(r"(?:missing required|unknown) field `([^`]+)`")


def _validation_handler(request: Request, exc: ValidationException) -> Response:
    """Litestar/msgspec validation: name the field (msgspec reports one error per body)."""
    errors = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            key = item.get("key")
            errors.append(
                {"field": key, "source": item.get("source"), "message": item.get("message")}
            )
    detail = str(exc.detail)
    code = "malformed_json" if "malformed" in detail.lower() else "invalid_body"
    if errors and errors[0].get("message"):
        detail = errors[0]["message"]
    field = errors[0]["field"] if errors else None
    if field:
        # msgspec paths read "$.members[0].name"; keep the dotted path without the root marker.
        field = str(field).removeprefix("$.").removeprefix("$")
        if field == "data":  # Litestar's name for the whole body
            field = ""
        # a missing or unknown key is named in the message, not in the path: point at the key itself
        named = _NAMED_KEY.search(errors[0].get("message") or "")
        if named:
            field = f"{field}.{named.group(1)}" if field else named.group(1)
        errors[0]["field"] = field or None
        field = field or None
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
    return problem(request, status, code, title, detail)


def _out_of_range_handler(request: Request, exc: Exception) -> Response:
    """A number too large for the database column (e.g. an id beyond 32 bits): the client's mistake."""
    return problem(request, 400, "value_out_of_range", "Invalid request",
                   "A number in the request is out of range for this field.")


def _unexpected_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(request, 500, "internal_error", "Internal error", "The server could not complete the request.")


try:
    from asyncpg.exceptions import DataError as _PgDataError
except ImportError:  # pragma: no cover
    _PgDataError = OverflowError  # type: ignore[assignment,misc]

EXCEPTION_HANDLERS = {
    DomainError: _domain_handler,
    # SQLite raises OverflowError, asyncpg DataError, for integers the column cannot hold
    OverflowError: _out_of_range_handler,
    _PgDataError: _out_of_range_handler,
    NotAuthorizedException: _http_handler,
    PermissionDeniedException: _http_handler,
    HTTPException: _http_handler,
    Exception: _unexpected_handler,
}
