"""Admins: Userdesk users with a role (store/permissions.py) and SSH public keys to sign in with.

Granting, revoking and key registration are owner work (`admins.manage`), audited like every change. The
SSH server finds an admin by the key a client offered (`find_admin_by_key`, read-only; `mark_key_used` once
the key is proven) and polls `admin_is_current` so a revoked role or a disabled account ends the admin's
console within seconds. Local sign-in as a named admin (`userdesk --as`, `userdesk admin --as`) goes through
store.auth (lockout, login history) and needs the admin's password and TOTP: admins must have TOTP.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from . import auth, mfa, permissions
from .audit import Actor
from .db import Database, lock_value
from .errors import AuthFailed, NotFound, PermissionDenied, ValidationError
from .models import AdminKey, AdminRole, User, stored_id
from .models import Session as SessionRow
from .users import audit_user, login_name, require_user

MIN_RSA_BITS = 3072
MAX_KEY_LINE = 16_384
ADMIN_USER_AGENT = "userdesk-admin"
LAST_OWNER = "the last owner cannot be removed or disabled"


@dataclass(frozen=True)
class AdminIdentity:
    user_id: int
    uid: str
    username: str
    role: str


@dataclass(frozen=True)
class KeyView:
    username: str
    fingerprint: str
    key_type: str
    comment: str
    added_at: int
    last_used_at: int | None


@dataclass(frozen=True)
class AdminView:
    user_id: int
    uid: str
    username: str
    role: str
    status: str
    has_totp: bool
    granted_at: int
    granted_by: str
    reason: str | None
    keys: tuple[KeyView, ...]


# -- keys -------------------------------------------------------------------------------------------------------------


def parse_key(openssh_public_key_line: str) -> tuple[str, bytes, str]:
    """(key type, key blob, comment) of an OpenSSH public key line; only ed25519, ecdsa and rsa >= 3072 bits."""
    line = (openssh_public_key_line or "").strip()
    if not line or len(line) > MAX_KEY_LINE or "\n" in line:
        raise ValidationError("Give one OpenSSH public key line (e.g. 'ssh-ed25519 AAAA... comment').", "key")
    parts = line.split(None, 2)
    if len(parts) < 2:
        raise ValidationError("Not an OpenSSH public key: expected '<type> <base64> [comment]'.", "key")
    try:
        blob = base64.b64decode(parts[1], validate=True)
        key = serialization.load_ssh_public_key(f"{parts[0]} {parts[1]}".encode("ascii"))
    except (ValueError, binascii.Error, UnicodeEncodeError, UnsupportedAlgorithm) as exc:
        raise ValidationError(f"Not a usable OpenSSH public key ({exc}).", "key") from None
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise ValidationError(f"RSA keys need at least {MIN_RSA_BITS} bits; this one has {key.key_size}.", "key")
    elif not isinstance(key, (ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey)):
        raise ValidationError("Only ed25519, ecdsa and rsa (3072 bits or more) keys are accepted.", "key")
    comment = parts[2].strip() if len(parts) > 2 else ""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in comment):
        comment = ""
    return parts[0], blob, comment[:200]


def fingerprint_of_blob(blob: bytes) -> str:
    """OpenSSH's fingerprint: 'SHA256:' + unpadded base64 of the SHA-256 of the key blob."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def key_fingerprint(openssh_public_key_line: str) -> str:
    """'SHA256:...' as `ssh-keygen -lf` prints it; raises ValidationError on a bad or weak key."""
    return fingerprint_of_blob(parse_key(openssh_public_key_line)[1])


# -- lookups ----------------------------------------------------------------------------------------------------------


def role_of_user(session: Session, user_id: int) -> str | None:
    return session.exec(select(AdminRole.role).where(AdminRole.user_id == user_id)).first()


def _active_owners(session: Session) -> int:
    return session.exec(
        select(func.count())
        .select_from(AdminRole)
        .join(User, col(User.id) == col(AdminRole.user_id))
        .where(AdminRole.role == permissions.OWNER, User.status == "active")
    ).one()


def guard_last_owner(session: Session, user: User) -> None:
    """Refuse when `user` is the only active owner (called before removing, disabling or demoting them)."""
    lock_value(session, "admin_role", permissions.OWNER)  # two owners demoted at once: one waits, then counts
    is_owner = user.id is not None and role_of_user(session, user.id) == permissions.OWNER
    if is_owner and user.status == "active" and _active_owners(session) <= 1:
        raise PermissionDenied(LAST_OWNER)


def _identity(user: User, role: str) -> AdminIdentity:
    return AdminIdentity(user_id=stored_id(user), uid=user.uid, username=login_name(user), role=role)


def _admin_row(s: Session, fingerprint: str) -> tuple[AdminKey, User, AdminRole] | None:
    row = s.exec(
        select(AdminKey, User, AdminRole)
        .join(User, col(User.id) == col(AdminKey.user_id))
        .join(AdminRole, col(AdminRole.user_id) == col(AdminKey.user_id))
        .where(AdminKey.fingerprint == fingerprint)
    ).first()
    return None if row is None or row[1].status != "active" else (row[0], row[1], row[2])


