"""``can_manage`` on a competition as the signed-in caller reads it: true for admins and the organizers
whose grant covers an organizing authority, false for everyone else (what the console offers)."""

from __future__ import annotations

from tests.server.competitions.helpers import create_competition
from tests.server.factories import token_for


async def test_can_manage_says_whether_the_reader_organizes_the_competition(client, competition_world):
    admin = await token_for(client, "admin")
    made = await create_competition(client, admin, competition_world)
    assert made["can_manage"] is True
    for name, expected in (("admin", True), ("organizer", True), ("hrss_organizer", True),
                           ("other_organizer", False), ("coord_a", False), ("judge", False), ("graduate", False)):
        headers = await token_for(client, name)
        one = await client.get(f"/api/competitions/{made['id']}", headers=headers)
        assert one.status_code == 200, (name, one.text)
        assert one.json()["can_manage"] is expected, name
        listed = {c["id"]: c for c in (await client.get("/api/competitions", headers=headers)).json()}
        assert listed[made["id"]]["can_manage"] is expected, name


async def test_changes_answer_with_can_manage_for_the_organizer(client, competition_world):
    edu = await token_for(client, "organizer")
    made = await create_competition(client, edu, competition_world)
    assert made["can_manage"] is True
    patched = await client.patch(f"/api/competitions/{made['id']}", headers=edu, json={"description": "说明"})
    assert patched.status_code == 200 and patched.json()["can_manage"] is True
