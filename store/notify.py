"""Security notices to the user through a channel independent of the change (ASVS 6.3.6 / NIST 4.1.2.1)."""

from __future__ import annotations

import logging

from . import audit, delivery
from .audit import Actor
from .db import Database
from .models import User

log = logging.getLogger("userdesk.notify")


def contact_of(user: User) -> str | None:
    """The user's verified email, else verified phone, else None."""
    if user.email and user.email_verified:
        return user.email
    if user.phone and user.phone_verified:
        return user.phone
    return None


def notify(db: Database, user: User, subject: str, body: str) -> bool:
    """Best effort, never raises: returns whether the notice went out.

    It is called after a committed change (a password change, a new recovery code...), which must
    stand whatever happens here. A failure of any kind is logged (logger 'userdesk.notify') and
    recorded in the audit log as 'notify.failed' with the reason, where admins see it (the global
    audit log and the account's Audit tab). If even that write fails, the log has both reasons.
    """
    to = contact_of(user)
    if to is None:
        return False
    try:
        delivery.send(
            db.config.delivery,
            "email" if "@" in to else "phone",
            to,
            f"Userdesk: {subject}",
            f"{body}\n\nIf this was not you, contact your administrator at once.",
        )
        return True
    except Exception as exc:
        reason = str(exc) if isinstance(exc, delivery.DeliveryError) else f"{type(exc).__name__}: {exc}"
        log.warning("could not send the notice '%s' to user %s: %s", subject, user.uid, reason)
        _record_failure(db, user, to, f"{subject}: {reason}")
        return False


def _record_failure(db: Database, user: User, to: str, reason: str) -> None:
    try:
        with db.write() as s:
            audit.record(
                s,
                Actor("userdesk"),
                "notify.failed",
                now=db.now(),
                target_uid=user.uid,
                target_label=user.username or to,
                reason=reason,
            )
    except Exception as exc:
        log.error("could not record the failed notice to user %s in the audit log: %s", user.uid, exc)
