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
"""

from __future__ import annotations

import click

from .admins import admin_group, sign_in_as
from .apps import app, group
from .audit import audit
from .bulk import user_bulk
from .consoles import demo, init, open_admin, self_service
from .context import Failure, Root, State, actor, pass_state, read_secret
from .fields import data, field_group
from .identities import identity
from .location import has_password
from .login import history, login
from .mfa import mfa
from .output import emit_json, pairs, say, table, v, when
from .serve import serve
from .sessions import session
from .transfer import backup_command, export_users, import_users, restore_command
from .users import user

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


@click.group(cls=Root, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
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
        sign_in_as(ctx.obj, as_admin)
    if ctx.invoked_subcommand is None:
        open_admin(ctx.obj)


user.add_command(user_bulk)  # `user bulk`: its own module (the console's bulk actions, scripted)

for _command in (
    init,
    demo,
    user,
    mfa,
    login,
    session,
    history,
    field_group,
    data,
    app,
    group,
    identity,
    audit,
    admin_group,
    self_service,
    import_users,
    export_users,
    backup_command,
    restore_command,
    serve,
):
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point (`userdesk`)."""
    cli(prog_name="userdesk")
