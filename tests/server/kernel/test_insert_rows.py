"""Bulk inserts respect the drivers' bound-parameter limit (server/db.py insert_rows): a sealed draw of a
large event writes tens of thousands of seats, more parameters than one statement may carry on
PostgreSQL (32,767) — it was a 500 there."""

from __future__ import annotations

from datetime import datetime, timezone

from server.accounts.tables import LoginAttempt
from server.db import MAX_PARAMETERS, insert_rows, write_transaction


async def test_rows_beyond_one_statements_parameters_are_all_inserted(client):
    columns = len(LoginAttempt._meta.columns)
    count = 32_767 // columns + 7  # more than one statement could carry on either engine
    assert count * columns > 32_767 and count > 2 * (MAX_PARAMETERS // columns)  # several statements here
    at = datetime(2026, 12, 4, tzinfo=timezone.utc)
    async with write_transaction():
        await insert_rows(LoginAttempt, [LoginAttempt(username=f"u{i}", remote="127.0.0.1", at=at)
                                         for i in range(count)])
    assert await LoginAttempt.count() == count
    assert await LoginAttempt.count().where(LoginAttempt.username == f"u{count - 1}") == 1
