"""Audit log: append-only, hash-chained entries written in the same transaction as each change."""
