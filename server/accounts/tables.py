"""Account tables. Tokens are stored only as SHA-256 digests: a database leak yields no usable session."""

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from server.organizations.tables import Organization


class User(Table, tablename="app_user"):
    username = Varchar(length=80, unique=True)
    display_name = Varchar(length=120)
    password_hash = Varchar(length=300)
    active = Boolean(default=True)
    # set for graduates: the person record (people.Person id) whose data this account may see
    person_id = Integer(null=True, default=None, index=True)
    created_at = Timestamptz()
    password_changed_at = Timestamptz()


class RoleGrant(Table, tablename="role_grant"):
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    # admin | organizer | school_coordinator | judge | chief_judge | encryption_officer | supervisor | graduate
    role = Varchar(length=30)
    # scope: an organization subtree (authorities cover their region's subtree) ...
    organization = ForeignKey(Organization, null=True, default=None, on_delete=OnDelete.cascade)
    # ... or one competition (competitions.Competition id)
    competition_id = Integer(null=True, default=None, index=True)
    granted_by = Integer(null=True, default=None)
    created_at = Timestamptz()


class AuthSession(Table, tablename="auth_session"):
    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    # cookie (browser session, CSRF-protected) | bearer (API token)
    kind = Varchar(length=10)
    label = Varchar(length=100, default="")
    csrf_token = Varchar(length=64, default="")
    created_at = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class LoginAttempt(Table, tablename="login_attempt"):
    """One sign-in attempt, recorded *before* its password is checked (``server.accounts.signin``):
    ``pending`` until the check ends, then a failure or a success."""

    username = Varchar(length=80, index=True)
    remote = Varchar(length=64, index=True)
    success = Boolean(default=False)
    pending = Boolean(default=False)
    at = Timestamptz(index=True)
