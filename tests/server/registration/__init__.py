"""Registration domain tests: entries, review, eligibility, quota race, Excel (SQLite and PostgreSQL)."""
