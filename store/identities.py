"""Linked external identities (provider + subject, unique across the directory)."""

from __future__ import annotations

from sqlmodel import Session, select

from . import permissions
from .audit import Actor
from .db import Database, lock_value
from .errors import NotFound, ValidationError
from .models import Identity, stored_id
from .users import audit_user, require_user
from .validation import clean_text


def link(db: Database, actor: Actor, ref: str, provider: str, subject: str, *, reason: str | None = None) -> Identity:
    permissions.require(actor, "identities.manage")
    provider = clean_text("provider", provider, 64) or ""
    subject = clean_text("subject", subject, 255) or ""
    if not provider or not subject:
        raise ValidationError("Both a provider and a subject id are required.", "provider")
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        permissions.require_over(s, actor, "identities.manage", user)
        lock_value(s, f"identity.{provider}", subject)
        owner = s.exec(
            select(Identity.user_id).where(Identity.provider == provider, Identity.subject == subject)
        ).first()
        if owner is not None:
            raise ValidationError(
                f"{provider} identity '{subject}' is already linked to "
                f"{'this' if owner == user.id else 'another'} user.",
                "subject",
            )
        identity = Identity(user_id=stored_id(user), provider=provider, subject=subject, linked_at=now)
        s.add(identity)
        audit_user(
            s,
            actor,
            "identity.link",
            user,
            now=now,
            reason=reason,
            changes={f"identity:{provider}": [None, subject]},
        )
    return identity


def unlink(
    db: Database, actor: Actor, ref: str, provider: str, *, keep_a_way_in: bool = False, reason: str | None = None
) -> int:
    """Remove all of the user's identities at a provider. Self-service passes keep_a_way_in=True."""
    permissions.require(actor, "identities.manage")
    now = db.now()
    with db.write() as s:
        user = require_user(s, ref)
        permissions.require_over(s, actor, "identities.manage", user)
        rows = s.exec(select(Identity).where(Identity.user_id == user.id, Identity.provider == provider)).all()
        if not rows:
            raise NotFound(f"No {provider} identity is linked to this user.")
        if keep_a_way_in:
            others = s.exec(
                select(Identity.id).where(Identity.user_id == user.id, Identity.provider != provider)
            ).first()
            if user.password_hash is None and others is None:
                raise ValidationError(
                    "This is your last way to sign in; set a password before unlinking it.", "provider"
                )
        for row in rows:
            s.delete(row)
        audit_user(
            s,
            actor,
            "identity.unlink",
            user,
            now=now,
            reason=reason,
            changes={f"identity:{provider}": [", ".join(r.subject for r in rows), None]},
        )
        return len(rows)


def list_identities(db: Database, user_id: int, *, actor: Actor | None = None) -> list[Identity]:
    if actor is not None:
        permissions.require(actor, "users.read")
    with db.read() as s:
        return linked(s, user_id)


def linked(s: Session, user_id: int) -> list[Identity]:
    """The user's identities, in an open session (store.account_view reads a whole account in one)."""
    return list(s.exec(select(Identity).where(Identity.user_id == user_id).order_by(Identity.provider)).all())
