"""The in-transaction handlers the competitions domain relies on are registered once the app exists
(docs/architecture.md: upstream domains emit, downstream domains handle; server/routes.py imports them)."""

from __future__ import annotations

from server import events
from server.app import create_app


def _names(topic: str) -> set[str]:
    return {f"{h.__module__}.{h.__name__}" for h in events.handlers(topic)}


def test_the_handlers_competitions_and_registration_rely_on_are_registered():
    create_app()
    assert "server.results.handlers.publish_with_the_competition" in _names("competition.entering")
    assert "server.registration.competition_handlers.keep_competition_with_entries" in _names("competition.deleting")
    assert "server.registration.competition_handlers.keep_event_with_entries" in _names("event.deleting")
    assert "server.results.handlers.replace_withdrawn_qualifier" in _names("registration.entry_withdrawn")


def test_each_handler_is_registered_once():
    create_app()
    create_app()
    for topic in ("competition.entering", "competition.deleting", "event.deleting", "registration.entry_withdrawn"):
        found = events.handlers(topic)
        assert len(found) == len(set(found)), topic
