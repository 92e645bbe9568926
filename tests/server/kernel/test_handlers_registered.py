"""The CLI and the app meet the same in-transaction event handlers (server/handlers.py): a transition run
from a command (a demo load, a results recompute) must not skip what the API would run."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import {module}
from server import events
for topic in ("competition.deleting", "event.deleting", "competition.entering", "registration.entry_withdrawn"):
    print(topic, ",".join(sorted(f"{{h.__module__}}.{{h.__name__}}" for h in events.handlers(topic))))
"""


def _registered(module: str) -> dict[str, str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True,
                         timeout=120, check=True)
    return dict(line.split(" ", 1) for line in out.stdout.strip().splitlines())


def test_the_cli_registers_the_handlers_the_app_does():
    app, cli = _registered("server.routes"), _registered("server.cli")
    assert cli == app
    assert all(app.values()), app  # every topic above has its handler in both
    assert "server.results.handlers" in app["registration.entry_withdrawn"]