def _fingerprint_or_none(openssh_public_key_line: str) -> str | None:
    try:
        return key_fingerprint(openssh_public_key_line)
    except ValidationError:
        return None


def find_admin_by_key(db: Database, openssh_public_key_line: str) -> AdminIdentity | None:
    """The admin this key belongs to, or None (unknown key, role revoked, account not active).

    Read-only: the SSH server calls this for keys a client merely offers, before any signature is checked, so it
    must not write (an unproven offer would otherwise touch `last_used_at` and take the write lock pre-auth).
    """
    fingerprint = _fingerprint_or_none(openssh_public_key_line)
    if fingerprint is None:
        return None
    with db.read() as s:
        row = _admin_row(s, fingerprint)
        return None if row is None else _identity(row[1], row[2].role)


def mark_key_used(db: Database, openssh_public_key_line: str) -> AdminIdentity | None:
    """`find_admin_by_key` for a key whose signature was verified: also stamps its `last_used_at`."""
    fingerprint = _fingerprint_or_none(openssh_public_key_line)
    if fingerprint is None:
        return None
    with db.write() as s:
        row = _admin_row(s, fingerprint)
        if row is None:
            return None
        key, user, role = row
        key.last_used_at = db.now()
        s.add(key)
        return _identity(user, role.role)


def admin_is_current(db: Database, user_id: int, role: str) -> bool:
    """Is this role still granted to this user, and is the account active? (Open consoles poll this.)"""
    with db.read() as s:
        user = s.get(User, user_id)
        return user is not None and user.status == "active" and role_of_user(s, user_id) == role


def identity_of(db: Database, ref: str) -> AdminIdentity:
    with db.read() as s:
        user = require_user(s, ref)
        role = role_of_user(s, stored_id(user))
    if role is None:
        raise NotFound(f"'{login_name(user)}' is not an admin.")
    return _identity(user, role)


# -- signing in as a named admin --------------------------------------------------------------------------------------


def sign_in(
    db: Database, username: str, password: str, code: str, attempt: auth.Attempt | None = None
) -> tuple[AdminIdentity, auth.SignedIn]:
    """Password, then TOTP, through store.auth (lockout and login history apply); only for admins with TOTP.

    Failures read as the constant sign-in message, except an admin without TOTP after the right password:
    that one is told to enrol first (they proved the password, so nothing is revealed to a guesser).
    """
    given = attempt or auth.Attempt()
    attempt = auth.Attempt(app=given.app, ip=given.ip, user_agent=given.user_agent or ADMIN_USER_AGENT)
    checked = auth.check_password(db, username, password, attempt)
    with db.read() as s:
        role = role_of_user(s, checked.user_id)
    if role is None:
        raise auth.fail_second_factor(db, checked, "password", "not an admin", attempt, count=False)
    if not checked.has_totp:
        auth.fail_second_factor(db, checked, "password", "admin without TOTP", attempt, count=False)
        raise PermissionDenied("admins must have TOTP: enrol an authenticator first (self-service console)")
    signed = auth.complete(db, checked, "totp", attempt, code)
    with db.read() as s:
        user = s.get(User, checked.user_id)
    if user is None:
        raise AuthFailed("account deleted")
    return _identity(user, role), signed


def verify_totp(db: Database, identity: AdminIdentity, code: str, attempt: auth.Attempt | None = None) -> None:
    """The TOTP step for an admin already identified another way (an SSH key): admitted, counted and locked out
    like sign-in (auth.guarded: reserve before checking, settle after, so the throttle applies here too)."""
    attempt = attempt or auth.Attempt(user_agent=ADMIN_USER_AGENT)
    with db.read() as s:
        user = s.get(User, identity.user_id)
    if user is None or user.mfa_state != "active":
        auth.record_failure(db, identity.user_id, identity.username, attempt, "totp", "admin without TOTP", count=False)
        raise PermissionDenied("admins must have TOTP: enrol an authenticator first (self-service console)")
    auth.guarded(db, identity.user_id, identity.username, attempt, "totp", mfa.fresh_check(db, identity.uid, code))
    auth.record_success(db, identity.user_id, identity.username, attempt, "totp", "admin console")


def has_totp(db: Database, user_id: int) -> bool:
    with db.read() as s:
        user = s.get(User, user_id)
        return user is not None and user.mfa_state == "active"


def end_sign_in(db: Database, sid: str, reason: str = "admin signed out") -> None:
    """End the session an admin sign-in opened (idempotent; a sign-out, not an account change: not audited)."""
    with db.write() as s:
        s.execute(
            update(SessionRow)
            .where(col(SessionRow.sid) == sid, col(SessionRow.revoked_at).is_(None))
            .values(revoked_at=db.now(), revoked_reason=reason)
        )


# -- owner work: grant, revoke, keys ----------------------------------------------------------------------------------


