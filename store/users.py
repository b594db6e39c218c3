"""User accounts: create, look up, edit (optimistically locked), change state, delete, set password."""

from __future__ import annotations

import re
import secrets
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, delete, func, or_, update
from sqlmodel import Session, col, select

from . import audit, limits, passwords, permissions
from .audit import Actor
from .db import Database, in_write, lock_user, lock_value
from .errors import Conflict, NotFound, ValidationError
from .models import AppRule, User, stored_id
from .sessions import end_user_sessions
from .validation import LABELS, PROFILE_FIELDS, norm_phone, normalise_field

HIDDEN = ("password_hash", "totp_secret", "totp_last_step")
UNIQUE_FIELDS = ("username", "email", "phone", "external_id")
_UID = re.compile(r"^[0-9a-f]{24}$")

CONFLICT_MESSAGE = "This user was changed by someone else since you loaded it. Reload and try again."


def new_uid() -> str:
    return secrets.token_hex(12)


def is_locked(user: User, now: int) -> bool:
    return bool(user.locked_until and user.locked_until > now)


def display_status(user: User, now: int) -> str:
    """Status as an admin sees it: a time-bound lock shows over 'active'."""
    return "locked" if user.status == "active" and is_locked(user, now) else user.status


class Named(Protocol):
    """Anything with the four ways a user is known (a User, a directory Row, a session view's user)."""

    @property
    def username(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def uid(self) -> str: ...


def login_name(record: Named) -> str:
    """The name an admin knows a user by: username, else email, else phone, else the uid."""
    return record.username or record.email or record.phone or record.uid


def audit_user(
    session: Session,
    actor: Actor,
    action: str,
    user: User,
    *,
    now: int,
    reason: str | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    """One audit entry about `user` (its uid and login name as the target), in the caller's transaction."""
    audit.record(
        session,
        actor,
        action,
        now=now,
        target_uid=user.uid,
        target_label=login_name(user),
        reason=reason,
        changes=changes,
    )


def to_dict(user: User, now: int | None = None) -> dict[str, Any]:
    """The record as plain data, secrets left out (safe for JSON views and audit)."""
    data = {k: v for k, v in user.model_dump().items() if k not in HIDDEN and k != "id"}
    data["password_set"] = user.password_hash is not None
    if now is not None:
        data["locked"] = is_locked(user, now)
    return data


def find_user(session: Session, ref: str) -> User | None:
    """Find by uid, then username (exact), then email (any case), then phone."""
    ref = (ref or "").strip()
    if not ref or limits.unmatchable(ref):  # a control character or NUL: no user (and no DataError on PostgreSQL)
        return None
    if _UID.match(ref):
        user = session.exec(select(User).where(User.uid == ref)).first()
        if user:
            return user
    user = session.exec(select(User).where(User.username == ref)).first()
    if user:
        return user
    if "@" in ref:
        return session.exec(select(User).where(User.email == ref.lower())).first()
    try:
        phone = norm_phone(ref)
    except ValidationError:
        return None
    return session.exec(select(User).where(User.phone == phone)).first() if phone else None


def require_user(session: Session, ref: str) -> User:
    """The user `ref` names; in a write transaction, its row locked (PostgreSQL) and read fresh under the lock,
    so a read-then-write on one user (version check, counters, codes) never interleaves with another host's."""
    user = find_user(session, ref)
    if user is not None and in_write(session):
        user = lock_user(session, stored_id(user))
    if user is None:
        raise NotFound(f"No user matches '{ref}'.")
    return user


def get_user(db: Database, ref: str, *, actor: Actor | None = None) -> User:
    if actor is not None:
        permissions.require(actor, "users.read")
    with db.read() as s:
        return require_user(s, ref)


def _check_unique(session: Session, values: dict[str, Any], exclude_id: int | None) -> None:
    for field in UNIQUE_FIELDS:
        value = values.get(field)
        if value is None:
            continue
        lock_value(session, f"user.{field}", value)
        column = getattr(User, field)
        query = select(User.id).where(column == value)
        if exclude_id is not None:
            query = query.where(User.id != exclude_id)
        if session.exec(query).first() is not None:
            raise ValidationError(f"{LABELS[field]} '{value}' is already used by another user.", field)


def _normalise(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: normalise_field(k, v) for k, v in fields.items()}


def create_user(
    db: Database,
    actor: Actor,
    fields: dict[str, Any],
    *,
    password: str | None = None,
    must_change_password: bool = False,
    reason: str | None = None,
) -> User:
    permissions.require(actor, "users.create")
    values = _normalise(fields)
    if not any(values.get(k) for k in ("username", "email", "phone")):
        raise ValidationError("A user needs at least one of username, email or phone.", "username")
    password_hash = None
    if password is not None:
        passwords.check_policy(
            password, db.policy, (values.get("username"), (values.get("email") or "").split("@")[0], values.get("name"))
        )
        password_hash = passwords.hash_password(password)
    now = db.now()
    with db.write() as s:
        _check_unique(s, values, None)
        user = User(
            uid=new_uid(),
            created_at=now,
            updated_at=now,
            status_changed_at=now,
            password_hash=password_hash,
            password_last_set_at=now if password_hash else None,
            must_change_password=must_change_password and password_hash is not None,
            **values,
        )
        s.add(user)
        s.flush()
        audit_user(
            s,
            actor,
            "user.create",
            user,
            now=now,
            reason=reason,
            changes=audit.diff({}, {k: v for k, v in values.items() if v is not None}),
        )
    return user


def update_user(
    db: Database,
    actor: Actor,
    ref: str,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
    reason: str | None = None,
    allowed: tuple[str, ...] = PROFILE_FIELDS,
    action: str = "user.update",
) -> User:
    """Change profile fields. With expected_version, refuses (Conflict) if someone saved in between."""
    permissions.require(actor, "users.edit")
    for field in changes:
        if field not in allowed:
            raise ValidationError(f"Field '{field}' cannot be changed here. Allowed: {', '.join(allowed)}.", field)
    values = _normalise(changes)
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        permissions.require_over(s, actor, "users.edit", user)
        if expected_version is not None and user.version != expected_version:
            raise Conflict(CONFLICT_MESSAGE)
        before = to_dict(user)
        if "email" in values and values["email"] != user.email and "email_verified" not in values:
            values["email_verified"] = False
        if "phone" in values and values["phone"] != user.phone and "phone_verified" not in values:
            values["phone_verified"] = False
        merged = {**{k: getattr(user, k) for k in ("username", "email", "phone")}, **values}
        if not any(merged.get(k) for k in ("username", "email", "phone")):
            raise ValidationError(
                "A user needs at least one of username, email or phone; this change would remove the last one.",
                "username",
            )
        changed = {k: v for k, v in values.items() if getattr(user, k) != v}
        if not changed:
            return user
        _check_unique(s, changed, user.id)
        result = cast(
            CursorResult[Any],
            s.execute(
                update(User)
                .where(col(User.id) == user.id, col(User.version) == user.version)
                .values(**changed, updated_at=now, version=User.version + 1)
            ),
        )
        if result.rowcount != 1:
            raise Conflict(CONFLICT_MESSAGE)
        s.refresh(user)
        audit_user(
            s,
            actor,
            action,
            user,
            now=now,
            reason=reason,
            changes=audit.diff(before, to_dict(user)),
        )
        return user


# audit action -> permission (store/permissions.py)
TRANSITIONS = {
    "user.disable": "users.disable",
    "user.enable": "users.enable",
    "user.archive": "users.archive",
    "user.unlock": "users.unlock",
}


def _transition(db: Database, actor: Actor, ref: str, action: str, reason: str | None, **values: Any) -> User:
    permissions.require(actor, TRANSITIONS[action])
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        permissions.require_over(s, actor, TRANSITIONS[action], user)
        if values.get("status", "active") != "active":
            from .admins import guard_last_owner

            guard_last_owner(s, user)
        before = to_dict(user, now)
        if "status" in values and values["status"] != user.status:
            values["status_changed_at"] = now
        for key, value in values.items():
            setattr(user, key, value)
        user.updated_at = now
        user.version += 1
        s.add(user)
        ended = 0
        if values.get("status") in ("disabled", "archived"):
            ended = end_user_sessions(s, stored_id(user), now, f"account {values['status']}")
        resigned = _resign(s, user) if values.get("status") == "archived" else {}
        s.flush()
        changes = audit.diff(before, to_dict(user, now)) | resigned
        if ended:
            changes["sessions_ended"] = [None, ended]
        audit_user(
            s,
            actor,
            action,
            user,
            now=now,
            reason=reason,
            changes=changes,
        )
        return user


def _resign(s: Session, user: User) -> dict[str, Any]:
    """Archiving retires the account as GenAuth's "resign" does: its group memberships and its own app rules go
    too (a later enable does not bring them back). Returns the audit changes naming what was removed."""
    from .models import App, Group, GroupMember

    groups = s.exec(
        select(Group.name)
        .join(GroupMember, col(GroupMember.group_id) == col(Group.id))
        .where(col(GroupMember.user_id) == user.id)
    ).all()
    rules = s.exec(
        select(App.name, AppRule.effect)
        .join(AppRule, col(AppRule.app_id) == col(App.id))
        .where(col(AppRule.subject_type) == "user", col(AppRule.subject_id) == user.id)
    ).all()
    s.execute(delete(GroupMember).where(col(GroupMember.user_id) == user.id))
    s.execute(delete(AppRule).where(col(AppRule.subject_type) == "user", col(AppRule.subject_id) == user.id))
    changes: dict[str, Any] = {}
    if groups:
        changes["groups"] = [sorted(groups), None]
    if rules:
        changes["app_rules"] = [dict(sorted(rules)), None]
    return changes


def disable_user(db: Database, actor: Actor, ref: str, reason: str | None = None) -> User:
    return _transition(db, actor, ref, "user.disable", reason, status="disabled")


def enable_user(db: Database, actor: Actor, ref: str, reason: str | None = None) -> User:
    return _transition(db, actor, ref, "user.enable", reason, status="active")


def archive_user(db: Database, actor: Actor, ref: str, reason: str | None = None) -> User:
    return _transition(db, actor, ref, "user.archive", reason, status="archived")


def unlock_user(db: Database, actor: Actor, ref: str, reason: str | None = None) -> User:
    return _transition(db, actor, ref, "user.unlock", reason, locked_until=None, failed_attempts=0)


def delete_user(db: Database, actor: Actor, ref: str, reason: str | None = None) -> str:
    """Delete the user and what hangs off it; login history is kept, detached (it is evidence)."""
    permissions.require(actor, "users.delete")
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        permissions.require_over(s, actor, "users.delete", user)
        from .admins import guard_last_owner

        guard_last_owner(s, user)
        label, uid = login_name(user), user.uid
        ended = end_user_sessions(s, stored_id(user), now, "account deleted")
        audit.record(
            s,
            actor,
            "user.delete",
            now=now,
            target_uid=uid,
            target_label=label,
            reason=reason,
            changes={"user": [to_dict(user), None], "sessions_ended": [None, ended]},
        )
        s.execute(delete(AppRule).where(col(AppRule.subject_type) == "user", col(AppRule.subject_id) == user.id))
        s.delete(user)
    return label


def password_context(user: User) -> tuple[str | None, ...]:
    return (user.username, (user.email or "").split("@")[0] or None, user.name, user.nickname)


def set_password(
    db: Database,
    actor: Actor,
    ref: str,
    password: str,
    *,
    must_change: bool = True,  # an admin-set password is temporary unless the caller says otherwise
    reason: str | None = None,
    action: str = "user.set_password",
    end_sessions: bool = True,
    keep_session_id: int | None = None,
) -> User:
    """Set a new password (hashing happens before the write transaction) and end the user's sessions.

    Helpdesk may only set temporary passwords (must change at the next sign-in)."""
    permission = "users.temporary_password" if must_change else "users.set_password"
    permissions.require(actor, permission)
    user = get_user(db, ref)
    passwords.check_policy(password, db.policy, password_context(user))
    hashed = passwords.hash_password(password)
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        permissions.require_over(s, actor, permission, user)
        user.password_hash = hashed
        user.password_last_set_at = now
        user.must_change_password = must_change
        user.updated_at = now
        user.version += 1
        s.add(user)
        ended = (
            end_user_sessions(s, stored_id(user), now, "password changed", keep=keep_session_id) if end_sessions else 0
        )
        audit_user(
            s,
            actor,
            action,
            user,
            now=now,
            reason=reason,
            changes={"must_change_password": [None, must_change], "sessions_ended": [None, ended]},
        )
        return user


def count_users(db: Database) -> int:
    with db.read() as s:
        return s.exec(select(func.count()).select_from(User)).one()


def exists(db: Database, **fields: Any) -> bool:
    """is_user_exists: any of username / email / phone / external_id already taken?"""
    values = {k: v for k, v in _normalise(fields).items() if v is not None}
    if not values:
        return False
    with db.read() as s:
        return (
            s.exec(select(User.id).where(or_(*(getattr(User, k) == v for k, v in values.items())))).first() is not None
        )
