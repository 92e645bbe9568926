"""Batch inserts for imports: one multi-row ``INSERT ... VALUES (...), (...)`` per few thousand values,
without building an ORM object per row (which costs more than the database work for large files).

Runs inside the caller's ``write_transaction()`` (Piccolo's raw queries join the current transaction);
values go through the same driver adapters as ORM queries, so rows read back identically. Columns not
named take their database defaults.
"""

from __future__ import annotations

from typing import Any, Sequence

from piccolo.table import Table

# both engines bind at most 32,766 parameters per statement (SQLite ≥ 3.32, PostgreSQL's 32,767); a
# statement is built on the event loop (Piccolo compiles its parameters in Python), so each is kept to a
# few thousand values and the loop serves other requests between them
MAX_PARAMETERS = 6_000


async def bulk_insert(table: type[Table], columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                      returning: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Insert ``rows`` (tuples in ``columns`` order) and return the ``returning`` columns of the new rows.

    SQL does not promise that RETURNING follows the VALUES order, so callers that must pair new ids with
    their input return a distinguishing column too and match on it."""
    if not rows:
        return []
    names = ", ".join(f'"{c}"' for c in columns)
    placeholder = "(" + ", ".join(["{}"] * len(columns)) + ")"
    per_statement = max(1, MAX_PARAMETERS // len(columns))
    out: list[dict[str, Any]] = []
    back = ", ".join(f'"{c}"' for c in returning)
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        sql = (f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES ' + ", ".join([placeholder] * len(chunk))
               + (f" RETURNING {back}" if returning else ""))
        result = await table.raw(sql, *[v for row in chunk for v in row])
        if returning:
            out.extend(result)
    return out