def grant(db: Database, actor: Actor, ref: str, role: str, reason: str | None = None) -> AdminIdentity:
    """Make a user an admin with `role`, or change their role (the escalation rules apply)."""
    permissions.require_grant(actor, role)
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        current = s.get(AdminRole, user.id)
        if current is not None:
            permissions.require_over(s, actor, "admins.manage", user)
            if current.role == role:
                return _identity(user, role)
            if current.role == permissions.OWNER:
                guard_last_owner(s, user)
        before = current.role if current else None
        if current is None:
            current = AdminRole(user_id=stored_id(user))
        current.role, current.granted_at, current.granted_by, current.reason = role, now, actor.label, reason
        s.add(current)
        audit_user(
            s,
            actor,
            "admin.grant",
            user,
            now=now,
            reason=reason,
            changes={"role": [before, role]},
        )
        return _identity(user, role)


def revoke(db: Database, actor: Actor, ref: str, reason: str | None = None) -> str:
    """Take a user's admin role away (their keys stay registered but no longer sign anyone in)."""
    permissions.require(actor, "admins.manage")
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        current = s.get(AdminRole, user.id)
        if current is None:
            raise NotFound(f"'{login_name(user)}' is not an admin.")
        permissions.require_over(s, actor, "admins.manage", user)
        guard_last_owner(s, user)
        before = current.role
        s.delete(current)
        audit_user(
            s,
            actor,
            "admin.revoke",
            user,
            now=now,
            reason=reason,
            changes={"role": [before, None]},
        )
        return before


def _key_views(s: Session, user_ids: list[int] | None) -> dict[int, list[KeyView]]:
    query = (
        select(AdminKey, User)
        .join(User, col(User.id) == col(AdminKey.user_id))
        .order_by(col(AdminKey.added_at), col(AdminKey.id))
    )
    if user_ids is not None:
        query = query.where(col(AdminKey.user_id).in_(user_ids))
    out: dict[int, list[KeyView]] = {}
    for key, user in s.exec(query).all():
        out.setdefault(key.user_id, []).append(
            KeyView(login_name(user), key.fingerprint, key.key_type, key.comment, key.added_at, key.last_used_at)
        )
    return out


def list_admins(db: Database, actor: Actor | None = None) -> list[AdminView]:
    if actor is not None:
        permissions.require(actor, "admins.read")
    with db.read() as s:
        rows = s.exec(select(AdminRole, User).join(User, col(User.id) == col(AdminRole.user_id))).all()
        keys = _key_views(s, None)
    views = [
        AdminView(
            user_id=stored_id(user),
            uid=user.uid,
            username=login_name(user),
            role=role.role,
            status=user.status,
            has_totp=user.mfa_state == "active",
            granted_at=role.granted_at,
            granted_by=role.granted_by,
            reason=role.reason,
            keys=tuple(keys.get(stored_id(user), [])),
        )
        for role, user in rows
    ]
    return sorted(views, key=lambda a: (-permissions.RANK.get(a.role, 0), a.username.lower()))


def list_keys(db: Database, ref: str | None = None, actor: Actor | None = None) -> list[KeyView]:
    if actor is not None:
        permissions.require(actor, "admins.read")
    with db.read() as s:
        ids = [stored_id(require_user(s, ref))] if ref else None
        return [view for views in _key_views(s, ids).values() for view in views]


def add_key(db: Database, actor: Actor, ref: str, openssh_public_key_line: str) -> KeyView:
    """Register an SSH public key for an admin (one key may belong to one admin only)."""
    permissions.require(actor, "admins.manage")
    key_type, blob, comment = parse_key(openssh_public_key_line)
    fingerprint = fingerprint_of_blob(blob)
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        if role_of_user(s, stored_id(user)) is None:
            raise ValidationError(f"'{login_name(user)}' is not an admin: grant a role first.", "user")
        permissions.require_over(s, actor, "admins.manage", user)
        lock_value(s, "admin_key.fingerprint", fingerprint)
        if s.exec(select(AdminKey.id).where(AdminKey.fingerprint == fingerprint)).first() is not None:
            raise ValidationError(f"The key {fingerprint} is already registered.", "key")
        public = f"{key_type} {base64.b64encode(blob).decode('ascii')}"
        s.add(
            AdminKey(
                user_id=stored_id(user),
                fingerprint=fingerprint,
                key_type=key_type,
                public_key=public,
                comment=comment,
                added_at=now,
            )
        )
        audit_user(
            s,
            actor,
            "admin.key_add",
            user,
            now=now,
            changes={"key": [None, f"{key_type} {fingerprint}"]},
        )
        return KeyView(login_name(user), fingerprint, key_type, comment, now, None)


def remove_key(db: Database, actor: Actor, ref: str, fingerprint: str, reason: str | None = None) -> None:
    permissions.require(actor, "admins.manage")
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        permissions.require_over(s, actor, "admins.manage", user)
        result = s.execute(
            delete(AdminKey).where(col(AdminKey.user_id) == user.id, col(AdminKey.fingerprint) == fingerprint.strip())
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound(f"'{login_name(user)}' has no key {fingerprint.strip()}.")
        audit_user(
            s,
            actor,
            "admin.key_remove",
            user,
            now=now,
            reason=reason,
            changes={"key": [fingerprint.strip(), None]},
        )
