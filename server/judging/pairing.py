"""Pairing a judge's tablet: the chief judge's console shows a one-time code (and its QR); the tablet
trades it for a session of that judge. Codes are 8 characters from an alphabet without look-alikes
(about 10^11 possibilities), expire after ``PAIRING_MINUTES``, work once (a conditional update: two
tablets racing one code cannot both win), and are stored only as SHA-256."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime, timedelta

from certificates.qr import png_bytes
from server.accounts.services import new_session
from server.audit.services import record
from server.config import get_settings
from server.db import write_transaction
from server.errors import InvalidInput, Unauthenticated
from server.judging.context import Context, now
from server.judging.schemas import PairingOut
from server.judging.tables import Pairing, PanelJudge

PAIRING_MINUTES = 10
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def _normalize(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _digest(code: str) -> str:
    return hashlib.sha256(f"jineng-pairing:{_normalize(code)}".encode()).hexdigest()


def pairing_url(code: str) -> str:
    """The QR's text: upper case, so it stays one alphanumeric QR segment (``GET /P/{code}`` redirects)."""
    return f"{get_settings().public_url.upper()}/P/{code}"


async def create(ctx: Context, user_id: int) -> PairingOut:
    ctx.require("chief_judge")
    if not await PanelJudge.exists().where((PanelJudge.event == ctx.event_id) & (PanelJudge.user == user_id)
                                           & (PanelJudge.role == "judge")):
        raise InvalidInput("Only judges of this event's pool pair a tablet.", code="not_a_pool_judge",
                           field="user_id")
    code = "".join(secrets.choice(ALPHABET) for _ in range(8))
    stamp = now()
    expires = stamp + timedelta(minutes=PAIRING_MINUTES)
    async with write_transaction():
        await Pairing.insert(Pairing(event=ctx.event_id, user=user_id, code_hash=_digest(code),
                                     created_by=getattr(ctx.principal, "user_id", None), created_at=stamp,
                                     expires_at=expires))
        await record(ctx.principal, action="judging.pairing_created", object_type="event", object_id=ctx.event_id,
                     after={"user_id": user_id, "expires_at": expires.isoformat()})
    url = pairing_url(code)
    return PairingOut(code=f"{code[:4]}-{code[4:]}", user_id=user_id, event_id=ctx.event_id, expires_at=expires,
                      url=url, qr_png=base64.b64encode(png_bytes(url, box_size=8)).decode())


async def redeem(code: str, kind: str) -> tuple[int, int, str, str, datetime]:
    """(event id, user id, token, CSRF token, expiry) for a valid unused code; one refusal for all else."""
    if len(_normalize(code)) != 8:
        raise Unauthenticated("The pairing code is not valid (or has expired, or was used).", code="pairing_invalid")
    stamp = now()
    async with write_transaction():
        rows = await Pairing.update({Pairing.used_at: stamp}).where(
            (Pairing.code_hash == _digest(code)) & Pairing.used_at.is_null() & (Pairing.expires_at > stamp)
        ).returning(Pairing.event, Pairing.user)
        if not rows:
            raise Unauthenticated("The pairing code is not valid (or has expired, or was used).",
                                  code="pairing_invalid")
        expires = stamp + timedelta(hours=get_settings().session_hours)
        token, csrf = await new_session(rows[0]["user"], kind, expires, f"tablet of event {rows[0]['event']}")
        await record(None, action="judging.tablet_paired", object_type="event", object_id=rows[0]["event"],
                     after={"user_id": rows[0]["user"]})
    return rows[0]["event"], rows[0]["user"], token, csrf, expires
