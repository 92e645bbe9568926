"""Issuing's calendar: UTC instants for the records' time stamps, Beijing dates on certificates.

A certificate's 发证日期 is a Beijing date (the signing keys' windows use the same calendar,
:data:`certificates.keystates.ISSUE_TZ`); every ``created_at``/``status_changed_at`` is a UTC instant.
"""

from __future__ import annotations

import datetime as _dt

from certificates.keystates import ISSUE_TZ
from server.errors import InvalidInput


def now() -> _dt.datetime:
    """The current instant (UTC), for time stamps."""
    return _dt.datetime.now(_dt.timezone.utc)


def beijing_today() -> _dt.date:
    """Certificates are dated in Beijing time (the key windows use the same calendar)."""
    return _dt.datetime.now(ISSUE_TZ).date()


def issue_date(given: _dt.date | None, field: str = "issued_on") -> _dt.date:
    """The 发证日期 of a request: the date given (not in the future, not before 2000) or today."""
    today = beijing_today()
    day = given or today
    if day > today:
        raise InvalidInput("The issue date is in the future.", code="future_date", field=field)
    if day.year < 2000:
        raise InvalidInput("The issue date is before 2000.", code="date_out_of_range", field=field)
    return day
