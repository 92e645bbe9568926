"""The Litestar application: ``create_app()`` wires domains, auth, errors, docs and static pages.

Run it with ``jineng serve`` (uvicorn). ``app`` at module level is for ``uvicorn server.app:app``.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from litestar import Litestar, Request
from litestar.config.compression import CompressionConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router

from server.accounts.middleware import AuthenticationMiddleware
from server.config import PROJECT_ROOT
from server.db import close_engine, prepare_engine
from server.errors import EXCEPTION_HANDLERS, Unauthenticated
from server.guards import require_authenticated
from server.health import healthz
from server.principal import Principal
from server.live.wiring import plugin_and_lifespan
from server.routes import ROUTE_HANDLERS

STATIC_DIR = PROJECT_ROOT / "static"


@asynccontextmanager
async def db_lifespan(app: Litestar) -> AsyncIterator[None]:
    await prepare_engine()
    try:
        yield
    finally:
        await close_engine()


def provide_principal(request: Request) -> Principal:
    user = request.scope.get("user")
    if not isinstance(user, Principal):
        raise Unauthenticated("Sign in or send a bearer token.")
    return user


def provide_optional_principal(request: Request) -> Principal | None:
    user = request.scope.get("user")
    return user if isinstance(user, Principal) else None


def create_app(**overrides) -> Litestar:
    channels, live_lifespan = plugin_and_lifespan()
    static = create_static_files_router(
        path="/", directories=[STATIC_DIR], html_mode=True, include_in_schema=False, opt={"public": True},
        name="static",
    )
    return Litestar(
        route_handlers=[healthz, *ROUTE_HANDLERS, static],
        lifespan=[db_lifespan, live_lifespan],
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


def __getattr__(name: str):
    # ``server.app:app`` for uvicorn, built lazily so importing this module has no side effects
    if name == "app":
        return create_app()
    raise AttributeError(name)
