"""Audit tests: the hash chain, its verification and its signed checkpoints (SQLite and PostgreSQL)."""
