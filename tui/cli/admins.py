"""`userdesk admin ...` (admins, roles and their SSH keys) and the global `--as USER` sign-in.

`userdesk admin` with no subcommand still opens the admin console (`--as USER` opens it for that admin,
behind the password and TOTP gate). `userdesk --as USER COMMAND` signs in as that admin first: the password,
then a TOTP code, one per line on stdin (or hidden prompts on a terminal), through store.auth (lockout,
login history); every command then runs with that admin's role. The store refuses what the role may not do;
the few read-only commands whose store reads take no actor are checked here against the same table.

store.admins is imported in the commands that use it, not with this module: `userdesk admin` opens the console
through its first paint (tui/cli/consoles.py `open_admin`), before SQLAlchemy is imported.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import click

from store import permissions
from store.audit import Actor, ssh_client_address
from store.errors import PermissionDenied
from tui.text import fmt_time

from .consoles import open_admin, print_demo_notice
from .context import COMMAND_WORDS_KEY, Failure, State, actor, pass_state, read_secret
from .output import emit_json, say, table

# Read-only commands (command words -> permission): their store reads are not given an actor by the CLI.
READ_COMMANDS: dict[tuple[str, ...], str] = {
    ("user", "show"): "users.read",
    ("user", "list"): "users.read",
    ("history",): "history.read",
    ("session", "list"): "sessions.read",
    ("session", "check"): "sessions.read",
    ("audit",): "audit.read",
    ("field", "list"): "fields.read",
    ("data", "show"): "users.read",
    ("app", "list"): "access.read",
    ("group", "list"): "access.read",
    ("admin", "list"): "admins.read",
    ("admin", "key", "list"): "admins.read",
    ("init",): "settings",
    ("demo",): "directory.reset",
    ("backup",): "backup",
    ("serve",): "settings",  # the SSH server acts for every admin: owners only
    ("restore",): "backup",
}


def command_path(words: list[str]) -> tuple[str, ...]:
    """The subcommand names at the start of the command line (`user show nina` -> ('user', 'show'))."""
    path: list[str] = []
    ctx = click.get_current_context()
    group: click.Command = ctx.find_root().command
    for word in words:
        if word.startswith("-"):
            continue
        sub = group.get_command(ctx, word) if isinstance(group, click.Group) else None  # loads a lazy command
        if sub is None:
            break
        path.append(word)
        group = sub
    return tuple(path)


def check_command(acting: Actor, words: list[str]) -> None:
    path = command_path(words)
    for length in range(len(path), 0, -1):
        action = READ_COMMANDS.get(path[:length])
        if action is not None:
            permissions.require(acting, action)
            return


def _line(prompt: str) -> str:
    """One secret line: from stdin when it is not a terminal, else a hidden prompt."""
    return read_secret(not sys.stdin.isatty(), prompt, confirm=False)


def sign_in_as(state: State, username: str) -> Actor:
    """Sign in as a named admin (password, then TOTP); the command then acts as them. Called by the root group."""
    from store import admins
    from store.auth import Attempt

    db = state.db()
    attempt = Attempt(ip=ssh_client_address(), user_agent=admins.ADMIN_USER_AGENT)
    password = _line(f"Password for {username}")
    code = _line("TOTP code")
    identity, signed = admins.sign_in(db, username, password, code, attempt)
    click.get_current_context().call_on_close(lambda: admins.end_sign_in(db, signed.session.sid, "command finished"))
    acting = Actor.admin(identity, key=None, address=attempt.ip)
    state.acting = acting  # read by tui.cli.context.actor()
    check_command(acting, click.get_current_context().meta.get(COMMAND_WORDS_KEY, []))
    return acting


# -- userdesk admin ---------------------------------------------------------------------------------------------------


@click.group("admin", invoke_without_command=True)
@click.option("--as", "as_admin", metavar="USER", help="Open the console as this admin (asks password and TOTP).")
@pass_state
@click.pass_context
def admin_group(ctx: click.Context, state: State, as_admin: str | None) -> None:
    """Open the admin console, or manage admins: grant, revoke, list, key add|list|remove."""
    if ctx.invoked_subcommand is not None:
        if as_admin:
            raise click.UsageError("--as on `admin` opens the console; use `userdesk --as USER admin ...` instead")
        return
    if as_admin:
        from store import admins
        from tui.admin.app import AdminApp

        identity = admins.identity_of(state.db(), as_admin)
        AdminApp(state.db(), admin=identity, ask_password=True, address=ssh_client_address()).run()
        print_demo_notice(state.db())  # what `demo` printed before the console covered it
    else:
        open_admin(state)  # prints the demo notice itself, once the console has closed


@admin_group.command("grant")
@click.argument("ref", metavar="USER")
@click.option("--role", required=True, type=click.Choice(permissions.ROLES))
@click.option("--reason", help="Why (kept in the audit log).")
@pass_state
def admin_grant(state: State, ref: str, role: str, reason: str | None) -> None:
    """Make USER an admin with ROLE (or change their role). Admins need TOTP to sign in."""
    from store import admins

    identity = admins.grant(state.db(), actor(), ref, role, reason)
    say(f"{identity.username} is now {role}")


@admin_group.command("revoke")
@click.argument("ref", metavar="USER")
@click.option("--reason", help="Why (kept in the audit log).")
@pass_state
def admin_revoke(state: State, ref: str, reason: str | None) -> None:
    """Take USER's admin role away (their open consoles end within seconds)."""
    from store import admins

    before = admins.revoke(state.db(), actor(), ref, reason)
    say(f"Revoked {before} from {ref}")


