"""Sign-in: password, then a second factor when enrolled; lockout; login history for every attempt.

Every failure raises AuthFailed with one constant message; the precise reason goes to login
history for admins. Unknown, locked and throttled accounts cost one argon2 verification (against a
dummy hash), like a real check, so neither the answer nor its timing tells them apart.

Every guess checked against a secret is admitted, counted and locked out by the rules of
store/lockout.py, decided in BEGIN IMMEDIATE writes so they hold across processes: the password
is checked only after an attempt was reserved (`_admit`), and TOTP / recovery codes are checked,
counted and locked in the one write transaction of `complete`.

Strings from the caller or the network are cleaned on the way in (store/limits.py): an Attempt's
ip must be an IP address and its user agent at most 512 characters (both refused otherwise), and
what login history records is stripped of control characters and cut to length.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, select

from . import limits, lockout, mfa, passwords
from .access import decide
from .config import Policy
from .db import Database, lock_user
from .errors import AuthFailed, SecondFactorRequired
from .models import App, LoginEvent, User
from .sessions import Issued, create_session
from .users import find_user

METHODS = ("password", "totp", "recovery_code", "email_code", "phone_code")
GUESSED = ("totp", "recovery_code")  # second factors checked inside complete()


@dataclass(frozen=True)
class Attempt:
    """Where a sign-in comes from. The ip must parse as an IP address (stored canonical) and the user
    agent is at most limits.USER_AGENT characters: ValidationError otherwise (the CLI's --ip and
    --user-agent come here). Control characters are removed from the user agent."""

    app: str | None = None
    ip: str | None = None
    user_agent: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "ip", limits.ip_address(self.ip))
        object.__setattr__(self, "user_agent", limits.checked(self.user_agent, limits.USER_AGENT, "user agent"))


@dataclass(frozen=True)
class PasswordChecked:
    """First step passed: the password was right and the user may sign in to the app.

    `password_fingerprint` names the stored hash the password was checked against (a digest of it: never the hash)
    and `checked_at` when: `complete` refuses step two when the password was set again meanwhile (an admin reset
    must end a sign-in started with the old password) or when step one is older than the sign-in window.
    """

    user_id: int
    uid: str
    identifier: str
    app_id: int | None
    has_totp: bool
    email: str | None
    email_verified: bool
    phone: str | None
    phone_verified: bool
    password_fingerprint: str
    checked_at: int


PASSWORD_CHANGED = "password changed since the first step"
CHALLENGE_EXPIRED = "sign-in expired: the first step is too old"


def password_fingerprint(password_hash: str | None) -> str:
    """A digest of the stored hash: equal while the password is the same, different after every set or reset
    (each hash has its own salt), and useless to a guesser. Empty when no password is set. A parallel sign-in that
    rehashes the same password (new hashing parameters: rare, once per user) changes it too; that sign-in starts
    again, which is the safe side."""
    return hashlib.sha256(password_hash.encode()).hexdigest() if password_hash else ""


def sign_in_window(policy: Policy) -> int:
    """Seconds between step one and step two. The policy's code TTL: a code sent at step one lives that long, so
    the same limit for a TOTP or recovery code keeps one rule (and one setting) for every second step."""
    return int(policy.code_ttl_minutes) * 60


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
    """Add one login-history row; every string is cleaned and cut to its limit (an attempt is always logged)."""
    s.add(
        LoginEvent(
            ts=now,
            user_id=user_id,
            identifier=limits.cut(identifier, limits.IDENTIFIER) or "",
            app_id=app_id,
            ip=limits.ip_address(attempt.ip, strict=False),
            user_agent=limits.cut(attempt.user_agent, limits.USER_AGENT) or None,
            method=method,
            success=success,
            reason=limits.cut(reason, limits.REASON),
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
    *,
    reserved: bool = False,
) -> AuthFailed:
    """Record the failure in its own transaction: counted towards the lockout (`count`), settling the
    attempt reserved by _admit (`reserved`: counted, or given back when not counted)."""
    now = db.now()
    with db.write() as s:
        user = lock_user(s, user_id) if user_id is not None else None
        if user is not None and count:
            reason += lockout.settle_failure(user, now, db.policy, reserved=reserved)
        elif user is not None and reserved:
            lockout.release(user)
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


def _admit(db: Database, user_id: int, identifier: str, app_id: int | None, attempt: Attempt, method: str) -> None:
    """Reserve one attempt before a secret is checked, or record the refusal and raise AuthFailed."""
    now = db.now()
    with db.write() as s:
        user = lock_user(s, user_id)
        why = lockout.admit(user, now, db.policy) if user is not None else None
        if why is not None:
            record_event(
                s,
                now,
                user_id=user_id,
                identifier=identifier,
                app_id=app_id,
                attempt=attempt,
                method=method,
                success=False,
                reason=why,
            )
    if why is not None:
        raise AuthFailed(why)


def _app(s: Session, name: str | None) -> App | None:
    return s.exec(select(App).where(App.name == name)).first() if name else None


def _app_id(db: Database, attempt: Attempt) -> int | None:
    with db.read() as s:
        app = _app(s, attempt.app)
    return app.id if app else None


def clean_identifier(identifier: str | None) -> str:
    """What was typed as the identifier, as sign-in and reset look it up: trimmed, cut, control characters removed."""
    return limits.strip_controls((identifier or "").strip()[: limits.IDENTIFIER])


def check_password(db: Database, identifier: str, password: str, attempt: Attempt = Attempt()) -> PasswordChecked:
    """Step one. Raises AuthFailed (constant message) on any failure.

    The password is normalised and held to the policy's one length rule (passwords.within_limit)
    exactly as when it was set: a longer one fails, it is never cut. It is checked only after an
    attempt was reserved (lockout.admit); a right password is confirmed only if the account is not
    locked when the result is recorded.
    """
    identifier = clean_identifier(identifier)
    now = db.now()
    with db.read() as s:
        user = find_user(s, identifier) if identifier else None
        app = _app(s, attempt.app)
        decision = decide(s, app, user.id) if (user and app and user.id is not None) else None
    candidate = passwords.within_limit(password or "", db.policy.password_max_length)
    app_id = app.id if app else None
    user_id = user.id if user else None
    if (attempt.app and app is None) or user is None or user_id is None:
        passwords.verify_password(None, candidate or "")  # the same cost as a real check
        if attempt.app and app is None:
            raise _fail(db, user_id, identifier, None, attempt, "password", f"unknown app '{attempt.app}'", count=False)
        raise _fail(db, None, identifier, app_id, attempt, "password", "unknown user")
    try:
        _admit(db, user_id, identifier, app_id, attempt, "password")
    except AuthFailed:
        passwords.verify_password(None, candidate or "")
        raise
    ok = passwords.verify_password(user.password_hash if candidate is not None else None, candidate or "")
    if not ok:
        wrong = "no password set" if user.password_hash is None else "wrong password"
        raise _fail(
            db,
            user_id,
            identifier,
            app_id,
            attempt,
            "password",
            wrong if candidate is not None else "password too long",
            reserved=True,
        )
    rehash = candidate is not None and passwords.needs_rehash(user.password_hash or "")
    new_hash = passwords.hash_password(candidate) if rehash and candidate is not None else None
    why: str | None
    fingerprint = ""
    with db.write() as s:
        row = lock_user(s, user_id)
        if row is None:
            why = "unknown user"
        else:
            lockout.release(row)
            why = _refused_after_password(row, now, decision)
            if why is None and row.password_hash != user.password_hash:  # set again while the hash was checked
                why = PASSWORD_CHANGED
            if why is None and new_hash is not None:
                row.password_hash = new_hash
            fingerprint = password_fingerprint(row.password_hash)
    if why is not None:
        raise _fail(db, user_id, identifier, app_id, attempt, "password", why, count=False)
    return PasswordChecked(
        user_id=user_id,
        uid=user.uid,
        identifier=identifier,
        app_id=app_id,
        has_totp=user.mfa_state == "active",
        email=user.email,
        email_verified=user.email_verified,
        phone=user.phone,
        phone_verified=user.phone_verified,
        password_fingerprint=fingerprint,
        checked_at=now,
    )


def _refused_after_password(user: User, now: int, decision) -> str | None:
    """Why a right password still does not let the user in (locked meanwhile, not active, app denied)."""
    if lockout.is_locked(user, now):
        return lockout.LOCKED
    if user.status != "active":
        return f"account {user.status}"
    if decision is not None and not decision.allowed:
        return f"app access denied ({decision.why})"
    return None


def complete(
    db: Database, checked: PasswordChecked, method: str, attempt: Attempt = Attempt(), code: str | None = None
) -> SignedIn:
    """Step two: verify the second factor (if any), then open a session.

    method 'password' is only valid for users without TOTP; 'email_code'/'phone_code' must have been
    verified by the caller (see store.codes and `guarded`) before calling. A TOTP or recovery code is
    admitted (lockout.refusal), checked and counted in this one write transaction; a malformed code
    is an ordinary counted failure.

    Under the user's lock, before any code is checked, step one must still hold: the password it proved is still
    the one set (else PASSWORD_CHANGED) and it is at most `sign_in_window` old (else CHALLENGE_EXPIRED); both are
    the constant failure, recorded with the reason and not counted towards the lockout.
    """
    now = db.now()
    with db.write() as s:
        user = lock_user(s, checked.user_id)
        stale = _stale_first_step(db, user, checked, now)
        failure, counted = (stale, False) if stale else _second_step_failure(db, s, user, method, code, now)
        if user is not None and failure is None:
            lockout.reset(user)
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
                checked.user_id,
                app_id=checked.app_id,
                ip=attempt.ip,
                user_agent=attempt.user_agent,
                method=method,
                now=now,
            )
            return SignedIn(
                user_id=checked.user_id,
                uid=user.uid,
                username=user.username,
                session=issued,
                must_change_password=user.must_change_password,
                method=method,
            )
        failure = failure or "failed"
        if user is not None and counted:
            failure += lockout.settle_failure(user, now, db.policy, reserved=False)
        record_event(
            s,
            now,
            user_id=checked.user_id,
            identifier=checked.identifier,
            app_id=checked.app_id,
            attempt=attempt,
            method=method,
            success=False,
            reason=failure,
        )
    raise AuthFailed(failure)


def _stale_first_step(db: Database, user: User | None, checked: PasswordChecked, now: int) -> str | None:
    """Why step one no longer counts (the password was set since, or the first step is too old), or None."""
    if user is None:
        return None  # _second_step_failure says "account not active"
    if password_fingerprint(user.password_hash) != checked.password_fingerprint or not checked.password_fingerprint:
        return PASSWORD_CHANGED
    if first_step_expired(db, checked, now):
        return CHALLENGE_EXPIRED
    return None


def first_step_expired(db: Database, checked: PasswordChecked, now: int) -> bool:
    """Step one is older than the sign-in window: no second step can succeed now."""
    return now - checked.checked_at > sign_in_window(db.policy)


def _second_step_failure(
    db: Database, s: Session, user: User | None, method: str, code: str | None, now: int
) -> tuple[str | None, bool]:
    """(why step two fails, whether it counts towards the lockout), or (None, False) to let the user in."""
    if user is None or user.status != "active":
        return "account not active", False
    if method in GUESSED:
        refused = lockout.refusal(user, now, db.policy)
        if refused is not None:
            return refused, False
    else:
        lockout.expire(user, now)
        if lockout.is_locked(user, now):
            return lockout.LOCKED, False
    if method == "totp":
        if not mfa.well_formed_totp(code):
            return "malformed TOTP code", True
        return (None, False) if mfa.check_totp(db, s, user, code or "", now) else ("wrong or replayed TOTP code", True)
    if method == "recovery_code":
        if not mfa.well_formed_recovery_code(code):
            return "malformed recovery code", True
        if user.mfa_state == "active" and mfa.use_recovery_code(db, s, user, code or "", now):
            return None, False
        return "wrong or used recovery code", True
    if method == "password":
        return ("second factor required", False) if user.mfa_state == "active" else (None, False)
    if method in ("email_code", "phone_code"):
        return None, False
    return f"unknown method {method}", True


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


def guarded(
    db: Database,
    user_id: int,
    identifier: str,
    attempt: Attempt,
    method: str,
    check: Callable[[], str | None],
    *,
    app_id: int | None = None,
) -> None:
    """Check a secret outside sign-in's password step (one-time codes, reset codes) under the lockout
    rules: admit (reserve) the attempt, run `check` (None when right, else the failure reason for
    login history), then count the failure or give the reservation back. A right answer is refused
    ("account locked") if the account was locked meanwhile. Raises AuthFailed (constant message).
    """
    if app_id is None:
        app_id = _app_id(db, attempt)
    _admit(db, user_id, identifier, app_id, attempt, method)
    try:
        failure = check()
    except BaseException:
        _fail(db, user_id, identifier, app_id, attempt, method, "check interrupted", count=False, reserved=True)
        raise
    if failure is not None:
        raise _fail(db, user_id, identifier, app_id, attempt, method, failure, reserved=True)
    now = db.now()
    with db.write() as s:
        user = lock_user(s, user_id)
        locked = user is not None and lockout.is_locked(user, now)
        if user is not None:
            lockout.release(user)
    if locked:
        raise _fail(db, user_id, identifier, app_id, attempt, method, lockout.LOCKED, count=False)


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
    return _fail(db, user_id, identifier, _app_id(db, attempt), attempt, method, reason, count=count)


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
