"""Judging: judges mark on tablets through the scoring core (docs/judging.md)."""
