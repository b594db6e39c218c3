"""store/session_token.py (`userdesk session check` without SQLAlchemy) answers as store.sessions.validate."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from store import Actor, Database, sessions, users
from store.first_look import first_look
from store.models import Session, stored_id
from store.session_token import check_token
from tests.conftest import Clock

pytestmark = pytest.mark.sqlite_only("session check without SQLAlchemy reads SQLite files")


def _issue(db: Database, user_id: int) -> sessions.Issued:
    with db.write() as s:
        return sessions.create_session(
            s, db, user_id, app_id=None, ip=None, user_agent=None, method="password", now=db.now()
        )


def _both(db: Database, tmp_path: Path, token: str) -> tuple[tuple | None, tuple | None]:
    look = first_look(str(db.path), key_path=tmp_path / "test.key")
    assert look is not None
    light = check_token(look, token, idle_seconds=sessions.idle_seconds(db), now=db.now(), touch=False)
    full = sessions.validate(db, token, touch=False)
    return (
        None if light is None else (light.sid, light.last_seen_at, light.absolute_expires_at),
        None if full is None else (full.sid, full.last_seen_at, full.absolute_expires_at),
    )


@pytest.mark.parametrize("case", ["live", "unknown", "empty", "revoked", "expired", "idle", "disabled user"])
def test_the_same_answer_as_the_store(db: Database, tmp_path: Path, clock: Clock, actor: Actor, case: str) -> None:
    user = users.create_user(db, actor, {"username": "nina"})
    issued = _issue(db, stored_id(user))
    token = {"unknown": "no-such-token", "empty": ""}.get(case, issued.token)
    if case == "revoked":
        sessions.revoke(db, actor, issued.sid)
    elif case == "expired":
        clock.advance(issued.expires_at - db.now())
        with db.write() as s:  # still within the idle time: only the absolute expiry ends it
            s.execute(update(Session).where(Session.sid == issued.sid).values(last_seen_at=db.now() - 1))
    elif case == "idle":
        clock.advance(sessions.idle_seconds(db))
    elif case == "disabled user":
        users.disable_user(db, actor, "nina")
    light, full = _both(db, tmp_path, token)
    assert light == full
    assert (light is not None) == (case == "live")


def test_a_check_counts_as_use_once_a_second(db: Database, tmp_path: Path, clock: Clock, actor: Actor) -> None:
    user = users.create_user(db, actor, {"username": "nina"})
    issued = _issue(db, stored_id(user))
    look = first_look(str(db.path), key_path=tmp_path / "test.key")
    assert look is not None
    idle = sessions.idle_seconds(db)
    clock.advance(30)
    live = check_token(look, issued.token, idle_seconds=idle, now=db.now())
    assert live is not None and live.last_seen_at == db.now()
    stored = sessions.validate(db, issued.token, touch=False)
    assert stored is not None and stored.last_seen_at == db.now()
