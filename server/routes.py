"""Every domain's controllers, in one list the app mounts."""

from server.accounts.routes import AuthController, UserController
from server.audit.routes import AuditController
from server.organizations.routes import OrganizationController
from server.people.routes import PeopleController

ROUTE_HANDLERS = [
    AuthController,
    UserController,
    OrganizationController,
    PeopleController,
    AuditController,
]
