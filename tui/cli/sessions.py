"""`userdesk session ...`: check a session token, list live sessions, revoke them."""

from __future__ import annotations

from dataclasses import asdict

import click

from store import sessions
from tui.text import fmt_ago

from .context import Failure, HiddenArgument, State, actor, pass_state, read_secret, refused_on_argv
from .output import emit_json, say, table, v, when
from .users import user_id


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
    db = state.db()
    live = sessions.validate(db, token)
    if live is None:
        raise Failure("the session is not valid (unknown, expired or revoked)")
    now = db.now()
    idle = min(live.absolute_expires_at, live.last_seen_at + sessions.idle_seconds(db))
    say(f"valid: session {live.sid}, expires {when(live.absolute_expires_at, now)}, idle expiry {when(idle, now)}")


@session.command("list")
@click.argument("ref", metavar="[ID|LOGIN]", required=False)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def session_list(state: State, ref: str | None, as_json: bool) -> None:
    """Live sessions, newest first (one user's, or everyone's)."""
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
    db = state.db()
    if sid:
        sessions.revoke(db, actor(), sid, reason)
        say(f"Revoked session {v(sid)}")
    elif ref:
        count = sessions.revoke_all(db, actor(), user_id(db, ref), reason)
        say(f"Revoked {count} session{'s' if count != 1 else ''}")
