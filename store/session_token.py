"""`userdesk session check` without SQLAlchemy: a session token's liveness, read (and touched) with `sqlite3`.

A script checking a token runs one short process per check, and importing SQLAlchemy, SQLModel and pydantic
would be most of its time. On a file the first look (store/first_look.py) vouches for, the CLI checks the
token here; anywhere else (a URL, PostgreSQL, a read-only file, a file the first look declines) it uses
store.sessions.validate. Both read the token's session row and decide with the one rule in
store/session_liveness.py; tests/store/test_session_token.py holds the two readings to the same answers.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .crypto import token_hash
from .first_look import FirstLook
from .session_liveness import counts_as_use, is_live_session

SESSION_SQL = (
    "SELECT s.id, s.sid, s.revoked_at, s.last_seen_at, s.absolute_expires_at, u.status "
    'FROM session s JOIN "user" u ON u.id = s.user_id WHERE s.token_hash = :token_hash'
)
TOUCH_SQL = "UPDATE session SET last_seen_at = :now WHERE id = :id"


@dataclass(frozen=True)
class LiveToken:
    """What `session check` prints of a live session (after this check's use of it)."""

    sid: str
    last_seen_at: int
    absolute_expires_at: int


def check_token(look: FirstLook, token: str, *, idle_seconds: int, now: int, touch: bool = True) -> LiveToken | None:
    """The live session of `token`, or None (unknown, revoked, expired, idle, or its user not active)."""
    if not token:
        return None
    conn = sqlite3.connect(look.path, timeout=10, isolation_level=None)  # we emit BEGIN ourselves, as store.db
    try:
        conn.execute("PRAGMA busy_timeout=10000")
        found = conn.execute(SESSION_SQL, {"token_hash": token_hash(token)}).fetchone()
        if found is None:
            return None
        id_, sid, revoked_at, last_seen_at, absolute_expires_at, status = found
        live = is_live_session(
            revoked_at=revoked_at,
            absolute_expires_at=absolute_expires_at,
            last_seen_at=last_seen_at,
            user_status=status,
            now=now,
            idle_seconds=idle_seconds,
        )
        if not live:
            return None
        if touch and counts_as_use(last_seen_at, now):
            conn.execute("BEGIN IMMEDIATE")  # a write, as every store write: never a read-then-write upgrade
            try:
                conn.execute(TOUCH_SQL, {"now": now, "id": id_})
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            last_seen_at = now
    finally:
        conn.close()
    return LiveToken(sid, last_seen_at, absolute_expires_at)
