"""Accounts: users, scoped role grants, browser sessions and bearer tokens, login rate limiting."""
