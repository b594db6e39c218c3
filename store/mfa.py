"""TOTP (RFC 6238: SHA1, 6 digits, 30 s, 160-bit secret) with a replay guard, and recovery codes."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import pyotp
from sqlalchemy import CursorResult, delete, func, update
from sqlmodel import Session, col, select

from . import permissions
from .audit import Actor
from .db import Database
from .errors import AuthFailed, ValidationError
from .models import RecoveryCode, User, stored_id
from .notify import notify
from .sessions import end_user_sessions
from .users import audit_user, is_locked, login_name, require_user

ISSUER = "Userdesk"
STEP = 30
RECOVERY_CODES = 10


@dataclass(frozen=True)
class Enrolment:
    secret: str  # shown once, for manual entry
    uri: str  # otpauth://totp/...


def _label(user: User) -> str:
    return login_name(user)


def enroll(db: Database, actor: Actor, ref: str) -> Enrolment:
    """Start enrolment: a fresh secret, state 'pending' until a code confirms it."""
    permissions.require_on_user(db, actor, "mfa.enroll", ref=ref)
    secret = base64.b32encode(secrets.token_bytes(20)).decode()  # 160 bits
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        if user.mfa_state == "active":
            raise ValidationError("TOTP is already active for this user; reset it first to enrol a new device.")
        user.totp_secret = db.keys.encrypt(secret)
        user.mfa_state = "pending"
        user.totp_last_step = 0
        user.version += 1
        s.add(user)
        audit_user(
            s,
            actor,
            "mfa.enroll",
            user,
            now=now,
            changes={"mfa_state": [None, "pending"]},
        )
        uri = pyotp.TOTP(secret).provisioning_uri(name=_label(user), issuer_name=ISSUER)
    return Enrolment(secret=secret, uri=uri)


def _totp_digits(code: str | None) -> str | None:
    """The six ASCII digits of a TOTP code (spaces allowed), or None. Other digits ('١٢٣٤٥٦', full-width)
    are malformed: str.isdigit() accepts them, and compare_digest raises TypeError on non-ASCII text."""
    if not isinstance(code, str) or len(code) > 32:
        return None
    digits = code.strip().replace(" ", "")
    return digits if len(digits) == 6 and digits.isascii() and digits.isdigit() else None


def well_formed_totp(code: str | None) -> bool:
    return _totp_digits(code) is not None


def match_step(secret: str, code: str, now: int) -> int | None:
    """The time step (current or +/-1) whose code equals `code`, or None (also for a malformed code)."""
    digits = _totp_digits(code)
    if digits is None:
        return None
    code = digits
    totp = pyotp.TOTP(secret)
    current = now // STEP
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def check_totp(db: Database, s: Session, user: User, code: str, now: int) -> bool:
    """Verify and consume a TOTP code inside the caller's write transaction (replay guard)."""
    if user.mfa_state != "active" or user.totp_secret is None:
        return False
    step = match_step(db.keys.decrypt(user.totp_secret), code, now)
    if step is None or step <= user.totp_last_step:
        return False
    user.totp_last_step = step
    s.add(user)
    return True


