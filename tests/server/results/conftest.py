"""The results tests use the competitions tests' world: the shared one plus the second bureau's organizer,
a county authority and an organizer of another city; six students per school."""

from tests.server.competitions.conftest import world  # noqa: F401  (the fixture, not a copy of it)
