"""A score sheet says what each mark is worth: the aspect's points (its maximum in the criterion score)
beside the judge's scale, and the scheme's rounding. m × points / max per cell, rounded where the
scheme rounds and summed, is what scoring computes when the panel agrees — the tablet's running total."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from tests.server.judging.support import drawn, make_judged_event, mark, post_marks, sheet, staffed

AGREED = {"A1": 2, "A2": "3.5", "B1": 7}  # every judge of a panel gives the same mark


def _worth(aspect: dict, value: str) -> Decimal:
    exact = Fraction(value) * Fraction(aspect["points"]) / Fraction(aspect["max"])
    r = aspect["rounding"]
    assert r["mode"] == "half_up"
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal(1).scaleb(-r["places"]),
                                                                             rounding=ROUND_HALF_UP)


async def test_sheet_aspects_carry_their_points_and_add_up_to_what_scoring_computes(client, world):
    j = await staffed(client, await make_judged_event(client, world))
    await drawn(client, j)
    worth: dict[tuple[str, str], Decimal] = {}
    for name in ("j1", "j2", "j3", "j4", "j5"):
        sheets = (await sheet(client, j, name))["sheets"]
        aspects = {a["id"]: a for s in sheets for a in s["aspects"]}
        assert {(k, a["kind"], a["max"], a["points"]) for k, a in aspects.items()} <= {
            ("A1", "judgement", "3", "6"), ("A2", "measurement", "4", "4"), ("B1", "panel", "10", "10")}
        assert all(a["rounding"] == {"places": 2, "mode": "half_up"} and a["bands"] == [] for a in aspects.values())
        assert all(s["rounding"] is None for s in sheets)  # the scheme rounds aspects and the total only
        cells = [(row["code"], c["aspect"]) for s in sheets for row in s["rows"] for c in row["cells"]]
        await post_marks(client, j, name, *[mark(code, aspect, AGREED[aspect]) for code, aspect in cells])
        for code, aspect in cells:
            worth[(code, aspect)] = _worth(aspects[aspect], str(AGREED[aspect]))
    assert worth[next(k for k in worth if k[1] == "A1")] == Decimal("4.00")  # 6 × 2/3, not the raw 2
    standings = (await client.get(f"{j.base}/standings", headers=j.tokens["chief"])).json()
    assert len(standings) == 3
    for line in standings:
        tablet = sum(v for (code, _), v in worth.items() if code == line["code"])
        assert Decimal(line["total"]) == tablet == Decimal("14.50"), line  # 4 + 3.5 + 7
