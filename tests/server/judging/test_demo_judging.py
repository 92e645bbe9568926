"""The demo's judged event: marking under way, one open tolerance ticket, module A signed where it can
be, codes sealed (nothing links a code to an entry), and the chief judge sees it through the API."""

from __future__ import annotations

from server.demo.judging import DEMO_PASSPHRASE
from server.demo.loader import DEMO_PASSWORD, load_demo
from server.judging.tables import Code, JudgingEvent, SignOff, Ticket


async def test_the_demo_has_a_judged_event_in_progress(client):
    made = await load_demo()
    assert made["judged_events"] == 1 and made["open_tickets"] == 1 and made["marks"] > 40
    judging = await JudgingEvent.select().where(JudgingEvent.status == "marking").first()
    assert judging is not None and judging["sealed"]
    codes = await Code.select().where(Code.event == judging["event"])
    assert len(codes) == 7 and all(c["entry"] is None and c["draw_number"] is None for c in codes)
    assert await SignOff.count().where(SignOff.event == judging["event"]) >= 1
    assert await Ticket.count().where((Ticket.event == judging["event"]) & (Ticket.status == "open")) == 1
    login = await client.post("/api/auth/login", json={"username": "chief-judge", "password": DEMO_PASSWORD,
                                                       "mode": "token"})
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    base = f"/api/judging/events/{judging['event']}"
    progress = (await client.get(f"{base}/progress", headers=headers)).json()
    assert progress["criteria"]["A"]["marked"] == progress["criteria"]["A"]["cells"]
    assert progress["open_tickets"] == 1
    tickets = (await client.get(f"{base}/tickets?status=open", headers=headers)).json()
    assert tickets[0]["kind"] == "remark" and tickets[0]["aspect"] == "A1"
    enc = await client.post("/api/auth/login", json={"username": "encryption", "password": DEMO_PASSWORD,
                                                     "mode": "token"})
    pdf = await client.post(f"{base}/mapping.pdf", headers={"Authorization": f"Bearer {enc.json()['token']}"},
                            json={"passphrase": DEMO_PASSPHRASE})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
