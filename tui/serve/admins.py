"""The server's view of admin accounts: find the admin a proven public key belongs to, check they still are one, and
record their connections in the audit log. A thin layer over `store.admins` (the admin roles feature).

Decision: when `store.admins` is not available, nobody is routed to the admin console: every client gets the
self-service console. The server never falls back to an admin console without an identity and its TOTP gate.
"""

from __future__ import annotations

import importlib
from dataclasses import asdict, is_dataclass
from types import ModuleType
from typing import Any

from store import Database
from store.audit import Actor, record


def _admins_module() -> ModuleType | None:
    try:
        return importlib.import_module("store.admins")
    except ImportError:
        return None


class AdminDirectory:
    """Admin look-ups for the SSH server (each a few indexed reads: cheap enough before authentication ends)."""

    def __init__(self, db: Database, module: ModuleType | None = None) -> None:
        self.db = db
        self.module = module if module is not None else _admins_module()

    @property
    def available(self) -> bool:
        return self.module is not None

    def find_by_key(self, openssh_line: str) -> Any | None:
        """The AdminIdentity whose registered key this is, or None."""
        if self.module is None:
            return None
        return self.module.find_admin_by_key(self.db, openssh_line)

    def is_current(self, identity: Any) -> bool:
        """Still an admin with that role (not revoked, not disabled)?"""
        if self.module is None:
            return False
        return bool(self.module.admin_is_current(self.db, identity.user_id, identity.role))

    def audit(self, identity: Any, action: str, *, key: str | None, address: str | None, reason: str) -> None:
        """One audit entry about the admin's SSH connection (connect / disconnect)."""
        make = getattr(Actor, "admin", None)
        actor = (
            make(identity, key=key, address=address)
            if make is not None
            else Actor(f"admin:{identity.username}", address)
        )
        with self.db.write() as s:
            record(
                s,
                actor,
                action,
                now=self.db.now(),
                target_type="admin",
                target_uid=identity.uid,
                target_label=identity.username,
                reason=reason,
            )


def identity_fields(identity: Any) -> dict[str, Any]:
    """The AdminIdentity as plain JSON-able fields for the hand-off."""
    if is_dataclass(identity) and not isinstance(identity, type):
        return asdict(identity)
    return {k: getattr(identity, k) for k in ("user_id", "uid", "username", "role")}
