"""Reading login history and the audit log, newest first, with keyset paging."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import tuple_
from sqlmodel import col, select

from . import permissions
from .audit import Actor
from .db import Database
from .models import App, AuditEntry, LoginEvent, stored_id


@dataclass(frozen=True)
class HistoryFilter:
    success: bool | None = None
    app: str | None = None
    ip: str | None = None
    since: int | None = None  # inclusive, Unix seconds
    until: int | None = None  # exclusive


@dataclass(frozen=True)
class HistoryRow:
    id: int
    ts: int
    identifier: str
    app: str | None
    ip: str | None
    user_agent: str | None
    method: str
    success: bool
    reason: str | None

    @property
    def cursor(self) -> tuple[int, int]:
        return (self.ts, self.id)


def login_history(
    db: Database,
    user_id: int,
    flt: HistoryFilter = HistoryFilter(),
    *,
    before: tuple[int, int] | None = None,
    limit: int = 50,
    actor: Actor | None = None,
) -> list[HistoryRow]:
    """One page of a user's attempts; pass the last row's cursor as `before` for the next page."""
    permissions.require_if(actor, "history.read")
    query = (
        select(LoginEvent, App.name)
        .outerjoin(App, col(App.id) == col(LoginEvent.app_id))
        .where(col(LoginEvent.user_id) == user_id)
        .order_by(col(LoginEvent.ts).desc(), col(LoginEvent.id).desc())
        .limit(limit)
    )
    if flt.success is not None:
        query = query.where(col(LoginEvent.success) == flt.success)
    if flt.app:
        query = query.where(col(App.name) == flt.app)
    if flt.ip:
        query = query.where(col(LoginEvent.ip) == flt.ip)
    if flt.since is not None:
        query = query.where(col(LoginEvent.ts) >= flt.since)
    if flt.until is not None:
        query = query.where(col(LoginEvent.ts) < flt.until)
    if before is not None:
        query = query.where(tuple_(col(LoginEvent.ts), col(LoginEvent.id)) < tuple_(*before))
    with db.read() as s:
        rows = s.exec(query).all()
    return [
        HistoryRow(
            id=stored_id(e),
            ts=e.ts,
            identifier=e.identifier,
            app=app,
            ip=e.ip,
            user_agent=e.user_agent,
            method=e.method,
            success=e.success,
            reason=e.reason,
        )
        for e, app in rows
    ]


def audit_log(
    db: Database,
    *,
    target_uid: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
    actor: Actor | None = None,
) -> list[AuditEntry]:
    permissions.require_if(actor, "audit.read")
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if target_uid is not None:
        query = query.where(col(AuditEntry.target_uid) == target_uid)
    if before_id is not None:
        query = query.where(col(AuditEntry.id) < before_id)
    with db.read() as s:
        return list(s.exec(query).all())


def changes_of(entry: AuditEntry) -> dict[str, Any]:
    return json.loads(entry.changes) if entry.changes else {}
