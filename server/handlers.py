"""Every domain's in-transaction event handlers (``server.events.on``), registered by importing this module.

Both ways into the service import it — the app (``server.routes``) and the CLI (``server.cli``) — so a
transition run from a command (a demo load, a results recompute, a withdrawal) meets the same handlers as
one run through the API. A domain that adds handlers adds its module here."""

from server.registration import competition_handlers
from server.results import handlers as results_handlers

REGISTERED = (competition_handlers, results_handlers)
