"""Every domain's controllers, in one list the app mounts."""

from server.accounts.routes import AuthController, UserController
from server.audit.routes import AuditController
from server.catalog.routes import ROUTES as CATALOG_ROUTES
from server.competitions.routes import ROUTES as COMPETITION_ROUTES
from server.issuing.routes import ROUTES as ISSUING_ROUTES
from server.organizations.routes import OrganizationController
from server.people.routes import PeopleController
from server.registration.routes import ROUTES as REGISTRATION_ROUTES

ROUTE_HANDLERS = [
    AuthController,
    UserController,
    OrganizationController,
    PeopleController,
    AuditController,
    *CATALOG_ROUTES,
    *COMPETITION_ROUTES,
    *REGISTRATION_ROUTES,
    *ISSUING_ROUTES,
]
