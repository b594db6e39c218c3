"""`userdesk user verify | send-code | confirm-code`, and the 'last way in' warning of `user update` and `mfa reset`.

What a user needs to finish signing in, and whether a change removes it, is store/verification.py's decision;
this module only words it for the command line."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import click

from store import Database, users, verification

from .context import State, actor, pass_state, read_secret
from .output import say, v


def confirm_way_in(db: Database, ref: str, changes: Mapping[str, Any], yes: bool) -> None:
    """Before a change: when it leaves the user no way to finish signing in, say so (stderr) and, on a
    terminal without --yes, ask; scripts (no terminal) get the warning and the change."""
    record = users.get_user(db, ref)
    loss = verification.way_in_loss(record, changes)
    if loss is None:
        return
    click.echo(f"warning: {v(users.login_name(record))}: {loss.text()}", err=True)
    if loss.fixes:
        click.echo(f"  then: userdesk user verify {record.uid} --{_kind(loss.fixes)} --reason ...", err=True)
    if not yes and sys.stdin.isatty():
        click.confirm("Do it anyway?", abort=True, err=True)


def _kind(fixes: tuple[str, ...]) -> str:
    return "phone" if fixes[0].endswith("phone") else "email"


def _which(email: bool, phone: bool) -> str:
    if email == phone:
        raise click.UsageError("say which address: --email or --phone")
    return "email" if email else "phone"


@click.command("verify")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--email", is_flag=True, help="Mark the email verified.")
@click.option("--phone", is_flag=True, help="Mark the phone verified.")
@click.option("--reason", required=True, help="Why you know the address is theirs (kept in the audit log).")
@pass_state
def user_verify(state: State, ref: str, email: bool, phone: bool, reason: str) -> None:
    """Mark a user's email or phone verified (a reason is required)."""
    kind = _which(email, phone)
    record = verification.mark_verified(state.db(), actor(), ref, kind, reason)
    say(f"Marked the {kind} of {v(users.login_name(record))} verified")


@click.command("send-code")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--email", is_flag=True, help="Send it to the (unverified) email.")
@click.option("--phone", is_flag=True, help="Send it to the (unverified) phone.")
@pass_state
def user_send_code(state: State, ref: str, email: bool, phone: bool) -> None:
    """Send a one-time code to an unverified address; the user reads it back to you (user confirm-code)."""
    kind = _which(email, phone)
    sent = verification.send_code(state.db(), actor(), ref, kind)
    say(f"Code on its way to {v(sent.destination)}; then: userdesk user confirm-code {ref} --{kind}")


@click.command("confirm-code")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--email", is_flag=True, help="The code went to the email.")
@click.option("--phone", is_flag=True, help="The code went to the phone.")
@click.option("--code-stdin", is_flag=True, help="Read the code from standard input (else a hidden prompt).")
@pass_state
def user_confirm_code(state: State, ref: str, email: bool, phone: bool, code_stdin: bool) -> None:
    """Enter the code the user read back: the address becomes verified."""
    kind = _which(email, phone)
    code = read_secret(code_stdin, "Code the user read back", confirm=False, what="code")
    record = verification.confirm_code(state.db(), actor(), ref, kind, code)
    say(f"The {kind} of {v(users.login_name(record))} is verified")


COMMANDS = (user_verify, user_send_code, user_confirm_code)
