"""Sign-in: password, then a second factor when enrolled; lockout; login history for every attempt.

Every failure raises AuthFailed with one constant message; the precise reason goes to login
history for admins. Unknown users cost one argon2 verification, like known ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from . import mfa, passwords
from .access import decide
from .db import Database
from .errors import AuthFailed, SecondFactorRequired
from .models import App, LoginEvent, User
from .sessions import Issued, create_session
from .users import find_user, is_locked

METHODS = ("password", "totp", "recovery_code", "email_code", "phone_code")


@dataclass(frozen=True)
class Attempt:
    """Where a sign-in comes from."""

    app: str | None = None
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class PasswordChecked:
    """First step passed: the password was right and the user may sign in to the app."""

    user_id: int
    uid: str
    identifier: str
    app_id: int | None
    has_totp: bool
    email: str | None
    email_verified: bool
    phone: str | None
    phone_verified: bool


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    uid: str
    username: str | None
    session: Issued
    must_change_password: bool
    method: str


def record_event(
    s: Session,
    now: int,
    *,
    user_id: int | None,
    identifier: str,
    app_id: int | None,
    attempt: Attempt,
    method: str,
    success: bool,
    reason: str | None = None,
) -> None:
    s.add(
        LoginEvent(
            ts=now,
            user_id=user_id,
            identifier=identifier[:255],
            app_id=app_id,
            ip=attempt.ip,
            user_agent=(attempt.user_agent or None) and attempt.user_agent[:512],
            method=method,
            success=success,
            reason=reason,
        )
    )


def _fail(
    db: Database,
    user_id: int | None,
    identifier: str,
    app_id: int | None,
    attempt: Attempt,
    method: str,
    reason: str,
    count: bool = True,
) -> AuthFailed:
    """Record the failure (and count it towards the lockout) in its own transaction."""
    now = db.now()
    with db.write() as s:
        if user_id is not None and count:
            user = s.get(User, user_id)
            if user is not None and not is_locked(user, now):
                user.failed_attempts += 1
                if user.failed_attempts >= db.policy.lockout_threshold:
                    user.locked_until = now + db.policy.lockout_minutes * 60
                    reason += f"; account locked for {db.policy.lockout_minutes} min"
                s.add(user)
        record_event(
            s,
            now,
            user_id=user_id,
            identifier=identifier,
            app_id=app_id,
            attempt=attempt,
            method=method,
            success=False,
            reason=reason,
        )
    return AuthFailed(reason)


def _app(s: Session, name: str | None) -> App | None:
    return s.exec(select(App).where(App.name == name)).first() if name else None


def check_password(db: Database, identifier: str, password: str, attempt: Attempt = Attempt()) -> PasswordChecked:
    """Step one. Raises AuthFailed (constant message) on any failure."""
    identifier = (identifier or "").strip()[:255]
    now = db.now()
    with db.read() as s:
        user = find_user(s, identifier) if identifier else None
        app = _app(s, attempt.app)
        decision = decide(s, app, user.id) if (user and app) else None
    ok = passwords.verify_password(
        user.password_hash if user else None, (password or "")[: db.policy.password_max_length]
    )
    app_id = app.id if app else None
    if attempt.app and app is None:
        raise _fail(
            db,
            user.id if user else None,
            identifier,
            None,
            attempt,
            "password",
            f"unknown app '{attempt.app}'",
            count=False,
        )
    if user is None:
        raise _fail(db, None, identifier, app_id, attempt, "password", "unknown user")
    if is_locked(user, now):
        raise _fail(db, user.id, identifier, app_id, attempt, "password", "account locked", count=False)
    if not ok:
        raise _fail(
            db,
            user.id,
            identifier,
            app_id,
            attempt,
            "password",
            "no password set" if user.password_hash is None else "wrong password",
        )
    if user.status != "active":
        raise _fail(db, user.id, identifier, app_id, attempt, "password", f"account {user.status}", count=False)
    if decision is not None and not decision.allowed:
        raise _fail(
            db, user.id, identifier, app_id, attempt, "password", f"app access denied ({decision.why})", count=False
        )
    if passwords.needs_rehash(user.password_hash):
        new_hash = passwords.hash_password(password)
        with db.write() as s:
            s.get(User, user.id).password_hash = new_hash
    return PasswordChecked(
        user_id=user.id,
        uid=user.uid,
        identifier=identifier,
        app_id=app_id,
        has_totp=user.mfa_state == "active",
        email=user.email,
        email_verified=user.email_verified,
        phone=user.phone,
        phone_verified=user.phone_verified,
    )


def complete(
    db: Database, checked: PasswordChecked, method: str, attempt: Attempt = Attempt(), code: str | None = None
) -> SignedIn:
    """Step two: verify the second factor (if any), then open a session.

    method 'password' is only valid for users without TOTP; 'email_code'/'phone_code' must have been
    verified by the caller (see store.codes) before calling.
    """
    now = db.now()
    with db.write() as s:
        user = s.get(User, checked.user_id)
        if user is None or user.status != "active" or is_locked(user, now):
            reason = "account locked" if user is not None and is_locked(user, now) else "account not active"
            failure = reason
        elif method == "totp":
            failure = None if mfa.check_totp(db, s, user, code or "", now) else "wrong or replayed TOTP code"
        elif method == "recovery_code":
            failure = (
                None
                if (user.mfa_state == "active" and mfa.use_recovery_code(db, s, user, code or "", now))
                else "wrong or used recovery code"
            )
        elif method == "password":
            failure = "second factor required" if user.mfa_state == "active" else None
        elif method in ("email_code", "phone_code"):
            failure = None
        else:
            failure = f"unknown method {method}"
        if failure is None:
            user.failed_attempts, user.locked_until = 0, None
            user.last_login_at, user.last_ip = now, attempt.ip
            user.login_count += 1
            s.add(user)
            record_event(
                s,
                now,
                user_id=user.id,
                identifier=checked.identifier,
                app_id=checked.app_id,
                attempt=attempt,
                method=method,
                success=True,
            )
            issued = create_session(
                s,
                db,
                user.id,
                app_id=checked.app_id,
                ip=attempt.ip,
                user_agent=attempt.user_agent,
                method=method,
                now=now,
            )
            return SignedIn(
                user_id=user.id,
                uid=user.uid,
                username=user.username,
                session=issued,
                must_change_password=user.must_change_password,
                method=method,
            )
    raise _fail(
        db,
        checked.user_id,
        checked.identifier,
        checked.app_id,
        attempt,
        method,
        failure,
        count=failure not in ("account locked", "account not active", "second factor required"),
    )


def fail_second_factor(
    db: Database,
    checked: PasswordChecked,
    method: str,
    reason: str,
    attempt: Attempt = Attempt(),
    *,
    count: bool = True,
) -> AuthFailed:
    """Record a failed code check made outside complete() (email/phone codes).

    count=False records without counting towards the lockout (e.g. no second factor is available).
    """
    return _fail(db, checked.user_id, checked.identifier, checked.app_id, attempt, method, reason, count=count)


def record_failure(
    db: Database,
    user_id: int | None,
    identifier: str,
    attempt: Attempt,
    method: str,
    reason: str,
    *,
    count: bool = True,
) -> AuthFailed:
    """Record a failed verification made outside sign-in (self-service step-up, reset codes)."""
    with db.read() as s:
        app = _app(s, attempt.app)
    return _fail(db, user_id, identifier, app.id if app else None, attempt, method, reason, count=count)


def record_success(db: Database, user_id: int, identifier: str, attempt: Attempt, method: str, note: str) -> None:
    """Record a successful verification made outside sign-in (e.g. a self-service step-up); `note` says which."""
    with db.write() as s:
        app = _app(s, attempt.app)
        record_event(
            s,
            db.now(),
            user_id=user_id,
            identifier=identifier,
            app_id=app.id if app else None,
            attempt=attempt,
            method=method,
            success=True,
            reason=note,
        )


def authenticate(
    db: Database,
    identifier: str,
    password: str,
    *,
    totp: str | None = None,
    recovery_code: str | None = None,
    attempt: Attempt = Attempt(),
) -> SignedIn:
    """What an application's sign-in does: password, then TOTP or a recovery code when enrolled."""
    checked = check_password(db, identifier, password, attempt)
    if checked.has_totp:
        if totp:
            return complete(db, checked, "totp", attempt, totp)
        if recovery_code:
            return complete(db, checked, "recovery_code", attempt, recovery_code)
        with db.write() as s:
            record_event(
                s,
                db.now(),
                user_id=checked.user_id,
                identifier=checked.identifier,
                app_id=checked.app_id,
                attempt=attempt,
                method="password",
                success=False,
                reason="second factor required",
            )
        raise SecondFactorRequired("A second factor is required: give a TOTP code or a recovery code.")
    return complete(db, checked, "password", attempt)
