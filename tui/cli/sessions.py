"""`userdesk session ...`: check a session token, list live sessions, revoke them.

`session check` runs once per token a script checks: on a SQLite file the first look vouches for, it checks the
token with the standard `sqlite3` module (store/session_token.py) and imports no SQLAlchemy; store modules are
imported in the commands that use them.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from store import config as cfg
from tui.text import fmt_ago

from .context import Failure, HiddenArgument, State, actor, pass_state, read_secret, refused_on_argv
from .output import emit_json, say, table, v, when

if TYPE_CHECKING:
    from store.models import Session
    from store.session_token import LiveToken


@click.group()
def session() -> None:
    """Check, list and revoke sessions."""


@session.command("check")
@click.argument(
    "token",
    cls=HiddenArgument,
    required=False,
    expose_value=False,
    callback=refused_on_argv(
        "a session token", "give it on standard input, e.g. userdesk session check < token-file", allowed=("-",)
    ),
)
@pass_state
def session_check(state: State) -> None:
    """Exit 0 if the session token on standard input is live (counts as activity), 1 if not."""
    token = read_secret(True, "Session token", confirm=False, what="session token").strip()
    live, now, idle_seconds = _check_light(state, token) or _check_full(state, token)
    if live is None:
        raise Failure("the session is not valid (unknown, expired or revoked)")
    idle = min(live.absolute_expires_at, live.last_seen_at + idle_seconds)
    say(f"valid: session {live.sid}, expires {when(live.absolute_expires_at, now)}, idle expiry {when(idle, now)}")


def _check_light(state: State, token: str) -> tuple[LiveToken | None, int, int] | None:
    """(the live session or None, now, idle seconds) through store.session_token; None where it does not apply."""
    from store.first_look import first_look

    look = first_look(state.target)
    if look is None or look.read_only:  # a read-only file: the full path says why it cannot count the use
        return None
    from store.session_liveness import idle_seconds_of
    from store.session_token import check_token

    now = int(time.time())  # the clock of store.db.Database
    idle_seconds = idle_seconds_of(cfg.load_config().policy)  # as store.sessions.idle_seconds
    return check_token(look, token, idle_seconds=idle_seconds, now=now), now, idle_seconds


def _check_full(state: State, token: str) -> tuple[Session | None, int, int]:
    from store import sessions

    db = state.db()
    live = sessions.validate(db, token)
    return live, db.now(), sessions.idle_seconds(db)


@session.command("list")
@click.argument("ref", metavar="[ID|LOGIN]", required=False)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def session_list(state: State, ref: str | None, as_json: bool) -> None:
    """Live sessions, newest first (one user's, or everyone's)."""
    from store import sessions

    from .users import user_id

    db = state.db()
    views = sessions.list_sessions(db, user_id(db, ref) if ref else None)
    if as_json:
        emit_json({"sessions": [asdict(view) for view in views]})
        return
    now = db.now()
    table(
        ("SESSION", "USER", "APP", "IP", "METHOD", "STARTED", "LAST SEEN", "EXPIRES"),
        [
            (
                s.sid,
                s.user_label,
                s.app,
                s.ip,
                s.method,
                fmt_ago(s.created_at, now),
                fmt_ago(s.last_seen_at, now),
                fmt_ago(s.absolute_expires_at, now),
            )
            for s in views
        ],
    )


@session.command("revoke")
@click.argument("sid", metavar="[SESSION_ID]", required=False)
@click.option("--user", "ref", metavar="ID|LOGIN", help="With --all: every session of this user.")
@click.option("--all", "everything", is_flag=True, help="With --user: end all of the user's sessions.")
@click.option("--reason", help="Why (kept in the audit log).")
@pass_state
def session_revoke(state: State, sid: str | None, ref: str | None, everything: bool, reason: str | None) -> None:
    """End one session (SESSION_ID), or all of a user's (--user ID|LOGIN --all)."""
    if sid and (ref or everything):
        raise click.UsageError("give either SESSION_ID or --user ... --all, not both")
    if not sid and not (ref and everything):
        raise click.UsageError("give a SESSION_ID, or --user ID|LOGIN --all")
    from store import sessions

    from .users import user_id

    db = state.db()
    if sid:
        sessions.revoke(db, actor(), sid, reason)
        say(f"Revoked session {v(sid)}")
    elif ref:
        count = sessions.revoke_all(db, actor(), user_id(db, ref), reason)
        say(f"Revoked {count} session{'s' if count != 1 else ''}")
