"""Signing in: the password check behind three limits that hold under concurrency and across workers.

Every attempt first *reserves* its place, in one short write transaction that counts the address's
recent failures and inserts the attempt as *pending* (PostgreSQL: under the advisory lock of the
caller's address, ``locks.rate_limit("login", address)``; SQLite: the serialized writer). A pending
attempt counts as a failure-to-be: when the failures plus the pending attempts would pass a limit, the
attempt waits (without writing) for the pending checks to end, and is refused as soon as the failures
alone reach the limit. Only then is the password checked, and the row becomes a failure or a success.
So of a burst of any size at most the allowed number of passwords are checked, while many correct
sign-ins at once (a school's lab behind one address) all go through.

The limits (``JINENG_LOGIN_ATTEMPTS`` = N failures, ``JINENG_LOGIN_WINDOW`` seconds):

* **per account and address**: N failures of one account from one address in the window, then 429
  ``login_rate_limited`` for that pair only (the attacker's address, not the account);
* **per address**: 5 × N failures from one address over all accounts, then 429 for that address;
* **per account, from anywhere — a brake, never a lock**: once an account has N failures in the window
  (from any number of addresses), every further attempt on it waits before its password is checked,
  ``JINENG_LOGIN_BRAKE_BASE`` seconds (default 0.5) doubling with each further failure up to
  ``JINENG_LOGIN_BRAKE_MAX`` (default 8). The wait is an ``asyncio.sleep`` after the reservation
  committed: no database lock is held and the event loop keeps serving. The real user at another address
  still signs in, a few seconds late; an attacker spread over many addresses is slowed on every guess.

A wrong username and a wrong password take the same path (the username's attempts are counted even
when no such account exists) and get the same answer. The password hash is checked in a thread
(argon2 takes tens of milliseconds, which the event loop must not wait for).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from datetime import datetime, timedelta, timezone

from server import locks
from server.accounts.passwords import verify_password
from server.accounts.tables import LoginAttempt, User
from server.config import get_settings
from server.db import lock_key, write_transaction
from server.errors import RateLimited, Unauthenticated

ADDRESS_FACTOR = 5  # failures from one address over all accounts: this many times the per-pair limit


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _seconds(name: str, default: float) -> float:
    try:
        return max(0.0, float(os.environ.get(name, default)))
    except ValueError:
        return default


def brake_seconds(account_failures: int, limit: int) -> float:
    """The wait before checking a password of an account with ``account_failures`` recent failures (from
    any address): none below the limit, then the base doubling per further failure, up to the maximum."""
    if account_failures < limit:
        return 0.0
    base = _seconds("JINENG_LOGIN_BRAKE_BASE", 0.5)
    cap = _seconds("JINENG_LOGIN_BRAKE_MAX", 8.0)
    return min(cap, base * 2 ** min(account_failures - limit, 20))


async def _sleep(seconds: float) -> None:  # one place, so tests can see the brake without waiting for it
    await asyncio.sleep(seconds)


PENDING_SECONDS = 30  # an attempt still pending after this long (its worker died mid-check) is a failure
WAIT_SECONDS = 10  # how long an attempt waits for others' checks to end before it gives up (429)


def _refused(settings, why: str) -> RateLimited:
    return RateLimited(why, code="login_rate_limited", extra={"retry_after_seconds": settings.login_window_seconds})


async def _recent(remote: str, since: datetime, fresh: datetime) -> tuple[list[str], list[str]]:
    """Usernames of this address's recent failures and of its attempts still being checked."""
    rows = await LoginAttempt.select(LoginAttempt.username, LoginAttempt.pending, LoginAttempt.at).where(
        (LoginAttempt.remote == remote) & (LoginAttempt.success == False) & (LoginAttempt.at > since))  # noqa: E712
    failed = [r["username"] for r in rows if not r["pending"] or r["at"] <= fresh]
    pending = [r["username"] for r in rows if r["pending"] and r["at"] > fresh]
    return failed, pending


async def reserve_attempt(username: str, remote: str) -> tuple[int, float]:
    """Record this attempt as pending, unless the failures (and the attempts still being checked, which
    may all fail) already reach a limit; 429 when the failures alone do. Returns (the attempt's id, the
    brake's wait in seconds).

    When only the pending attempts stand in the way (many correct sign-ins at once from one office), this
    one waits for them to end rather than being refused: the limits count failures, never successes."""
    settings = get_settings()
    limit = settings.login_attempts_per_window
    key, remote = username.lower()[:80], remote[:64]
    pause, waited = 0.02, 0.0
    while True:
        at = _now()
        since = at - timedelta(seconds=settings.login_window_seconds)
        fresh = at - timedelta(seconds=PENDING_SECONDS)
        failed, pending = await _recent(remote, since, fresh)  # a read first: waiting writes nothing
        room = _room(key, failed, pending, limit, settings)
        if room:
            async with write_transaction():
                await lock_key(locks.rate_limit("login", remote))
                failed, pending = await _recent(remote, since, fresh)
                room = _room(key, failed, pending, limit, settings)
                if room:
                    by_account = await LoginAttempt.count().where(
                        (LoginAttempt.username == key) & (LoginAttempt.success == False)  # noqa: E712
                        & (LoginAttempt.at > since) & ((LoginAttempt.pending == False) | (LoginAttempt.at <= fresh)))  # noqa: E712
                    rows = await LoginAttempt.insert(LoginAttempt(
                        username=key, remote=remote, success=False, pending=True, at=at)).returning(LoginAttempt.id)
                    if secrets.randbelow(100) == 0:  # keep the table small: the counts look back one window
                        await LoginAttempt.delete().where(LoginAttempt.at < at - timedelta(days=2))
                    return rows[0]["id"], brake_seconds(by_account, limit)
        if waited >= WAIT_SECONDS:
            raise _refused(settings, "Too many sign-in attempts at once from this address. Try again in a moment.")
        await asyncio.sleep(pause)
        waited += pause
        pause = min(pause * 2, 0.5)


def _room(key: str, failed: list[str], pending: list[str], limit: int, settings) -> bool:
    """True when this attempt fits even if every pending one fails; 429 when the failures alone are over
    a limit; False when it must wait for pending checks to end."""
    pair_failed, pair_pending = failed.count(key), pending.count(key)
    if pair_failed >= limit or len(failed) >= limit * ADDRESS_FACTOR:
        raise _refused(settings, "Too many failed sign-in attempts from this address. Wait a few minutes and "
                                 "try again.")
    return pair_failed + pair_pending < limit and len(failed) + len(pending) < limit * ADDRESS_FACTOR


async def check_password(username: str, password: str, *, remote: str) -> dict:
    """The active user whose password this is, or 401 ``invalid_credentials`` (the same for an unknown
    user); 429 ``login_rate_limited`` before any check when a limit is reached."""
    attempt_id, wait = await reserve_attempt(username, remote)
    if wait:
        await _sleep(wait)
    user = await User.select().where(User.username == username).first()
    ok = await asyncio.to_thread(verify_password, user["password_hash"] if user else None, password)
    ok = ok and bool(user and user["active"])
    async with write_transaction():
        await LoginAttempt.update({LoginAttempt.success: ok, LoginAttempt.pending: False}).where(
            LoginAttempt.id == attempt_id)
    if not ok:
        raise Unauthenticated("Wrong username or password.", code="invalid_credentials")
    return user  # type: ignore[return-value]
