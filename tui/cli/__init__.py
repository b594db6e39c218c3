"""The `userdesk` command line: every directory operation, scriptable, over the same store as the consoles.

Conventions: errors go to stderr as `error: <message>` with exit status 1 (usage errors: 2); secrets
come from stdin (--password-stdin) or a hidden prompt, never from argv; `--json` prints stable keys
and no secrets; user-controlled text is printed with control characters escaped (tui.text.visible).

Layout: one module per command group (users, mfa, sessions, login, fields, apps, identities, audit,
admins, transfer, serve, consoles); `context` holds what every command shares (State, pass_state, Failure, read_secret, actor)
and `output` the printing helpers. The root group `cli` is defined here and each group is registered
below. These names are the package's interface for command modules written elsewhere:
`cli`, `main`, `State`, `pass_state`, `Failure`, `emit_json`, `say`, `table`, `pairs`, `when`,
`read_secret`, `actor`.

Start-up: the command modules import the store (SQLAlchemy, SQLModel, pydantic: most of a second), so the
root loads only the module of the command that runs (`COMMANDS`: name -> module, attribute, the command's
one-line help for `userdesk --help`; tests/cli/test_startup.py checks each line against the command's own).
`userdesk --help` imports no command module at all.
"""

from __future__ import annotations

from importlib import import_module
from typing import NamedTuple

import click

from .context import Failure, Root, State, actor, pass_state, read_secret
from .location import has_password
from .output import emit_json, pairs, say, table, v, when

__all__ = [
    "Failure",
    "State",
    "actor",
    "cli",
    "emit_json",
    "main",
    "pairs",
    "pass_state",
    "read_secret",
    "say",
    "table",
    "v",
    "when",
]


def no_password_on_argv(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A password inside a --db URL would be in the process list (ps, /proc/PID/cmdline) for every user of the
    machine: refused, as every other secret on the command line is (the message never repeats it)."""
    if value is not None and has_password(value):
        raise click.UsageError(
            "a password in the --db URL would be in the process list, readable by every user of this machine; "
            "put the URL in $USERDESK_DB, or the password in ~/.pgpass (or $PGPASSFILE) and leave it out of the URL",
            ctx,
        )
    return value


class LazyCommand(NamedTuple):
    """Where a command is defined, and its one-line help (what `userdesk --help` lists)."""

    module: str
    attribute: str
    summary: str  # the first paragraph of the command's help (click shortens it to the width)


COMMANDS: dict[str, LazyCommand] = {
    "admin": LazyCommand(
        "admins", "admin_group", "Open the admin console, or manage admins: grant, revoke, list, key add|list|remove."
    ),
    "app": LazyCommand("apps", "app", "Apps and who may sign in to them."),
    "audit": LazyCommand("audit", "audit", "The audit log, newest first; filter by actor, action, target and dates."),
    "backup": LazyCommand(
        "transfer",
        "backup_command",
        "Back up the database (live: other processes may keep writing) and its key file into DEST (created 0600).",
    ),
    "data": LazyCommand("fields", "data", "A user's custom data values."),
    "demo": LazyCommand(
        "consoles",
        "demo",
        "Fill an empty database with a realistic demo directory (refuses a non-empty one unless --force).",
    ),
    "export": LazyCommand(
        "transfer",
        "export_users",
        "Export the users matching the filters to FILE (created 0600; an existing file is refused).",
    ),
    "field": LazyCommand("fields", "field_group", "Custom field definitions (key and type cannot change later)."),
    "group": LazyCommand("apps", "group", "User groups."),
    "history": LazyCommand("login", "history", "A user's sign-in attempts, newest first."),
    "identity": LazyCommand("identities", "identity", "Linked external identities (e.g. github, google)."),
    "import": LazyCommand(
        "transfer", "import_users", "Import users from FILE, keeping their password hashes. A dry run unless --apply."
    ),
    "init": LazyCommand(
        "consoles", "init", "Create the database (mode 0600) and the key file if missing; safe to run again."
    ),
    "login": LazyCommand("login", "login", "Sign in as a user; prints a session token and its expiry."),
    "mfa": LazyCommand("mfa", "mfa", "TOTP second factor: enrol, confirm, reset."),
    "restore": LazyCommand(
        "transfer",
        "restore_command",
        "Restore a backup made by `userdesk backup` to the database (--db) and its key file.",
    ),
    "self-service": LazyCommand(
        "consoles", "self_service", "Open the self-service console (end users manage their own account)."
    ),
    "serve": LazyCommand(
        "serve",
        "serve",
        "Serve the consoles over SSH: admins with a registered key get the admin console, everyone else self-service.",
    ),
    "session": LazyCommand("sessions", "session", "Check, list and revoke sessions."),
    "user": LazyCommand("users", "user", "Create, inspect, change and remove user accounts."),
}


class LazyRoot(Root):
    """The root group, loading each command's module when the command is asked for (run, or its own --help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        lazy = COMMANDS.get(cmd_name)
        if cmd_name not in self.commands and lazy is not None:
            command = getattr(import_module(f".{lazy.module}", __name__), lazy.attribute)
            self.add_command(command, cmd_name)  # CheckedGroup: gives it the checks of this tree
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their one-line help, from COMMANDS for those not loaded (none are, for --help)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))  # as click.Group.format_commands
        rows = []
        for name in names:
            if name in self.commands:
                command = self.commands[name]
                if command.hidden:
                    continue
                rows.append((name, command.get_short_help_str(limit)))
            else:
                rows.append((name, click.Command(name, help=COMMANDS[name].summary).get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyRoot, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "target",
    metavar="PATH|URL",
    callback=no_password_on_argv,
    help=(
        "Database file, sqlite:/// URL or postgresql://USER@HOST/DBNAME URL (default: $USERDESK_DB, else "
        "userdesk.db in the user data directory)."
    ),
)
@click.option("--as", "as_admin", metavar="USER", help="Act as this admin: password, then TOTP code, on stdin.")
@click.version_option(package_name="userdesk", prog_name="userdesk")
@click.pass_context
def cli(ctx: click.Context, target: str | None, as_admin: str | None) -> None:
    """Userdesk: user accounts in a terminal. With no command, opens the admin console."""
    ctx.obj = State(target)
    if as_admin is not None:
        from .admins import sign_in_as

        sign_in_as(ctx.obj, as_admin)
    if ctx.invoked_subcommand is None:
        from .consoles import open_admin

        open_admin(ctx.obj)


def main() -> None:
    """Console-script entry point (`userdesk`)."""
    cli(prog_name="userdesk")
