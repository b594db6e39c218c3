"""The audit log: who changed what, written in the same transaction as the change."""

from __future__ import annotations

import ipaddress
import json
import os
import pwd
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import limits

if TYPE_CHECKING:
    from sqlmodel import Session

    from .admins import AdminIdentity
    from .models import AuditEntry

SECRET_FIELDS = frozenset({"password_hash", "totp_secret", "token_hash", "code_hash", "totp_last_step"})
NOISE_FIELDS = frozenset({"version", "updated_at", "status_changed_at"})
KINDS = ("admin", "local", "self-service", "system")
_UNSET: Any = object()


def checked_address(value: str | None) -> str | None:
    """An IP address as text, or None: whatever else came from the environment or the network is dropped."""
    try:
        return str(ipaddress.ip_address((value or "").strip())) if value else None
    except ValueError:
        return None


def ssh_client_address() -> str | None:
    """The SSH client's address (first word of $SSH_CLIENT / $SSH_CONNECTION) when it is a valid IP address."""
    ssh = os.environ.get("SSH_CLIENT") or os.environ.get("SSH_CONNECTION") or ""
    return checked_address(ssh.split()[0]) if ssh.split() else None


def os_account() -> str:
    """The effective uid's account name, from the password database: $USER and $LOGNAME are never consulted."""
    euid = os.geteuid()
    try:
        return pwd.getpwuid(euid).pw_name
    except KeyError:  # no passwd entry (containers)
        return f"uid:{euid}"


@dataclass(frozen=True)
class Actor:
    """Who performs a store operation, as the audit log records it.

    Built only by the constructors below from verified facts (the effective uid, an admin identity found by
    key or signed in with password and TOTP, a signed-in self-service user), never from environment variables.
    `Actor("name")` is trusted in-process code (kind "system"): tests, the demo builder, notifications.
    """

    name: str
    address: str | None = None
    kind: str = "system"
    role: str | None = None
    key: str | None = None  # SSH key fingerprint, or "local"
    user_id: int | None = None  # the admin's user id (kind "admin")

    @classmethod
    def local(cls) -> Actor:
        """The OS account that owns the database acts as an owner: it can read the file and the key anyway."""
        return cls(name=os_account(), address=ssh_client_address(), kind="local", role="owner", key="local")

    @classmethod
    def from_environment(cls) -> Actor:
        """Kept for callers written before roles existed: the local owner (the name is never from $USER)."""
        return cls.local()

    @classmethod
    def admin(cls, identity: AdminIdentity, *, key: str | None, address: str | None) -> Actor:
        """A named admin with their granted role; `key` is their SSH public key line (or its fingerprint)."""
        fingerprint = "local"
        if key:
            from .admins import key_fingerprint

            fingerprint = key if key.startswith("SHA256:") else key_fingerprint(key)
        return cls(
            name=identity.username,
            address=checked_address(address),
            kind="admin",
            role=identity.role,
            key=fingerprint,
            user_id=identity.user_id,
        )

    @classmethod
    def self_service(cls, username: str | None, uid: str, address: str | None = _UNSET) -> Actor:
        """An end user acting on their own record (store/selfservice.py scopes every operation to them)."""
        where = ssh_client_address() if address is _UNSET else checked_address(address)
        return cls(name=f"self:{username or uid}", address=where, kind="self-service")

    @property
    def label(self) -> str:
        """One line for people: 'nina (helpdesk)', 'root (local owner)', 'self:bob'."""
        if self.kind == "admin":
            return f"{self.name} ({self.role})"
        if self.kind == "local":
            return f"{self.name} (local owner)"
        return self.name


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k) and k not in SECRET_FIELDS | NOISE_FIELDS
    }


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    now: int,
    target_uid: str | None = None,
    target_label: str | None = None,
    target_type: str = "user",
    reason: str | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    from .models import AuditEntry  # here, not at the top: Actor must import without SQLModel (a fast first paint)

    name, address, target_label, reason = limits.audit_fields(actor.name, actor.address, target_label, reason)
    session.add(
        AuditEntry(
            ts=now,
            actor=name,
            actor_address=address,
            actor_kind=actor.kind,
            actor_role=actor.role,
            actor_key=actor.key,
            action=action,
            target_type=target_type,
            target_uid=target_uid,
            target_label=target_label,
            reason=reason,
            changes=json.dumps(changes, ensure_ascii=False, default=str) if changes else None,
        )
    )


def actor_of(entry: AuditEntry) -> dict[str, Any]:
    """The structured actor of an audit entry (entries from before schema v4 have only a name and address)."""
    return {
        "kind": entry.actor_kind,
        "name": entry.actor,
        "role": entry.actor_role,
        "key": entry.actor_key,
        "address": entry.actor_address,
    }


def actor_label(entry: AuditEntry) -> str:
    """How the consoles show an entry's actor: the name, plus the role for admins and local owners."""
    if entry.actor_kind == "admin" and entry.actor_role:
        return f"{entry.actor} ({entry.actor_role})"
    if entry.actor_kind == "local":
        return f"{entry.actor} (local)"
    return entry.actor
