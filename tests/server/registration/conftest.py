"""Fixture ``reg``: the test world plus a city competition open for registration, with an individual and
a team event, more students and teachers per school, and signed-in tokens."""

import pytest

from tests.server.registration.support import Reg, build


@pytest.fixture
async def reg(client, world) -> Reg:
    return await build(client, world)