def _new_codes() -> list[str]:
    """120-bit codes in six groups of four base32 characters."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(15)).decode().lower()
        codes.append("-".join(raw[i : i + 4] for i in range(0, 24, 4)))
    return codes


_BASE32 = frozenset("abcdefghijklmnopqrstuvwxyz234567")


def _code_key(code: str) -> str:
    return code.strip().lower().replace("-", "").replace(" ", "")


def well_formed_recovery_code(code: str | None) -> bool:
    """24 base32 characters once dashes and spaces are removed (ASCII only: anything else is malformed)."""
    if not isinstance(code, str) or len(code) > 64:
        return False
    key = _code_key(code)
    return len(key) == 24 and set(key) <= _BASE32


def _replace_recovery_codes(db: Database, s: Session, user: User) -> list[str]:
    assert user.id is not None  # a stored user
    s.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = _new_codes()
    for code in codes:
        s.add(RecoveryCode(user_id=user.id, code_hash=db.keys.mac(_code_key(code))))
    return codes


def confirm(db: Database, actor: Actor, ref: str, code: str) -> list[str]:
    """Activate a pending enrolment with a current code; returns the recovery codes (shown once)."""
    permissions.require_on_user(db, actor, "mfa.enroll", ref=ref)
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        if user.mfa_state != "pending" or user.totp_secret is None:
            raise ValidationError("There is no pending TOTP enrolment to confirm; start with enrol.")
        step = match_step(db.keys.decrypt(user.totp_secret), code, now)
        if step is None:
            raise ValidationError(
                "That code does not match. Check the device's clock and enter the current 6-digit code.", "code"
            )
        user.mfa_state = "active"
        user.totp_last_step = step  # the confirming code cannot be replayed to sign in
        user.version += 1
        s.add(user)
        codes = _replace_recovery_codes(db, s, user)
        audit_user(
            s,
            actor,
            "mfa.confirm",
            user,
            now=now,
            changes={"mfa_state": ["pending", "active"], "recovery_codes": [None, RECOVERY_CODES]},
        )
    notify(db, user, "an authenticator app was added", "Two-step verification (TOTP) was turned on for your account.")
    return codes


def use_recovery_code(db: Database, s: Session, user: User, code: str, now: int) -> bool:
    if not well_formed_recovery_code(code):
        return False
    key = _code_key(code)
    result = s.execute(
        update(RecoveryCode)
        .where(
            col(RecoveryCode.user_id) == user.id,
            col(RecoveryCode.code_hash) == db.keys.mac(key),
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=now)
    )
    return cast("CursorResult[Any]", result).rowcount == 1


def regenerate_recovery_codes(db: Database, actor: Actor, ref: str) -> list[str]:
    permissions.require_on_user(db, actor, "mfa.enroll", ref=ref)
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        if user.mfa_state != "active":
            raise ValidationError("Recovery codes exist only while TOTP is active.")
        codes = _replace_recovery_codes(db, s, user)
        audit_user(
            s,
            actor,
            "mfa.recovery_codes",
            user,
            now=now,
            changes={"recovery_codes": [None, RECOVERY_CODES]},
        )
        return codes


def recovery_codes_left(db: Database, user_id: int) -> int:
    with db.read() as s:
        return count_recovery_codes(s, user_id)


def count_recovery_codes(s: Session, user_id: int) -> int:
    """Unused recovery codes, in an open session (store.account_view reads a whole account in one)."""
    return s.exec(
        select(func.count())
        .select_from(RecoveryCode)
        .where(col(RecoveryCode.user_id) == user_id, col(RecoveryCode.used_at).is_(None))
    ).one()


def reset(
    db: Database,
    actor: Actor,
    ref: str,
    reason: str | None = None,
    action: str = "mfa.reset",
    *,
    end_sessions: bool = True,
) -> User:
    """Remove TOTP and recovery codes (admin reset, or the user's own unbind after verification).

    By default every session of the user ends in the same transaction (sessions opened with the old
    factor must not outlive its removal); the user's own unbind passes end_sessions=False.
    """
    permissions.require_on_user(db, actor, "mfa.reset", ref=ref)
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        before = user.mfa_state
        user.mfa_state, user.totp_secret, user.totp_last_step = "none", None, 0
        user.version += 1
        s.add(user)
        s.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
        ended = end_user_sessions(s, stored_id(user), now, "MFA reset") if end_sessions else 0
        changes: dict[str, list] = {"mfa_state": [before, "none"]}
        if end_sessions:
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
    if before == "active":
        notify(
            db,
            user,
            "your authenticator app was removed",
            "Two-step verification (TOTP) was turned off for your account.",
        )
    return user


def verify_fresh(db: Database, ref: str, code: str) -> None:
    """A step-up check with the user's own TOTP (consumes the step). Raises AuthFailed."""
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        if is_locked(user, now):
            raise AuthFailed("account locked")
        if not check_totp(db, s, user, code, now):
            raise AuthFailed("bad totp")


def fresh_check(db: Database, ref: str, code: str, failure: str | None = None) -> Callable[[], str | None]:
    """`verify_fresh` as a check for auth.guarded (which admits, throttles and counts the attempt around it):
    None when the code is right, else the reason for login history (`failure` if given)."""

    def check() -> str | None:
        try:
            verify_fresh(db, ref, code)
        except AuthFailed as exc:
            return failure or exc.reason
        return None

    return check
