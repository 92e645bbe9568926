"""Helpers for hand-written migration steps that Piccolo's auto migrations cannot express.

**Handing a table to another domain.** Each domain is its own Piccolo app, and a Piccolo app's
migrations describe the tables it owns. When a table moves to another domain (the occupation catalog and
the results tables did, see docs/architecture.md), the data must stay where it is, on both engines:

- the old owner's migration *releases* the table: ``ReleasingMigrationManager.drop_table`` records the
  drop in the old app's migration history (so its auto migrations stop describing the table) without
  running any SQL;
- the new owner's first migration *adopts* it: ``AdoptingMigrationManager.add_table`` with the table's
  columns creates it with ``CREATE TABLE IF NOT EXISTS`` (and ``IF NOT EXISTS`` indexes), so an existing
  database keeps its rows and a fresh one gets the table.

The new owner's app runs after the old one (``migration_dependencies``), so on a fresh database the old
owner's first migrations still create the table exactly as they always did.
"""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.query.methods.create import Create


class AdoptingMigrationManager(MigrationManager):
    """``add_table`` creates the table only if it does not exist yet (a table handed over, see above)."""

    async def _run_query(self, query):
        if isinstance(query, Create):
            query.if_not_exists = True
        return await super()._run_query(query)

    async def _run_add_tables(self, backwards: bool = False):
        if backwards:  # rolling back an adoption hands the table back: its data stays
            return
        await super()._run_add_tables(backwards=False)


class ReleasingMigrationManager(MigrationManager):
    """``drop_table`` only records that this app no longer owns the table; no SQL runs either way."""

    async def _run_drop_tables(self, backwards: bool = False):
        return
