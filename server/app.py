"""The Litestar application: ``create_app()`` wires domains, auth, errors, docs and static pages.

Run it with ``jineng serve`` (uvicorn). ``app`` at module level is for ``uvicorn server.app:app``.
"""

from __future__ import annotations

import gc
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import msgspec
from litestar import Litestar, Request
from litestar.config.compression import CompressionConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import RedocRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.core import MsgspecDIPlugin
from litestar.static_files import create_static_files_router

from server.accounts.middleware import AuthenticationMiddleware
from server.config import PROJECT_ROOT
from server.db import close_engine, prepare_engine
from server.errors import EXCEPTION_HANDLERS, PROBLEM_JSON, Unauthenticated
from server.guards import require_authenticated
from server.health import healthz
from server.principal import Principal
from server.live.wiring import plugin_and_lifespan
from server.routes import ROUTE_HANDLERS

STATIC_DIR = PROJECT_ROOT / "static"
# the API docs render with the Redoc bundle the app serves itself (static/vendor/README.md): no CDN, no fonts
REDOC_JS = "/vendor/redoc/redoc.standalone.js"


@asynccontextmanager
async def db_lifespan(app: Litestar) -> AsyncIterator[None]:
    await prepare_engine()
    try:
        yield
    finally:
        await close_engine()


@asynccontextmanager
async def frozen_heap(app: Litestar) -> AsyncIterator[None]:
    """Last of the lifespans: everything built at start-up (modules, the app, its routes, the pools) is
    moved out of the collector's reach, so full collections only walk what requests allocate (without it,
    a full collection of the ~300k start-up objects pauses every request in flight for ~100 ms)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def provide_principal(request: Request) -> Principal:
    user = request.scope.get("user")
    if not isinstance(user, Principal):
        raise Unauthenticated("Sign in or send a bearer token.")
    return user


def provide_optional_principal(request: Request) -> Principal | None:
    user = request.scope.get("user")
    return user if isinstance(user, Principal) else None


class JinengApp(Litestar):
    """Litestar with only the msgspec plugin by default: every route is typed with msgspec Structs, so the
    pydantic and attrs plugins Litestar adds when those packages are installed (pydantic comes with
    Piccolo) are never used — and importing them, pydantic.v1 included, was a tenth of start-up."""

    @staticmethod
    def _get_default_plugins(plugins: list) -> list:
        plugins.append(MsgspecDIPlugin())
        return plugins


# --- OpenAPI: every refusal documented as it is sent ----------------------------------------------

class ProblemItem(msgspec.Struct):
    """One of several problems of a refusal (a row of a file, a field of a document)."""

    code: str
    message: str
    field: str | None = None


class Problem(msgspec.Struct):
    """RFC 9457 problem details (``application/problem+json``), the shape of every 4xx and 5xx answer:
    a stable ``code``, the ``field`` at fault and, for a refusal of many problems at once, ``errors``.
    Some refusals add members (``retry_after_seconds``, ``problem_count``, ``current_status`` …)."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    instance: str | None = None
    field: str | None = None
    errors: list[ProblemItem] | None = None


_PROBLEMS = {
    400: "Bad request: malformed JSON, a value of the wrong type or shape, a text the database cannot hold "
         "(code `malformed_json`, `invalid_body`, `json_too_deep`, `invalid_text` …; `field` names it)",
    401: "Not signed in, or the session or token is expired or revoked (code `unauthenticated`, `invalid_token`)",
    403: "Signed in without the role or scope this needs, or a cookie session without its X-CSRF-Token",
    404: "No such record, or one outside the caller's scope (another school's records are reported the same)",
    409: "Refused by the record's current state: a status transition, a duplicate, a stale version",
    422: "The request is well-formed but breaks a rule (`code` names the rule, `field` the place, `errors` "
         "every problem at once)",
    429: "Too many attempts; `retry_after_seconds` says how long to wait",
}
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_NOT_INPUT = {"self", "request", "socket", "state", "scope", "headers", "cookies"}


def problem_statuses(handler: Any, path: str) -> tuple[int, ...]:
    """Which refusals a route can send: ``opt["problems"]`` when the route says, else from its shape —
    400 and 422 where it takes input, 401 and 403 unless it is public, 404 for a path with an id, 409 for
    a private write."""
    if "problems" in handler.opt:
        return tuple(handler.opt["problems"])
    dependencies = set(handler.resolve_dependencies())
    takes_input = any(name not in dependencies and name not in _NOT_INPUT
                      for name in handler.parsed_fn_signature.parameters)
    public = bool(handler.opt.get("public"))
    statuses = []
    if takes_input:
        statuses += [400, 422]
    if not public:
        statuses += [401, 403]
    if "{" in path:
        statuses.append(404)
    if not public and _WRITES & set(handler.http_methods):
        statuses.append(409)
    return tuple(sorted(statuses))


def document_problems(app: Litestar) -> None:
    """Give every HTTP route's OpenAPI operation the problem+json responses it can send (replacing
    Litestar's own 400 shape, which this server never sends). The schema is built lazily on the first
    request for it, so this runs on the registered handlers before that."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not handler.include_in_schema or not hasattr(handler, "http_methods"):
                continue
            responses = dict(handler.responses or {})
            for status in problem_statuses(handler, route.path):
                responses.setdefault(status, ResponseSpec(data_container=Problem, media_type=PROBLEM_JSON,
                                                          description=_PROBLEMS[status], generate_examples=False))
            handler.responses = responses


def create_app(**overrides) -> Litestar:
    channels, live_lifespan = plugin_and_lifespan()
    static = create_static_files_router(
        path="/", directories=[STATIC_DIR], html_mode=True, include_in_schema=False, opt={"public": True},
        name="static",
    )
    app = JinengApp(
        route_handlers=[healthz, *ROUTE_HANDLERS, static],
        lifespan=[db_lifespan, live_lifespan, frozen_heap],
        plugins=[channels],
        middleware=[AuthenticationMiddleware],
        guards=[require_authenticated],
        dependencies={
            "principal": Provide(provide_principal, sync_to_thread=False),
            "maybe_principal": Provide(provide_optional_principal, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        openapi_config=OpenAPIConfig(
            title="Jineng API",
            version="0.1.0",
            description=(
                "Vocational skills competitions and skill certificates (技能大赛与职业技能等级认定). "
                "Errors are RFC 9457 problem+json with a stable `code`."
            ),
            path="/schema",
            render_plugins=[RedocRenderPlugin(js_url=REDOC_JS, google_fonts=False, path=["/", "/redoc"],
                                              favicon="<link rel='icon' type='image/svg+xml' href='/favicon.svg'>")],
            use_handler_docstrings=True,
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", description="API token"),
                    "cookie": SecurityScheme(type="apiKey", name="jineng_session", security_scheme_in="cookie"),
                }
            ),
            security=[{"bearer": []}, {"cookie": []}],
        ),
        **overrides,
    )
    document_problems(app)
    return app


def __getattr__(name: str):
    # ``server.app:app`` for uvicorn, built lazily so importing this module has no side effects
    if name == "app":
        return create_app()
    raise AttributeError(name)
