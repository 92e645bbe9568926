"""Issuing and verification API (controllers are added by the issuing domain)."""

ROUTES: list = []