@admin_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def admin_list(state: State, as_json: bool) -> None:
    """Admins, their roles, TOTP and keys."""
    from store import admins

    views = admins.list_admins(state.db(), actor=actor())
    if as_json:
        emit_json({"admins": [asdict(view) for view in views]})
        return
    table(
        ("USER", "ROLE", "STATUS", "TOTP", "KEYS", "GRANTED", "BY"),
        [
            (
                a.username,
                a.role,
                a.status,
                "yes" if a.has_totp else "NO",
                len(a.keys),
                fmt_time(a.granted_at),
                a.granted_by,
            )
            for a in views
        ],
    )


@admin_group.group("key")
def admin_key() -> None:
    """Admins' SSH public keys (OpenSSH format: ed25519, ecdsa, rsa >= 3072)."""


@admin_key.command("add")
@click.argument("ref", metavar="USER")
@click.argument("source", metavar="[-]", required=False)
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), help="A .pub file.")
@pass_state
def admin_key_add(state: State, ref: str, source: str | None, key_file: Path | None) -> None:
    """Register a public key for USER: --key-file F, or `-` to read the key line from stdin."""
    from store import admins

    if (key_file is None) == (source != "-"):
        raise click.UsageError("give either --key-file F or - (the key on standard input)")
    if key_file is not None:
        try:
            line = key_file.read_text(encoding="utf-8", errors="strict")[: admins.MAX_KEY_LINE + 1]
        except (OSError, UnicodeDecodeError) as exc:
            raise Failure(f"cannot read {key_file}: {getattr(exc, 'strerror', None) or exc}") from None
    else:
        line = sys.stdin.readline()
    view = admins.add_key(state.db(), actor(), ref, line.strip())
    say(f"Added {view.key_type} key {view.fingerprint} for {view.username}")


@admin_key.command("list")
@click.argument("ref", metavar="[USER]", required=False)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def admin_key_list(state: State, ref: str | None, as_json: bool) -> None:
    """Registered keys (all admins', or USER's): fingerprint, added, last used."""
    from store import admins

    views = admins.list_keys(state.db(), ref, actor=actor())
    if as_json:
        emit_json({"keys": [asdict(view) for view in views]})
        return
    table(
        ("USER", "TYPE", "FINGERPRINT", "COMMENT", "ADDED", "LAST USED"),
        [
            (k.username, k.key_type, k.fingerprint, k.comment, fmt_time(k.added_at), fmt_time(k.last_used_at))
            for k in views
        ],
    )


@admin_key.command("remove")
@click.argument("ref", metavar="USER")
@click.argument("fingerprint")
@click.option("--reason", help="Why (kept in the audit log).")
@pass_state
def admin_key_remove(state: State, ref: str, fingerprint: str, reason: str | None) -> None:
    """Remove one of USER's keys by its SHA256 fingerprint."""
    from store import admins

    admins.remove_key(state.db(), actor(), ref, fingerprint, reason)
    say(f"Removed {fingerprint} from {ref}")


__all__ = ["PermissionDenied", "check_command", "sign_in_as"]
