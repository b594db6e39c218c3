"""Sessions: opaque bearer tokens (stored only as SHA-256), idle and absolute expiry, revocation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from . import audit, permissions
from .audit import Actor
from .crypto import token_hash
from .db import Database
from .errors import NotFound
from .models import App, Session, User
from .session_liveness import counts_as_use, idle_seconds_of, is_live_session

TOKEN_BYTES = 32  # 256 bits from the CSPRNG


@dataclass(frozen=True)
class Issued:
    """A new session: the token is shown once and never stored."""

    token: str
    sid: str
    expires_at: int
    idle_expires_at: int


@dataclass(frozen=True)
class SessionView:
    sid: str
    user_uid: str
    user_label: str
    app: str | None
    ip: str | None
    user_agent: str | None
    method: str
    created_at: int
    last_seen_at: int
    idle_expires_at: int
    absolute_expires_at: int


def idle_seconds(db: Database) -> int:
    return idle_seconds_of(db.policy)


def create_session(
    s: DbSession,
    db: Database,
    user_id: int,
    *,
    app_id: int | None,
    ip: str | None,
    user_agent: str | None,
    method: str,
    now: int,
) -> Issued:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    sid = secrets.token_hex(8)
    absolute = now + db.policy.session_absolute_hours * 3600
    s.add(
        Session(
            sid=sid,
            token_hash=token_hash(token),
            user_id=user_id,
            app_id=app_id,
            ip=ip,
            user_agent=user_agent,
            method=method,
            created_at=now,
            last_seen_at=now,
            absolute_expires_at=absolute,
        )
    )
    return Issued(token=token, sid=sid, expires_at=absolute, idle_expires_at=min(absolute, now + idle_seconds(db)))


def _live(db: Database, now: int):
    """The session conditions of store.session_liveness.is_live_session in SQL, for listing many sessions."""
    return (
        col(Session.revoked_at).is_(None),
        Session.absolute_expires_at > now,
        Session.last_seen_at > now - idle_seconds(db),
    )


def count_live(db: Database, s: DbSession, user_id: int, now: int) -> int:
    """The user's live sessions, in an open session (store.account_view reads a whole account in one)."""
    query = select(func.count()).select_from(Session).where(col(Session.user_id) == user_id, *_live(db, now))
    return s.exec(query).one()


def validate(db: Database, token: str, *, touch: bool = True) -> Session | None:
    """The live session for a token, or None (unknown, revoked, expired, or its user not active)."""
    if not token:
        return None
    now = db.now()
    with db.read() as s:
        row = s.exec(
            select(Session, User.status)
            .join(User, col(User.id) == col(Session.user_id))
            .where(col(Session.token_hash) == token_hash(token))
        ).first()
    if row is None or not _is_live(db, row[0], row[1], now):
        return None
    session = row[0]
    if touch and counts_as_use(session.last_seen_at, now):
        with db.write() as s:
            s.execute(update(Session).where(col(Session.id) == session.id).values(last_seen_at=now))
        session.last_seen_at = now
    return session


def is_live(db: Database, sid: str) -> bool:
    """Is the session still valid? (Used by the self-service console to notice revocation.)"""
    now = db.now()
    with db.read() as s:
        row = s.exec(
            select(Session, User.status).join(User, col(User.id) == col(Session.user_id)).where(col(Session.sid) == sid)
        ).first()
    return row is not None and _is_live(db, row[0], row[1], now)


def _is_live(db: Database, session: Session, user_status: str, now: int) -> bool:
    return is_live_session(
        revoked_at=session.revoked_at,
        absolute_expires_at=session.absolute_expires_at,
        last_seen_at=session.last_seen_at,
        user_status=user_status,
        now=now,
        idle_seconds=idle_seconds(db),
    )


def touch(db: Database, sid: str) -> None:
    with db.write() as s:
        s.execute(
            update(Session)
            .where(col(Session.sid) == sid, col(Session.revoked_at).is_(None))
            .values(last_seen_at=db.now())
        )


def end_user_sessions(s: DbSession, user_id: int, now: int, reason: str, keep: int | None = None) -> int:
    query = update(Session).where(col(Session.user_id) == user_id, col(Session.revoked_at).is_(None))
    if keep is not None:
        query = query.where(col(Session.id) != keep)
    result = cast("CursorResult[Any]", s.execute(query.values(revoked_at=now, revoked_reason=reason)))
    return result.rowcount


def list_sessions(
    db: Database, user_id: int | None = None, limit: int = 200, *, actor: Actor | None = None
) -> list[SessionView]:
    """Live sessions, newest first (of one user, or of everyone)."""
    permissions.require_if(actor, "sessions.read")
    now = db.now()
    query = (
        sa_select(Session, col(User.uid), col(User.username), col(User.email), col(User.phone), col(App.name))
        .join(User, col(User.id) == col(Session.user_id))
        .outerjoin(App, col(App.id) == col(Session.app_id))
        .where(*_live(db, now))
        .order_by(col(Session.id).desc())
        .limit(limit)
    )
    if user_id is not None:
        query = query.where(col(Session.user_id) == user_id)
    with db.read() as s:
        rows = s.execute(query).all()
    idle = idle_seconds(db)
    return [
        SessionView(
            sid=r.sid,
            user_uid=uid,
            user_label=un or em or ph or uid,
            app=app,
            ip=r.ip,
            user_agent=r.user_agent,
            method=r.method,
            created_at=r.created_at,
            last_seen_at=r.last_seen_at,
            idle_expires_at=min(r.absolute_expires_at, r.last_seen_at + idle),
            absolute_expires_at=r.absolute_expires_at,
        )
        for r, uid, un, em, ph, app in rows
    ]


def revoke(db: Database, actor: Actor, sid: str, reason: str | None = None, *, only_user_id: int | None = None) -> None:
    """End one session. only_user_id limits it to that user's sessions (self-service)."""
    permissions.require_on_session(db, actor, "sessions.revoke", sid)
    now = db.now()
    with db.write() as s:
        query = select(Session, User).join(User, col(User.id) == col(Session.user_id)).where(col(Session.sid) == sid)
        if only_user_id is not None:
            query = query.where(col(Session.user_id) == only_user_id)
        row = s.exec(query).first()
        if row is None:
            raise NotFound(f"No session with id '{sid}'.")
        session, user = row
        if session.revoked_at is None:
            session.revoked_at, session.revoked_reason = now, reason or "revoked"
            s.add(session)
        audit.record(
            s,
            actor,
            "session.revoke",
            now=now,
            target_uid=user.uid,
            target_label=user.username or user.email or user.phone,
            reason=reason,
            changes={"session": [sid, None]},
        )


def revoke_all(
    db: Database,
    actor: Actor,
    user_id: int,
    reason: str | None = None,
    *,
    keep_sid: str | None = None,
    action: str = "session.revoke_all",
) -> int:
    permissions.require_on_user(db, actor, "sessions.revoke", user_id=user_id)
    now = db.now()
    with db.write() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotFound("No such user.")
        keep = None
        if keep_sid:
            keep = s.exec(select(Session.id).where(col(Session.sid) == keep_sid)).first()
        count = end_user_sessions(s, user_id, now, reason or "signed out by admin", keep=keep)
        audit.record(
            s,
            actor,
            action,
            now=now,
            target_uid=user.uid,
            target_label=user.username or user.email or user.phone,
            reason=reason,
            changes={"sessions_ended": [None, count]},
        )
        return count
