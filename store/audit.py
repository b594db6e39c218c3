"""The audit log: who changed what, written in the same transaction as the change."""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from . import limits
from .models import AuditEntry

SECRET_FIELDS = frozenset({"password_hash", "totp_secret", "token_hash", "code_hash", "totp_last_step"})
NOISE_FIELDS = frozenset({"version", "updated_at", "status_changed_at"})


@dataclass(frozen=True)
class Actor:
    name: str
    address: str | None = None

    @classmethod
    def from_environment(cls) -> Actor:
        """The OS user running the command, plus the SSH client address when there is one."""
        try:
            name = getpass.getuser()
        except Exception:  # no passwd entry (containers)
            name = f"uid:{os.getuid()}"
        ssh = os.environ.get("SSH_CLIENT") or os.environ.get("SSH_CONNECTION") or ""
        return cls(name=name, address=ssh.split()[0] if ssh else None)

    @classmethod
    def self_service(cls, username: str | None, uid: str) -> Actor:
        base = cls.from_environment()
        return cls(name=f"self:{username or uid}", address=base.address)


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
    name, address, target_label, reason = limits.audit_fields(actor.name, actor.address, target_label, reason)
    session.add(
        AuditEntry(
            ts=now,
            actor=name,
            actor_address=address,
            action=action,
            target_type=target_type,
            target_uid=target_uid,
            target_label=target_label,
            reason=reason,
            changes=json.dumps(changes, ensure_ascii=False, default=str) if changes else None,
        )
    )
