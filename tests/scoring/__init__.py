"""Tests of the scoring core (scoring/): pure functions, no server, no database."""
