"""Who may do what: one table of action -> roles, and the checks every store operation makes first.

The roles are a fixed, ordered set (owner > user_admin > helpdesk > auditor). Each action names the roles
that may perform it; `require(actor, action)` is called at the top of every store operation that takes an
actor, so the store is the gate and the consoles and the CLI only *hide* what a role cannot do (they ask
`allowed(actor, action)`). Refusals read "<role> may not <what>", the same everywhere.

Actors that are not admins: the local owner (the OS account that can read the database and its key, which
could do everything anyway) has the owner role; `system` actors are trusted in-process code (demo builder,
notifications); `self-service` actors are end users acting on their own record through store/selfservice.py,
which scopes every operation to the signed-in user's id, so admin roles do not apply to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import PermissionDenied

if TYPE_CHECKING:
    from sqlmodel import Session

    from .audit import Actor
    from .db import Database
    from .models import User

OWNER, USER_ADMIN, HELPDESK, AUDITOR = "owner", "user_admin", "helpdesk", "auditor"
ROLES: tuple[str, ...] = (OWNER, USER_ADMIN, HELPDESK, AUDITOR)  # highest first
RANK = {role: len(ROLES) - i for i, role in enumerate(ROLES)}

ALL = frozenset(ROLES)
MANAGERS = frozenset({OWNER, USER_ADMIN})
SUPPORT = frozenset({OWNER, USER_ADMIN, HELPDESK})
READERS_OF_EVERYTHING = frozenset({OWNER, USER_ADMIN, AUDITOR})

# action -> (what the refusal calls it, roles that may do it)
ACTIONS: dict[str, tuple[str, frozenset[str]]] = {
    # reading
    "users.read": ("read users", ALL),
    "history.read": ("read login history", ALL),
    "sessions.read": ("read sessions", ALL),
    "access.read": ("read apps and groups", ALL),
    "fields.read": ("read custom field definitions", ALL),
    "audit.read": ("read the audit log", READERS_OF_EVERYTHING),
    "admins.read": ("list admins", frozenset({OWNER, AUDITOR})),
    "export": ("export users", READERS_OF_EVERYTHING),
    # helpdesk work
    "users.unlock": ("unlock users", SUPPORT),
    "users.temporary_password": ("set temporary passwords", SUPPORT),
    "mfa.reset": ("reset MFA", SUPPORT),
    "sessions.revoke": ("revoke sessions", SUPPORT),
    "users.send_code": ("verify addresses by a code", SUPPORT),
    # user administration
    "users.create": ("create users", MANAGERS),
    "users.edit": ("edit users", MANAGERS),
    "users.disable": ("disable users", MANAGERS),
    "users.enable": ("enable users", MANAGERS),
    "users.archive": ("archive users", MANAGERS),
    "users.delete": ("delete users", MANAGERS),
    "users.set_password": ("set passwords that need not be changed", MANAGERS),
    "users.verify": ("mark addresses verified", MANAGERS),
    "mfa.enroll": ("enrol MFA for users", MANAGERS),
    "custom.set": ("edit custom data", MANAGERS),
    "fields.define": ("define custom fields", MANAGERS),
    "groups.manage": ("manage groups", MANAGERS),
    "apps.manage": ("manage apps and app rules", MANAGERS),
    "identities.manage": ("link or unlink identities", MANAGERS),
    "import": ("import users", MANAGERS),
    # owner only
    "admins.manage": ("manage admins and admin keys", frozenset({OWNER})),
    "settings": ("change settings", frozenset({OWNER})),
    "export.secrets": ("export password hashes", frozenset({OWNER})),
    "directory.reset": ("reset the directory", frozenset({OWNER})),
    "backup": ("back up or restore the directory", frozenset({OWNER})),
}

UNRESTRICTED_KINDS = frozenset({"system", "self-service"})


def describe(action: str) -> str:
    return ACTIONS[action][0]


def allowed(actor: Actor, action: str) -> bool:
    """May this actor perform this action? (Unknown actions are a programming error: KeyError.)"""
    roles = ACTIONS[action][1]
    return actor.kind in UNRESTRICTED_KINDS or actor.role in roles


def require(actor: Actor, action: str) -> None:
    """Raise PermissionDenied("<role> may not <what>") unless the actor may perform the action."""
    if not allowed(actor, action):
        raise PermissionDenied(f"{actor.role or actor.kind} may not {describe(action)}")


def outranks(actor_role: str | None, target_role: str) -> bool:
    """Owners act on anyone; otherwise only a strictly higher role acts on an admin account."""
    if actor_role == OWNER:
        return True
    return actor_role is not None and RANK.get(actor_role, 0) > RANK[target_role]


def require_over(session: Session, actor: Actor, action: str, user: User) -> None:
    """`require`, plus the admin-account rule: changing an admin needs a strictly higher role or an owner."""
    require(actor, action)
    if actor.kind in UNRESTRICTED_KINDS or user.id is None:
        return
    from .admins import role_of_user  # late: admins imports the models that import nothing from here

    target = role_of_user(session, user.id)
    if target is not None and not outranks(actor.role, target):
        raise PermissionDenied(
            f"{actor.role} may not {describe(action)} on an admin account ({user.username or user.uid} is {target})"
        )


def require_grant(actor: Actor, role: str) -> None:
    """Nobody grants a role above their own."""
    require(actor, "admins.manage")
    if role not in RANK:
        from .errors import ValidationError

        raise ValidationError(f"Unknown role '{role}'. Roles: {', '.join(ROLES)}.", "role")
    if actor.kind not in UNRESTRICTED_KINDS and RANK.get(actor.role or "", 0) < RANK[role]:
        raise PermissionDenied(f"{actor.role} may not grant the {role} role (above their own)")


def require_on_user(
    db: Database, actor: Actor, action: str, *, ref: str | None = None, user_id: int | None = None
) -> None:
    """`require_over` in one call for operations that open their own transaction (mfa, sessions): looks the
    target up by reference or id in a read of its own. A missing user passes here; the operation says so."""
    require(actor, action)
    if actor.kind in UNRESTRICTED_KINDS:
        return
    from .models import User
    from .users import find_user

    with db.read() as s:
        user = find_user(s, ref) if ref is not None else s.get(User, user_id) if user_id is not None else None
        if user is not None:
            require_over(s, actor, action, user)


def require_on_session(db: Database, actor: Actor, action: str, sid: str) -> None:
    """`require_on_user` for the owner of a session, found by its public id."""
    require(actor, action)
    if actor.kind in UNRESTRICTED_KINDS:
        return
    from sqlmodel import select

    from .models import Session as SessionRow

    with db.read() as s:
        user_id = s.exec(select(SessionRow.user_id).where(SessionRow.sid == sid)).first()
    if user_id is not None:
        require_on_user(db, actor, action, user_id=user_id)


def require_if(actor: Actor | None, action: str) -> None:
    """Reads take an optional actor: the consoles and the CLI name theirs; trusted internal callers do not."""
    if actor is not None:
        require(actor, action)
