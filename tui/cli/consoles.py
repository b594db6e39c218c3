"""`userdesk admin`, `self-service`, `init` and `demo`: open the consoles, create a database, fill a demo one.

The Textual apps are imported when a console opens, not with this module: every scripted CLI call
would otherwise pay for importing Textual and both consoles before doing its one store operation. The store's
heavy modules are imported in the commands too: the admin console paints its first page before SQLAlchemy
is imported (store/first_look.py, tui/admin/warmup.py).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from store import config as cfg
from tui.admin import gc_pause

from .context import State, actor, pass_state
from .output import emit_json, pairs, say, v

if TYPE_CHECKING:
    from store import Database
    from store import demo as demo_builder
    from store.first_look import FirstLook


def open_admin(state: State) -> None:
    """Run the admin console (also what `userdesk` with no command does).

    As the local owner on a current SQLite file, it paints the first page before the full store is imported
    (store.first_look vouches for the file first, and declines anything unusual, which then opens the full
    way and is refused or migrated exactly as before). With --as (state.acting) the sign-in came first and
    the console opens on the full store. On a demo database the sign-in facts are printed once it closes."""
    from store.first_look import first_look

    look = first_look(state.target) if state.acting is None else None
    if look is None:
        db = state.db()
        with gc_pause.until_first_paint():
            from tui.admin.app import AdminApp

            AdminApp(db, actor=actor()).run()
        print_demo_notice(db)
        return
    _open_admin_warming(state, look)


def _open_admin_warming(state: State, look: FirstLook) -> None:
    from tui.admin.warmup import Warmup

    warmup = Warmup(look, lambda: _full_open(state.target))
    try:
        with gc_pause.until_first_paint():
            from tui.admin.app import AdminApp

            AdminApp(None, actor=actor(), warmup=warmup).run()
        if warmup.error is None:  # closed before the full store was open (a quick ctrl+q): open it for the notice
            print_demo_notice(warmup.db if warmup.db is not None else state.db())
    finally:
        if warmup.db is not None:
            warmup.db.close()
    if warmup.error is not None:  # the full open refused the file after all: the same error line as ever
        raise warmup.error


def _full_open(target: str) -> Database:
    """The full store's open, in the console's worker after the first paint (SQLAlchemy is imported here)."""
    from store import Database

    return Database(target)


def print_demo_notice(db: Database) -> None:
    """On a demo database, once the console has given the screen back: how to sign in (what `demo` printed
    before the console covered it). Best effort: a busy database must not turn a clean exit into an error."""
    from store import demo_notice

    try:
        notice = demo_notice.read(db)
    except Exception:  # the console already closed normally; the notice is only a reminder
        return
    if notice is not None:
        say("Demo directory:")
        for line in notice.lines():
            say(f"  {line}")


@click.command("self-service")
@pass_state
def self_service(state: State) -> None:
    """Open the self-service console (end users manage their own account)."""
    from tui.selfservice.app import SelfServiceApp

    SelfServiceApp(state.db()).run()


@click.command()
@pass_state
def init(state: State) -> None:
    """Create the database (mode 0600) and the key file if missing; safe to run again."""
    from store import access

    db = state.db(create=True)
    if not any(app.name == "self-service" for app, _ in access.list_apps(db)):
        access.create_app(db, actor(), "self-service", "allow")
        note = "created"
    else:
        note = "present"
    pairs(
        [
            ("database", v(state.where())),
            ("key file", v(cfg.key_file().resolve())),
            ("schema version", db.schema_version()),
            ("self-service app", note),
        ]
    )


@click.command()
@click.option("--users", default=200, show_default=True, type=click.IntRange(3, 10_000_000), help="How many users.")
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed (and clock) => same directory.")
@click.option("--force", is_flag=True, help="Delete everything already in the database first.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (without credentials).")
@pass_state
def demo(state: State, users: int, seed: int, force: bool, as_json: bool) -> None:
    """Fill an empty database with a realistic demo directory (refuses a non-empty one unless --force)."""
    from store import demo as demo_builder

    db = state.db(create=True)
    progress = None if as_json else (lambda message: click.echo(f"  {message}", err=True))
    summary = demo_builder.build(db, users=users, seed=seed, force=force, actor=actor(), progress=progress)
    if as_json:
        data = asdict(summary)
        for secret in ("password", "totp_secret", "totp_uri", "totp_recovery_codes"):
            data.pop(secret)
        emit_json({"database": state.where(), **data})
        return
    _print_summary(db, state.where(), summary)


def _print_summary(db: Database, where: str, summary: demo_builder.DemoSummary) -> None:
    """What was built, and how to try it: the shared password, the demo users, the TOTP secret."""
    from store import demo as demo_builder

    states = ", ".join(f"{n:,} {name}" for name, n in summary.states.items())
    pairs(
        [
            ("database", v(where)),
            ("users", f"{summary.users:,} ({states})"),
            ("with TOTP", f"{summary.mfa:,}"),
            ("groups", f"{summary.groups} ({summary.memberships:,} memberships)"),
            ("apps", summary.apps),
            ("custom fields", f"{summary.fields} ({summary.custom_values:,} values)"),
            ("linked identities", f"{summary.identities:,}"),
            ("login history", f"{summary.history:,} attempts"),
            ("live sessions", f"{summary.sessions:,}"),
            ("recovery codes", f"{summary.recovery_codes:,}"),
            (
                "time",
                f"{summary.seconds:.1f} s (" + ", ".join(f"{k} {t:.1f} s" for k, t in summary.timings.items()) + ")",
            ),
        ]
    )
    say()
    say(f"Every demo user's password is: {summary.password}")
    say("(A demo directory is open to anyone who reads this: never put real people in it.)")
    say(
        f"Try the self-service console (userdesk --db {v(where)} self-service) as '{summary.demo_user}' "
        "(verified email demo.user@example.com)."
    )
    delivery = db.config.delivery
    where = (
        f"the outbox folder {delivery.outbox()}" if delivery.channel == "outbox" else f"the {delivery.channel} channel"
    )
    say(f"Its one-time sign-in codes go to {v(where)}.")
    say(f"'{summary.totp_user}' has TOTP: add this to an authenticator app:")
    say(f"  {summary.totp_uri}")
    say(f"  secret: {summary.totp_secret}")
    say("  recovery codes (each works once):")
    for code in summary.totp_recovery_codes:
        say(f"    {code}")
    if summary.heavy_user:
        say(f"'{summary.heavy_user}' has {demo_builder.HEAVY_HISTORY:,} login-history rows.")
