"""Competitions API (controllers are added by the competitions domain)."""

ROUTES: list = []
