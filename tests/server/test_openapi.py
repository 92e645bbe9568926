"""The OpenAPI document is served offline and types every API route's body and response."""

from __future__ import annotations


async def test_openapi_json_types_every_api_route(client):
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    paths = doc["paths"]
    assert "/api/auth/login" in paths and "/healthz" in paths
    untyped = []
    for path, item in paths.items():
        if not path.startswith("/api/"):
            continue
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            if method in {"post", "put", "patch"} and "requestBody" in op:
                schema = op["requestBody"]["content"].get("application/json", {}).get("schema", {})
                if not schema and "multipart/form-data" not in op["requestBody"]["content"]:
                    untyped.append((method, path, "body"))
            ok = [c for c in op["responses"] if c.startswith("2")]
            assert ok, (method, path)
            response = op["responses"][ok[0]]
            if ok[0] != "204" and "content" in response:
                for media in response["content"].values():
                    if not media.get("schema"):
                        untyped.append((method, path, "response"))
    assert not untyped, untyped
    assert "bearer" in doc["components"]["securitySchemes"]
