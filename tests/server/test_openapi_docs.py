"""The API docs work without internet (every asset /schema loads is served by the app), and the OpenAPI
document describes refusals as they are sent: problem+json with the server's own members."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

PROBLEM = "application/problem+json"


async def test_schema_page_loads_only_local_assets(client):
    r = await client.get("/schema")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    urls = re.findall(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']""", html, re.I)
    assert urls, html[:500]
    outside = [u for u in urls if urlsplit(urljoin("http://testserver/schema", u)).netloc != "testserver"]
    assert outside == [], outside
    assert "fonts.googleapis" not in html and "cdn." not in html
    for url in urls:  # and each of them is really served
        asset = await client.get(urljoin("/schema", url))
        assert asset.status_code == 200, url
        assert len(asset.content) > 100, url
    js = await client.get("/vendor/redoc/redoc.standalone.js")
    assert "javascript" in js.headers["content-type"]
    assert (await client.get("/vendor/redoc/LICENSE")).status_code == 200


def _problem_schema(doc: dict, operation: dict, status: str) -> dict:
    response = operation["responses"][status]
    assert list(response["content"]) == [PROBLEM], (status, response)
    ref = response["content"][PROBLEM]["schema"]["$ref"]
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]]


async def test_refusals_are_documented_as_sent(client):
    doc = (await client.get("/schema/openapi.json")).json()
    paths = doc["paths"]
    problem = doc["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "code", "detail", "field", "errors"} <= set(problem["properties"])
    assert set(problem["required"]) >= {"type", "title", "status", "code", "detail"}

    expected = {
        ("/api/competitions", "get"): {"400", "401", "403", "422"},
        ("/api/competitions", "post"): {"400", "401", "403", "409", "422"},
        ("/api/entries/{entry_id}", "patch"): {"400", "401", "403", "404", "409", "422"},
        ("/api/verify", "post"): {"400", "422"},  # 422: a NUL character (invalid_text)
        ("/api/verify/lookup", "post"): {"400", "404", "422", "429"},
    }
    for (path, method), statuses in expected.items():
        op = paths[path][method]
        errors = {s for s in op["responses"] if s[0] in "45"}
        assert errors == statuses, (path, method, errors)
        for status in statuses:
            assert _problem_schema(doc, op, status) is problem

    # nowhere Litestar's own error shape (status_code/detail/extra), which this server never sends
    for path, item in paths.items():
        for method, op in item.items():
            for status, response in op.get("responses", {}).items():
                if status[0] in "45":
                    assert PROBLEM in response.get("content", {}), (path, method, status)
