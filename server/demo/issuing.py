"""Demo certificates: keys, skill-level certificates for a few graduates, award certificates (with
promotions) from the demo county competition's published results, one revoked and one superseded.

Everything goes through the issuing services (``server.issuing.single``, ``.status``,
``.from_results``), so numbers, signatures, graduate records and the audit log are real. PDFs are not
rendered here (they render on download), so the demo loads in a moment. The demo ``graduate`` account's
person gets a skill-level certificate and, where the county results gave one, an award.
"""

from __future__ import annotations

from server.accounts.tables import User
from server.errors import InvalidInput
from server.issuing import keyring
from server.issuing.from_results import issue_from_results
from server.issuing.schemas import ResultsIssueIn, SkillLevelIssueIn, SupersedeIn
from server.issuing.single import issue_skill_level
from server.issuing.status import change_status, supersede
from server.people.tables import Person

# (occupation code, work type, level) for the first few graduates, in order
PASSES = [
    ("6-31-01-03", "", 4),
    ("4-12-01-01", "", 4),
    ("6-18-02-04", "电焊工", 3),
    ("6-31-01-03", "", 5),
    ("4-12-01-01", "", 5),
    ("6-18-02-04", "电焊工", 4),
]


async def load(ids: dict[str, int]) -> dict[str, int]:
    keyring.ensure_keys()
    issuer = ids["jn_hrss"]
    graduate = await User.select(User.person_id).where(User.username == "graduate").first()
    first = [graduate["person_id"]] if graduate and graduate["person_id"] else []
    rows = await Person.select(Person.id, Person.name).where(Person.status == "graduate").order_by(Person.id).limit(20)
    people = {r["id"]: r["name"] for r in rows}
    order = first + [pid for pid in people if pid not in first]
    made = []
    for pid, (code, work_type, level) in zip(order, PASSES):
        out = await issue_skill_level(None, SkillLevelIssueIn(
            name=people.get(pid) or (await Person.select(Person.name).where(Person.id == pid).first())["name"],
            occupation_code=code, work_type=work_type, level=level, issuer_id=issuer, person_id=pid))
        made.append(out)
    counts = {"certificates": len(made), "certificates_revoked": 0, "certificates_superseded": 0}
    if len(made) >= 3:
        await change_status(None, made[-1].id, "revoke", "演示：考核材料不实，证书撤销")
        counts["certificates_revoked"] = 1
        await supersede(None, made[-2].id, SupersedeIn(reason="演示：等级录入错误，更正为三级", level=3))
        counts["certificates_superseded"] = 1
        counts["certificates"] += 1
    # award certificates (and promotions) from the county competition's published results, if it exists
    for key, event_id in sorted(ids.items()):
        if not key.startswith("event_county_"):
            continue
        try:
            batch = await issue_from_results(None, ResultsIssueIn(event_id=event_id))
        except InvalidInput as exc:
            if exc.code == "results_required":  # this event's results are not published
                continue
            raise
        counts["certificates"] += batch.certificate_count
    return counts
