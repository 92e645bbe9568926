"""Accounts tests: sign-in, sessions, tokens, CSRF, rate limits, users and grants (SQLite and PostgreSQL)."""
