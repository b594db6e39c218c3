"""`userdesk login` and `userdesk history`: sign in as a user, and read a user's sign-in attempts."""

from __future__ import annotations

import click

from store import auth
from store import history as store_history
from tui.text import fmt_time

from .context import KeepsUndecodable, State, escaped, pass_state, read_secret, refused_on_argv, undecodable
from .output import emit_json, pairs, table, v, when
from .users import user_id

CLI_USER_AGENT = "userdesk-cli"
TOTP_HINT = "use --totp-stdin and give the code on the line after the password"
RECOVERY_HINT = "use --recovery-code-stdin and give the code on the line after the password"


@click.command()
@click.argument("identifier", cls=KeepsUndecodable)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--totp-stdin", is_flag=True, help="Read the current TOTP code from standard input (after the password).")
@click.option("--recovery-code-stdin", is_flag=True, help="Read a recovery code from standard input (instead of TOTP).")
@click.option("--totp", hidden=True, expose_value=False, callback=refused_on_argv("a TOTP code", TOTP_HINT))
@click.option(
    "--recovery-code", hidden=True, expose_value=False, callback=refused_on_argv("a recovery code", RECOVERY_HINT)
)
@click.option("--app", metavar="NAME", help="Sign in to this app (its access rules apply).")
@click.option("--ip")
@click.option("--user-agent", default=CLI_USER_AGENT, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def login(
    state: State,
    identifier: str,
    password_stdin: bool,
    totp_stdin: bool,
    recovery_code_stdin: bool,
    app: str | None,
    ip: str | None,
    user_agent: str,
    as_json: bool,
) -> None:
    """Sign in as a user; prints a session token and its expiry.

    Secrets come from standard input, one per line (the password, then the TOTP or recovery code),
    or from hidden prompts on a terminal.
    """
    if totp_stdin and recovery_code_stdin:
        raise click.UsageError("give either --totp-stdin or --recovery-code-stdin, not both")
    db = state.db()
    attempt = auth.Attempt(app=app, ip=ip, user_agent=user_agent)
    if undecodable(identifier):
        # No account has such a name: a failed sign-in, in login history in a form that can be stored and read.
        raise auth.record_failure(db, None, escaped(identifier), attempt, "password", "identifier is not UTF-8 text")
    password = read_secret(password_stdin, "Password", confirm=False)
    totp = read_secret(True, "TOTP code", confirm=False, what="TOTP code") if totp_stdin else None
    recovery = read_secret(True, "Recovery code", confirm=False, what="recovery code") if recovery_code_stdin else None
    signed = auth.authenticate(db, identifier, password, totp=totp, recovery_code=recovery, attempt=attempt)
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
@click.option(
    "--ip", metavar="ADDRESS|PREFIX|CIDR", help="Only from this address, prefix (10.0.) or subnet (10.0.0.0/8)."
)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True)
@pass_state
def history(state: State, ref: str, failed: bool, app: str | None, ip: str | None, limit: int, as_json: bool) -> None:
    """A user's sign-in attempts, newest first."""
    db = state.db()
    if ip is not None:
        store_history.parse_ip_filter(ip)  # a bad filter is refused before anything is read
    flt = store_history.HistoryFilter(success=False if failed else None, app=app, ip=ip)
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
