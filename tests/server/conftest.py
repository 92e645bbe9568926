"""Database fixtures for server tests: migrate once per run, empty every table before each test.

Running the real migrations here is also the test that they work forwards on the engine of this pass.
Every test in tests/server is marked ``db`` so the PostgreSQL pass runs exactly these.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

import server  # noqa: F401  (PICCOLO_CONF)
from tests.server.factories import World, build_competition_world, build_world


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/server/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.db)


def all_tables():
    from piccolo.conf.apps import Finder

    return Finder().get_table_classes()


@pytest.fixture(scope="session", autouse=True)
def migrated_database():
    from piccolo.apps.migrations.commands.forwards import run_forwards

    async def migrate():
        result = await run_forwards("all")
        assert result.success, result.message

    asyncio.run(migrate())
    yield


# loaded by migration like in production: kept between tests, only organizers' local entries are removed
KEPT = {"occupation"}


async def _truncate() -> None:
    from server.catalog.bundled import sync_catalog
    from server.db import engine

    db = engine()
    names = [t._meta.tablename for t in all_tables() if t._meta.tablename not in KEPT]
    if db.engine_type == "postgres":
        await db.run_ddl("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE")
    else:
        for name in names:
            await db.run_ddl(f'DELETE FROM "{name}"')
    await db.run_ddl('DELETE FROM "occupation" WHERE "local" = true')
    await sync_catalog()  # a test that edited a bundled row gets it back (no-op otherwise)
    await db.run_ddl('DELETE FROM "audit_entry"')  # the sync's own audit entry, if it wrote one
    await db.run_ddl('DELETE FROM "audit_head"')


@pytest.fixture
async def client():
    """An HTTP client on the real app, on the test's own event loop.

    Litestar's AsyncTestClient runs the lifespan in a separate portal thread and loop, which puts the
    asyncpg pool on the wrong loop; so the pool is opened here and httpx talks to the ASGI app directly.
    It asks for English, so that assertions on a problem's `detail` read as the code's author wrote them;
    tests of the Chinese default (tests/server/test_language.py) send their own Accept-Language.
    """
    from server.app import create_app
    from server.db import close_engine, prepare_engine

    await _truncate()
    await prepare_engine()
    transport = httpx.ASGITransport(app=create_app(), client=("127.0.0.1", 40000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                     headers={"Accept-Language": "en"}) as c:
            yield c
    finally:
        await close_engine()


@pytest.fixture
async def world(client) -> World:
    """A small region: 济宁市 with two bureaus, 曲阜市, 泰安市, three schools and people, plus role accounts."""
    return await build_world()


@pytest.fixture
async def competition_world(client) -> World:
    """The world with six students per school, the county, other-city and provincial authorities and their
    organizers: what competitions between levels (county → city → province) need."""
    return await build_competition_world()
