"""`userdesk login` and `userdesk history`: sign in as a user, and read a user's sign-in attempts."""

from __future__ import annotations

import click

from store import auth
from store import history as store_history
from tui.text import fmt_time

from .context import KeepsUndecodable, State, escaped, pass_state, read_secret, undecodable
from .output import emit_json, pairs, table, v, when
from .users import user_id

CLI_USER_AGENT = "userdesk-cli"


@click.command()
@click.argument("identifier", cls=KeepsUndecodable)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--totp", metavar="CODE", help="Current 6-digit TOTP code.")
@click.option("--recovery-code", metavar="CODE", help="A recovery code (instead of --totp).")
@click.option("--app", metavar="NAME", help="Sign in to this app (its access rules apply).")
@click.option("--ip")
@click.option("--user-agent", default=CLI_USER_AGENT, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def login(
    state: State,
    identifier: str,
    password_stdin: bool,
    totp: str | None,
    recovery_code: str | None,
    app: str | None,
    ip: str | None,
    user_agent: str,
    as_json: bool,
) -> None:
    """Sign in as a user; prints a session token and its expiry."""
    if totp and recovery_code:
        raise click.UsageError("give either --totp or --recovery-code, not both")
    db = state.db()
    attempt = auth.Attempt(app=app, ip=ip, user_agent=user_agent)
    if undecodable(identifier):
        # No account has such a name: a failed sign-in, in login history in a form that can be stored and read.
        raise auth.record_failure(db, None, escaped(identifier), attempt, "password", "identifier is not UTF-8 text")
    password = read_secret(password_stdin, "Password", confirm=False)
    signed = auth.authenticate(db, identifier, password, totp=totp, recovery_code=recovery_code, attempt=attempt)
    issued = signed.session
    if as_json:
        emit_json(
            {
                "token": issued.token,
                "session_id": issued.sid,
                "expires_at": issued.expires_at,
                "idle_expires_at": issued.idle_expires_at,
                "user_uid": signed.uid,
                "username": signed.username,
                "method": signed.method,
                "must_change_password": signed.must_change_password,
            }
        )
        return
    now = db.now()
    pairs(
        [
            ("token", issued.token),
            ("session", issued.sid),
            ("user", f"{v(signed.username)} ({signed.uid})"),
            ("expires", when(issued.expires_at, now)),
            ("idle expiry", when(issued.idle_expires_at, now)),
        ]
    )
    if signed.must_change_password:
        click.echo("note: this user must change their password now", err=True)


@click.command()
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--failed", is_flag=True, help="Only failed attempts.")
@click.option("--app", metavar="NAME", help="Only attempts on this app.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True)
@pass_state
def history(state: State, ref: str, failed: bool, app: str | None, limit: int, as_json: bool) -> None:
    """A user's sign-in attempts, newest first."""
    db = state.db()
    flt = store_history.HistoryFilter(success=False if failed else None, app=app)
    rows = store_history.login_history(db, user_id(db, ref), flt, limit=limit)
    if as_json:
        emit_json(
            {
                "history": [
                    {
                        "id": r.id,
                        "ts": r.ts,
                        "identifier": r.identifier,
                        "app": r.app,
                        "ip": r.ip,
                        "user_agent": r.user_agent,
                        "method": r.method,
                        "success": r.success,
                        "reason": r.reason,
                    }
                    for r in rows
                ]
            }
        )
        return
    table(
        ("TIME", "RESULT", "METHOD", "APP", "IP", "IDENTIFIER", "REASON"),
        [
            (fmt_time(r.ts), "ok" if r.success else "FAILED", r.method, r.app, r.ip, r.identifier, r.reason)
            for r in rows
        ],
    )
