"""Every domain's controllers, in one list the app mounts, and every domain's in-transaction event
handlers (``server.events.on``), registered by importing ``server.handlers``."""

import server.handlers  # noqa: F401  (registers every domain's event handlers)
from server.accounts.routes import AuthController, UserController
from server.audit.routes import AuditController
from server.catalog.routes import ROUTES as CATALOG_ROUTES
from server.competitions.routes import ROUTES as COMPETITION_ROUTES
from server.issuing.routes import ROUTES as ISSUING_ROUTES
from server.judging.routes import ROUTES as JUDGING_ROUTES
from server.live.routes import ROUTES as LIVE_ROUTES
from server.organizations.routes import OrganizationController
from server.people.routes import PeopleController
from server.registration.routes import ROUTES as REGISTRATION_ROUTES
from server.results.routes import ROUTES as RESULTS_ROUTES

ROUTE_HANDLERS = [
    AuthController,
    UserController,
    OrganizationController,
    PeopleController,
    AuditController,
    *CATALOG_ROUTES,
    *COMPETITION_ROUTES,
    *REGISTRATION_ROUTES,
    *JUDGING_ROUTES,
    *RESULTS_ROUTES,
    *ISSUING_ROUTES,
    *LIVE_ROUTES,
]
