"""Fixtures of the competitions tests: the shared world plus the second bureau's organizer, a county
authority and an organizer of another city; six students per school."""

from __future__ import annotations

import pytest

from server.accounts.schemas import GrantIn, UserIn
from server.accounts.services import create_user
from server.organizations import services as orgs
from server.organizations.schemas import OrganizationIn
from tests.server.helpers import PASSWORD, World, build_world


@pytest.fixture
async def world(client) -> World:
    w = await build_world(students_per_school=6)

    async def org(key, name, kind, level, parent, **extra):
        out = await orgs.create(None, OrganizationIn(name=name, kind=kind, level=level, parent_id=w.orgs[parent],
                                                     **extra))
        w.orgs[key] = out.id

    await org("county_edu", "曲阜市教育局", "authority", "county", "county", bureau="education")
    await org("other_edu", "泰安市教育局", "authority", "city", "other_city", bureau="education")
    await org("sd_edu", "山东省教育厅", "authority", "province", "province", bureau="education")
    await org("sd_hrss", "山东省人力资源和社会保障厅", "authority", "province", "province", bureau="human_resources")

    async def user(name, *grants):
        out = await create_user(None, UserIn(username=name, display_name=name, password=PASSWORD, grants=list(grants)))
        w.users[name] = out.id

    await user("hrss_organizer", GrantIn(role="organizer", organization_id=w.orgs["hrss"]))
    await user("other_organizer", GrantIn(role="organizer", organization_id=w.orgs["other_edu"]))
    await user("province_organizer", GrantIn(role="organizer", organization_id=w.orgs["sd_edu"]))
    return w
