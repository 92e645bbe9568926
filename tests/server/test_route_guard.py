"""Every route of the app refuses an anonymous caller (401), except an explicit public allow-list.

The list of routes comes from the app itself, so a route added later is covered without editing this test.
"""

from __future__ import annotations

import re

import pytest

from server.app import create_app

# (method, path template) pairs that anyone may call; everything else must answer 401 without credentials
PUBLIC = {
    ("GET", "/healthz"),
    ("POST", "/api/auth/login"),
}
PUBLIC_PREFIXES = ("/schema", "/C/", "/api/verify", "/api/public/", "/.well-known/")


def _routes():
    app = create_app()
    for route in app.routes:
        for method in sorted(getattr(route, "methods", None) or []):
            if method in {"OPTIONS", "HEAD"}:
                continue
            yield method, route.path


def _concrete(path: str) -> str:
    # fill path parameters with plausible values: ints get 1, strings get "x"
    path = re.sub(r"\{[^}:]+:int\}", "1", path)
    path = re.sub(r"\{[^}:]+:path\}", "index.html", path)
    return re.sub(r"\{[^}]+\}", "x", path)


def _is_public(method: str, path: str, handler_opt: dict) -> bool:
    return (method, path) in PUBLIC or path.startswith(PUBLIC_PREFIXES) or handler_opt.get("public", False)


ROUTES = sorted(set(_routes()))

# what each public route answers the anonymous probe of test_anonymous_request_is_refused_unless_public:
# (status, problem code, or None where the answer is not a problem)
PUBLIC_ANSWERS = {
    ("GET", "/"): (200, None),
    ("GET", "/{file_path:path}"): (200, None),  # /index.html from the static router
    ("GET", "/healthz"): (200, None),
    ("GET", "/schema"): (200, None),
    ("GET", "/schema/openapi.json"): (200, None),
    ("GET", "/schema/redoc"): (200, None),
    ("GET", "/schema/{path:str}"): (404, None),  # Litestar's own HTML 404 for an unknown schema renderer
    ("GET", "/.well-known/jineng-keys.json"): (200, None),
    ("GET", "/.well-known/jineng-status.json"): (200, None),
    ("GET", "/C/{token:str}"): (200, None),  # the verification page; it checks the token in the browser
    ("GET", "/P/{code:str}"): (302, None),  # a pairing link sends the judge's device to the pairing page
    ("GET", "/api/live/events/{event_id:int}/scoreboard"): (404, "event_not_found"),  # no event 1 in an empty db
    ("GET", "/api/public/competitions"): (200, None),
    ("GET", "/api/public/competitions/{competition_id:int}/results"): (404, "competition_not_found"),
    ("GET", "/api/public/competitions/{competition_id:int}/events/{event_id:int}/results"):
        (404, "competition_not_found"),
    ("GET", "/api/verify"): (400, "invalid_body"),  # no token in the query
    ("POST", "/api/verify"): (400, "invalid_body"),  # {} lacks the token
    ("POST", "/api/verify/id-match"): (400, "invalid_body"),
    ("POST", "/api/verify/lookup"): (422, "lookup_incomplete"),  # needs a code, or a number and a name
    ("POST", "/api/auth/login"): (400, "invalid_body"),  # {} lacks the user name and password
    ("POST", "/api/judging/pair"): (400, "invalid_body"),  # {} lacks the one-time code
}


def test_the_app_has_many_routes():
    assert len(ROUTES) >= 20


@pytest.mark.parametrize("method,path", ROUTES)
async def test_anonymous_request_is_refused_unless_public(client, method, path):
    app = create_app()
    handler_opts = {}
    for route in app.routes:
        if route.path == path:
            for handler in getattr(route, "route_handlers", []):
                if method in (handler.http_methods if hasattr(handler, "http_methods") else []):
                    handler_opts = handler.opt
    r = await client.request(method, _concrete(path), json={} if method in {"POST", "PUT", "PATCH"} else None)
    if _is_public(method, path, handler_opts):
        # a public route answers the anonymous probe (path ids 1 or "x", an empty JSON object as the body) as it
        # would anyone: what it answers is pinned per route, so a public route added later must be listed here
        assert (method, path) in PUBLIC_ANSWERS, f"{method} {path} is public: add its answer to PUBLIC_ANSWERS"
        status, code = PUBLIC_ANSWERS[(method, path)]
        assert r.status_code == status, (method, path, r.status_code, r.text[:300])
        if code is not None:
            assert r.headers["content-type"].startswith("application/problem+json"), r.headers
            assert r.json()["code"] == code, r.text
        return
    assert r.status_code == 401, f"{method} {path} answered {r.status_code} to an anonymous caller"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] in {"unauthenticated", "invalid_token"}


async def test_public_allow_list_is_what_we_think(client):
    """Static pages and health are public; the allow-list names no API route that changes data."""
    public_api = []
    for route in create_app().routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.opt.get("public") and route.path.startswith("/api/"):
                public_api.append((sorted(handler.http_methods), route.path))
    for methods, path in public_api:
        assert path.startswith(("/api/auth/login", "/api/verify", "/api/public/", "/api/judging/pair",
                                "/api/live/")), (methods, path)
        if path.startswith(("/api/judging/pair",)):
            assert methods == ["POST"]  # trades a one-time code for a session, like login
        if path.startswith("/api/live/"):
            assert methods == ["GET"]


async def test_static_pages_are_public(client):
    r = await client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]


async def test_healthz_does_a_database_round_trip(client):
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert r.json()["database"] in {"sqlite", "postgres"}


def test_every_websocket_route_refuses_an_anonymous_caller_unless_public():
    """WebSocket routes are enumerated from the app too; a private one closes an anonymous socket."""
    from litestar.exceptions import WebSocketDisconnect
    from litestar.routes import WebSocketRoute
    from litestar.testing import TestClient

    app = create_app()
    sockets = [(route.path, route.route_handler.opt.get("public", False)) for route in app.routes
               if isinstance(route, WebSocketRoute)]
    assert {path for path, _ in sockets} >= {"/live/events/{event_id:int}/console",
                                             "/live/events/{event_id:int}/scoreboard"}
    with TestClient(app=app) as tc:
        for path, public in sockets:
            if public:
                continue
            with pytest.raises(WebSocketDisconnect) as refused:
                with tc.websocket_connect(_concrete(path)) as ws:
                    ws.receive_json()
            # Litestar closes a socket its guard refused with 4000 + the HTTP status: 4401, unauthenticated
            assert refused.value.code == 4401, (path, refused.value.code)
