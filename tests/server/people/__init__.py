"""People domain tests: graduate record, skill levels, roster import and export (SQLite and PostgreSQL)."""
