"""A judged event for the browser journeys, built through the API as the people of the demo would: the
organizer (jn-edu) makes a city competition with one small event (a 0–3 judgement aspect for three
judges and a measured aspect), three schools' coordinators enter one student each, the organizer
approves them, creates the journey's own judge accounts (so each journey's judges see only its event),
puts them and the demo chief judge, encryption officer and supervisor in the pool, assigns the
suggested panels; the encryption officer checks everyone in and makes the draw; the chief judge opens
marking. Mirrors tests/server/judging/support.py, over HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import httpx

from tests.browser.conftest import PASSWORD, Server

PASSPHRASE = "锁在信封里的口令 2026"
SCHEME = {
    "format": "jineng.scheme/1", "id": "browser-judged", "name": "电工 现场评分（浏览器测试）",
    "criteria": [{"id": "A", "name": "模块A 工艺", "aspects": [
        {"kind": "judgement", "id": "A1", "name": "布线工艺", "max": "6", "judges": 3},
        {"kind": "measurement", "id": "A2", "name": "安全规范", "max": "4"},
    ]}],
    "rounding": {"aspect": {"places": 2, "mode": "half_up"}, "total": {"places": 2, "mode": "half_up"}},
}
SCHOOLS = ("school-01", "school-02", "school-03")


@dataclass
class JudgedEvent:
    server: Server
    competition: int
    event: int
    entries: list[int]
    judges: dict[str, int]  # username → user id (judge 1 sits on A1 and A2, 2 and 3 on A1)
    names: list[str] = field(default_factory=list)  # the competitors' names (never on a board before publication)
    schools: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"/api/judging/events/{self.event}"

    def client(self, username: str) -> httpx.Client:
        return self.server.client(username)

    def judge(self, n: int) -> str:
        return list(self.judges)[n - 1]

    def codes(self) -> list[str]:
        sheets = self.client(self.judge(1)).get(f"{self.base}/sheets").json()
        return [row["code"] for row in sheets["sheets"][0]["rows"]]

    def mark(self, username: str, code: str, aspect: str, value, *, round: int = 1, corrects: int | None = None) -> dict:
        body = {"key": uuid.uuid4().hex, "code": code, "aspect": aspect, "value": str(value), "round": round}
        if corrects:
            body["corrects"] = corrects
        r = self.client(username).post(f"{self.base}/marks", json={"marks": [body]})
        assert r.status_code == 200, r.text
        return r.json()

    def export(self) -> dict:
        r = self.client("chief-judge").get(f"{self.base}/marks/export")
        assert r.status_code == 200, r.text
        return r.json()

    def mark_all(self, values: dict[str, tuple]) -> None:
        """Every cell: values[code] = (judge 1's, judge 2's, judge 3's A1 mark, judge 1's A2 mark)."""
        for code, (a, b, c, measured) in values.items():
            for n, value in ((1, a), (2, b), (3, c)):
                self.mark(self.judge(n), code, "A1", value)
            self.mark(self.judge(1), code, "A2", measured)

    def sign_off_all(self) -> None:
        for username in self.judges:
            r = self.client(username).post(f"{self.base}/signoff/A")
            assert r.status_code == 204, r.text

    def pairing_code(self, username: str) -> str:
        r = self.client("chief-judge").post(f"{self.base}/pairings", json={"user_id": self.judges[username]})
        assert r.status_code == 201, r.text
        return r.json()["code"]


def _ok(r: httpx.Response, status: int = 200) -> dict:
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    return r.json() if r.content else {}


def judged_event(server: Server, tag: str, *, open_marking: bool = True, settings: dict | None = None,
                 running: bool = False, staffed: bool = True) -> JudgedEvent:
    """A new judged event; `tag` names the journey (its judges are tag-j1, tag-j2, tag-j3). `running`: the
    competition moves on to running once the entries are approved (results are computed while it runs).
    `staffed=False` stops before the pool: the journey sets up judging itself."""
    org = server.client("jn-edu")
    authority = _ok(org.get("/api/auth/me"))["grants"][0]["organization_id"]
    suffix = uuid.uuid4().hex[:6]
    competition = _ok(org.post("/api/competitions", json={
        "name": f"2026年济宁市评分演练（{tag} {suffix}）", "level": "city", "year": 2026,
        "organizers": [{"organization_id": authority, "role": "host"}]}), 201)["id"]
    now = datetime.now(timezone.utc)
    event = _ok(org.post(f"/api/competitions/{competition}/events", json={
        "code": "DG", "name": "电工", "occupation_code": "6-31-01-03", "scheme": SCHEME,
        "registration_opens": (now - timedelta(hours=1)).isoformat(),
        "registration_closes": (now + timedelta(days=2)).isoformat()}), 201)["id"]
    _ok(org.post(f"/api/competitions/{competition}/transitions", json={"to": "registration_open"}))
    entries, names, schools = [], [], []
    for school in SCHOOLS:
        coordinator = server.client(school)
        grant = _ok(coordinator.get("/api/auth/me"))["grants"][0]
        people = _ok(coordinator.get("/api/people", params={"school_id": grant["organization_id"], "status": "student",
                                                            "limit": 100}))["items"]
        for person in people:
            r = coordinator.post("/api/entries", json={"event_id": event, "members": [{"person_id": person["id"]}]})
            if r.status_code != 201:
                continue
            entry = r.json()["id"]
            if coordinator.post(f"/api/entries/{entry}/submit", json={}).status_code == 200:
                entries.append(entry)
                names.append(person["name"])
                schools.append(grant["organization_name"])
                break
        else:
            raise AssertionError(f"no student of {school} could enter")
    for entry in entries:
        _ok(org.post(f"/api/review/{entry}/approve", json={}))
    if running:
        for status in ("registration_closed", "running"):
            _ok(org.post(f"/api/competitions/{competition}/transitions", json={"to": status}))
    judges = {}
    for n in (1, 2, 3):
        username = f"{tag}-j{n}-{suffix}"
        judges[username] = _ok(org.post("/api/users", json={
            "username": username, "display_name": f"裁判 {tag} {n} 号", "password": PASSWORD,
            "grants": [{"role": "judge", "competition_id": competition}]}), 201)["id"]
    users = {u["username"]: u["id"] for u in _ok(org.get("/api/users"))}
    j = JudgedEvent(server, competition, event, entries, judges, names, schools)
    base = j.base
    if not staffed:
        return j
    if settings:
        _ok(org.patch(f"{base}/settings", json=settings))
    for username in judges:
        _ok(org.post(f"{base}/pool", json={"user_id": judges[username], "role": "judge"}), 201)
    for username, role in (("chief-judge", "chief_judge"), ("encryption", "encryption_officer"), ("supervisor", "supervisor")):
        _ok(org.post(f"{base}/pool", json={"user_id": users[username], "role": role}), 201)
    j1, j2, j3 = judges.values()
    for user, aspect in ((j1, "A1"), (j2, "A1"), (j3, "A1"), (j1, "A2")):
        _ok(org.post(f"{base}/assignments", json={"user_id": user, "criterion": "A", "aspect": aspect}), 201)
    enc = server.client("encryption")
    _ok(enc.post(f"{base}/checkin", json=[{"entry_id": e, "present": True} for e in entries]))
    _ok(enc.post(f"{base}/draw", json={"passphrase": PASSPHRASE}), 201)
    if open_marking:
        _ok(server.client("chief-judge").post(f"{base}/open"))
    return j
