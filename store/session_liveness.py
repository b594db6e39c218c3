"""When a session token is live: the one rule, in plain Python (no SQLAlchemy).

A session is live while it is not revoked, before its absolute expiry and within the idle time of its last use,
and its user is active; a live check counts as use (last_seen_at), at most once a second. store.sessions.validate
(and is_live) and store.session_token.check_token (`userdesk session check` without SQLAlchemy) each read one
session row their own way and decide with these functions, so the rule cannot drift between them. Listing many
live sessions (store.sessions.list_sessions) filters in SQL instead: that is `sessions._live`, the same three
session conditions as `is_live_session` below.
"""

from __future__ import annotations

from .config import Policy

TOUCH_SECONDS = 1  # a check records a use at most this often (one write a second, however often a script checks)


def idle_seconds_of(policy: Policy) -> int:
    """How long a session lives without being used."""
    return policy.session_idle_minutes * 60


def is_live_session(
    *,
    revoked_at: int | None,
    absolute_expires_at: int,
    last_seen_at: int,
    user_status: str,
    now: int,
    idle_seconds: int,
) -> bool:
    """Not revoked, not past its absolute expiry, used within the idle time, and its user active."""
    return (
        revoked_at is None
        and absolute_expires_at > now
        and last_seen_at > now - idle_seconds
        and user_status == "active"
    )


def counts_as_use(last_seen_at: int, now: int) -> bool:
    """Should this live check move last_seen_at to `now`?"""
    return now - last_seen_at >= TOUCH_SECONDS
