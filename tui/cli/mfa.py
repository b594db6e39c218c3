"""`userdesk mfa ...`: enrol a user in TOTP, confirm the enrolment, reset it."""

from __future__ import annotations

import click

from store import mfa as store_mfa
from store import users

from .context import HiddenArgument, State, actor, pass_state, read_secret, refused_on_argv
from .output import emit_json, say, v
from .verification import confirm_way_in


@click.group()
def mfa() -> None:
    """TOTP second factor: enrol, confirm, reset."""


@mfa.command("enroll")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def mfa_enroll(state: State, ref: str, as_json: bool) -> None:
    """Start TOTP enrolment: prints the otpauth:// URI and the secret (confirm with a code)."""
    enrolment = store_mfa.enroll(state.db(), actor(), ref)
    if as_json:
        emit_json({"uri": enrolment.uri, "secret": enrolment.secret})
        return
    say(enrolment.uri)
    say(f"secret: {enrolment.secret}")
    click.echo("Add it to an authenticator app, then run: userdesk mfa confirm ID|LOGIN (it asks for a code)", err=True)


@mfa.command("confirm")
@click.argument("ref", metavar="ID|LOGIN")
@click.argument(
    "code",
    cls=HiddenArgument,
    required=False,
    expose_value=False,
    callback=refused_on_argv("the code", "give it on standard input (or type it at the prompt)"),
)
@pass_state
def mfa_confirm(state: State, ref: str) -> None:
    """Activate a pending enrolment with a current code (read from standard input, or a hidden prompt);
    prints the recovery codes once."""
    code = read_secret(True, "Code from the authenticator app", confirm=False, what="code")
    codes = store_mfa.confirm(state.db(), actor(), ref, code)
    click.echo("TOTP is active. Recovery codes (each works once; they are not shown again):", err=True)
    for code_ in codes:
        say(code_)


@mfa.command("reset")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--reason", help="Why (kept in the audit log).")
@click.option("--yes", is_flag=True, help="Do not ask when TOTP is the user's only second step.")
@pass_state
def mfa_reset(state: State, ref: str, reason: str | None, yes: bool) -> None:
    """Remove a user's TOTP and recovery codes."""
    confirm_way_in(state.db(), ref, {"mfa_state": "none"}, yes)
    record = store_mfa.reset(state.db(), actor(), ref, reason)
    say(f"TOTP removed for {v(users.login_name(record))}")
