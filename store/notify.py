"""Security notices to the user through a channel independent of the change (ASVS 6.3.6 / NIST 4.1.2.1)."""

from __future__ import annotations

from . import audit, delivery
from .audit import Actor
from .db import Database
from .models import User


def contact_of(user: User) -> str | None:
    """The user's verified email, else verified phone, else None."""
    if user.email and user.email_verified:
        return user.email
    if user.phone and user.phone_verified:
        return user.phone
    return None


def notify(db: Database, user: User, subject: str, body: str) -> bool:
    """Best effort: a failed delivery is recorded in the audit log, never raised."""
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
    except delivery.DeliveryError as exc:
        with db.write() as s:
            audit.record(
                s,
                Actor("userdesk"),
                "notify.failed",
                now=db.now(),
                target_uid=user.uid,
                target_label=user.username or to,
                reason=str(exc),
            )
        return False
