"""Issuing: certificate records, signing keys' use, status, verification routes."""
