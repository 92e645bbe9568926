"""Migrations of the issuing domain (auto-generated tables, then hand-written indexes)."""
