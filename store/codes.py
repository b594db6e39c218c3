"""One-time codes sent to a user's email or phone: 6 digits, hashed, short-lived, single use,
a few attempts, resend rate-limited. Limits live in the database since each SSH session is
its own process."""

from __future__ import annotations

import secrets

from sqlalchemy import update
from sqlmodel import col, select

from . import delivery
from .db import Database, lock_user
from .errors import AuthFailed, ValidationError
from .models import OneTimeCode

PURPOSES = {
    "signin": "your sign-in code",
    "reset": "your password reset code",
    "verify": "your verification code",
    "change_email": "the code to confirm your new email address",
    "change_phone": "the code to confirm your new phone number",
}


def _hash(db: Database, user_id: int, purpose: str, code: str) -> str:
    return db.keys.mac(f"otc:{user_id}:{purpose}:{code}")


def well_formed(code: str | None) -> str | None:
    """The six ASCII digits of a code as typed (surrounding spaces allowed), or None: anything else
    (other scripts' digits, letters, lone surrogates) is a wrong code, counted like one."""
    if not isinstance(code, str) or len(code) > 32:
        return None
    digits = code.strip()
    return digits if len(digits) == 6 and digits.isascii() and digits.isdigit() else None


def channel_of(destination: str) -> str:
    return "email" if "@" in destination else "phone"


def issue(db: Database, user_id: int, purpose: str, destination: str) -> int:
    """Create and send a code; returns its expiry. Raises ValidationError if asked again too soon."""
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    now = db.now()
    policy = db.policy
    code = f"{secrets.randbelow(10**6):06d}"
    with db.write() as s:
        lock_user(s, user_id)  # one issuer per user at a time: the resend check and the supersede stay whole
        last = s.exec(
            select(OneTimeCode.created_at)
            .where(col(OneTimeCode.user_id) == user_id, col(OneTimeCode.purpose) == purpose)
            .order_by(col(OneTimeCode.id).desc())
        ).first()
        if last is not None and now - last < policy.code_resend_seconds:
            wait = policy.code_resend_seconds - (now - last)
            raise ValidationError(f"A code was sent moments ago; wait {wait} s before asking for another.", "code")
        s.execute(
            update(OneTimeCode)
            .where(
                col(OneTimeCode.user_id) == user_id,
                col(OneTimeCode.purpose) == purpose,
                col(OneTimeCode.used_at).is_(None),
            )
            .values(used_at=now)
        )
        row = OneTimeCode(
            user_id=user_id,
            purpose=purpose,
            destination=destination,
            code_hash=_hash(db, user_id, purpose, code),
            created_at=now,
            expires_at=now + policy.code_ttl_minutes * 60,
        )
        s.add(row)
    body = (
        f"Your Userdesk code is {code}. It is {PURPOSES[purpose]} and expires in {policy.code_ttl_minutes} minutes.\n"
        "If you did not ask for it, ignore this message and tell your administrator."
    )
    try:
        delivery.send(db.config.delivery, channel_of(destination), destination, f"Userdesk code: {code}", body)
    except delivery.DeliveryError:
        with db.write() as s:
            s.execute(update(OneTimeCode).where(col(OneTimeCode.id) == row.id).values(used_at=now))
        raise
    return row.expires_at


def verify(db: Database, user_id: int, purpose: str, code: str) -> str:
    """Consume the current code; returns where it was sent. Raises AuthFailed with a reason."""
    now = db.now()
    with db.write() as s:
        lock_user(s, user_id)  # the code's attempts and use are read then written: one verifier at a time
        row = s.exec(
            select(OneTimeCode)
            .where(
                col(OneTimeCode.user_id) == user_id,
                col(OneTimeCode.purpose) == purpose,
                col(OneTimeCode.used_at).is_(None),
            )
            .order_by(col(OneTimeCode.id).desc())
        ).first()
        if row is None:
            raise AuthFailed("no code pending")
        if row.expires_at <= now:
            row.used_at = now
            s.add(row)
            failure = "code expired"
        else:
            row.attempts += 1
            digits = well_formed(code)
            good = digits is not None and secrets.compare_digest(row.code_hash, _hash(db, user_id, purpose, digits))
            if good:
                row.used_at = now
                s.add(row)
                return row.destination
            if row.attempts >= db.policy.code_max_attempts:
                row.used_at = now
            s.add(row)
            failure = "wrong code" if digits is not None else "malformed code"
    raise AuthFailed(failure)
