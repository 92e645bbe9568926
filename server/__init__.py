"""Jineng server: the stateful, networked room (Litestar app, Piccolo tables, auth, routes, CLI).

Piccolo finds its configuration through ``PICCOLO_CONF``; it is set here, before any table is touched,
so that every entry point (app, CLI, tests) resolves the same engine.
"""

import os

os.environ.setdefault("PICCOLO_CONF", "server.piccolo_conf")
