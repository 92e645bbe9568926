"""The former name of tests/server/factories.py, kept only while tests/server/judging/support.py and
tests/server/live/support.py still import it (their owners move them to ``tests.server.factories``);
nothing else may import it, and it goes when they do."""

from tests.server.factories import PASSWORD, World, build_world, token_for  # noqa: F401
