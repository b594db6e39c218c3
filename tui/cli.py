"""The `userdesk` command line: every directory operation, scriptable, over the same store as the consoles.

Conventions: errors go to stderr as `error: <message>` with exit status 1 (usage errors: 2); secrets
come from stdin (--password-stdin) or a hidden prompt, never from argv; `--json` prints stable keys
and no secrets; user-controlled text is printed with control characters escaped (tui.text.visible).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from typing import Any

import click
from rich.cells import cell_len

from store import Actor, Database, StoreError
from store import config as cfg
from store.errors import NotFound
from tui.text import fmt_ago, fmt_time, visible

STATUSES = ("active", "disabled", "archived", "locked")
CLI_USER_AGENT = "userdesk-cli"


class Failure(click.ClickException):
    """A refused operation: `error: <message>` on stderr, exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {visible(self.message)}", err=True)


class Root(click.Group):
    """Turns store errors (and a busy or broken database file) into clean `error:` lines."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            raise Failure(str(exc)) from None
        except sqlite3.Error as exc:
            raise Failure(f"database error: {exc}") from None
        except Exception as exc:  # SQLAlchemy wraps sqlite3 errors
            from sqlalchemy.exc import DBAPIError

            if isinstance(exc, DBAPIError):
                raise Failure(f"database error: {exc.orig}") from None
            raise


class State:
    """Per-invocation context: where the database is, opened lazily and closed at exit."""

    def __init__(self, target: str | None) -> None:
        self.target = target or cfg.default_db()
        self._db: Database | None = None

    def db(self, create: bool = False) -> Database:
        if self._db is None:
            self._db = Database(self.target, create=create)
            click.get_current_context().call_on_close(self._db.close)
        return self._db


pass_state = click.make_pass_decorator(State)


def actor() -> Actor:
    return Actor.from_environment()


# -- output helpers ---------------------------------------------------------------------------------------------------


def emit_json(data: Any) -> None:
    """JSON on stdout; json.dumps escapes every control (and non-ASCII) character."""
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def say(text: str = "") -> None:
    click.echo(text)


def v(value: Any, empty: str = "-") -> str:
    """User-controlled value, safe for the terminal."""
    return empty if value is None or value == "" else visible(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Left-aligned columns sized to their content (terminal cell widths)."""
    cells = [[v(c) for c in row] for row in rows]
    widths = [max([cell_len(h)] + [cell_len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(val + " " * (w - cell_len(val)) for val, w in zip(values, widths, strict=True)).rstrip()

    say(line(headers))
    for row in cells:
        say(line(row))


def pairs(items: Iterable[tuple[str, Any]]) -> None:
    items = list(items)
    width = max((len(k) for k, _ in items), default=0)
    for key, value in items:
        say(f"{key:<{width}}  {value}")


def when(ts: int | None, now: int, empty: str = "never") -> str:
    return f"{fmt_time(ts)} ({fmt_ago(ts, now)})" if ts else empty


def read_secret(from_stdin: bool, prompt: str, confirm: bool) -> str:
    """One line from stdin, or a hidden prompt (with confirmation when setting a secret)."""
    if from_stdin:
        line = sys.stdin.readline()
        secret = line[:-1] if line.endswith("\n") else line
        secret = secret[:-1] if secret.endswith("\r") else secret
        if not secret:
            raise Failure("no password on standard input")
        return secret
    return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)


# -- root -------------------------------------------------------------------------------------------------------------


@click.group(cls=Root, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "target",
    metavar="PATH|URL",
    help="Database file or sqlite:/// URL (default: $USERDESK_DB, else userdesk.db in the user data directory).",
)
@click.version_option(package_name="userdesk", prog_name="userdesk")
@click.pass_context
def cli(ctx: click.Context, target: str | None) -> None:
    """Userdesk: user accounts in a terminal. With no command, opens the admin console."""
    ctx.obj = State(target)
    if ctx.invoked_subcommand is None:
        open_admin(ctx.obj)


def open_admin(state: State) -> None:
    from tui.admin.app import AdminApp

    AdminApp(state.db()).run()


@cli.command()
@pass_state
def admin(state: State) -> None:
    """Open the admin console."""
    open_admin(state)


@cli.command("self-service")
@pass_state
def self_service(state: State) -> None:
    """Open the self-service console (end users manage their own account)."""
    from tui.selfservice.app import SelfServiceApp

    SelfServiceApp(state.db()).run()


@cli.command()
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
            ("database", v(db.path.resolve())),
            ("key file", v(cfg.key_file().resolve())),
            ("schema version", db.schema_version()),
            ("self-service app", note),
        ]
    )


@cli.command()
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
        emit_json({"database": str(db.path.resolve()), **data})
        return
    states = ", ".join(f"{n:,} {name}" for name, n in summary.states.items())
    pairs(
        [
            ("database", v(db.path.resolve())),
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
        f"Try the self-service console (userdesk --db {v(db.path)} self-service) as '{summary.demo_user}' "
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


# -- users ------------------------------------------------------------------------------------------------------------


@cli.group()
def user() -> None:
    """Create, inspect, change and remove user accounts."""


@user.command("create")
@click.option("--username")
@click.option("--email")
@click.option("--phone", help="International form, e.g. +14155550123.")
@click.option("--name")
@click.option("--password-stdin", is_flag=True, help="Read the initial password from standard input.")
@click.option("--must-change-password", is_flag=True, help="Force a password change at the first sign-in.")
@click.option("--reason")
@pass_state
def user_create(
    state: State,
    username: str | None,
    email: str | None,
    phone: str | None,
    name: str | None,
    password_stdin: bool,
    must_change_password: bool,
    reason: str | None,
) -> None:
    """Create a user (at least one of --username, --email, --phone)."""
    from store import users

    db = state.db()
    password = None
    if password_stdin:
        password = read_secret(True, "", False)
    elif sys.stdin.isatty():
        password = (
            click.prompt(
                "Password (empty for none)", default="", show_default=False, hide_input=True, confirmation_prompt=True
            )
            or None
        )
    fields = {
        k: val
        for k, val in (("username", username), ("email", email), ("phone", phone), ("name", name))
        if val is not None
    }
    if must_change_password and password is None:
        raise click.UsageError("--must-change-password needs a password (--password-stdin).")
    created = users.create_user(
        db, actor(), fields, password=password, must_change_password=must_change_password, reason=reason
    )
    say(f"Created user {v(users.login_name(created))} (uid {created.uid})" + ("" if password else "; no password set"))


def _lock_text(user: Any, now: int) -> str:
    from store import users

    if users.is_locked(user, now):
        return f"locked until {fmt_time(user.locked_until)} ({user.failed_attempts} failed attempts)"
    return f"not locked ({user.failed_attempts} failed attempts)" if user.failed_attempts else "not locked"


def user_report(db: Database, ref: str) -> dict[str, Any]:
    """Everything an admin sees about one user, as plain data (no secrets)."""
    from store import access, custom, identities, mfa, sessions, users

    now = db.now()
    record = users.get_user(db, ref)
    data = users.to_dict(record, now)
    data["display_status"] = users.display_status(record, now)
    return {
        "user": data,
        "groups": access.user_groups(db, record.id),
        "custom_data": {fv.field.key: fv.value for fv in custom.user_values(db, record.id)},
        "mfa": {"state": record.mfa_state, "recovery_codes_left": mfa.recovery_codes_left(db, record.id)},
        "identities": [
            {"provider": i.provider, "subject": i.subject, "linked_at": i.linked_at}
            for i in identities.list_identities(db, record.id)
        ],
        "lock": {
            "locked": users.is_locked(record, now),
            "locked_until": record.locked_until,
            "failed_attempts": record.failed_attempts,
        },
        "access": [{"app": d.app, "allowed": d.allowed, "why": d.why} for d in access.user_access(db, record.uid)],
        "live_sessions": len(sessions.list_sessions(db, record.id)),
        "_record": record,
    }


@user.command("show")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def user_show(state: State, ref: str, as_json: bool) -> None:
    """Show one user: profile, state, groups, custom data, MFA, identities, app access."""
    from store.validation import LABELS, PROFILE_FIELDS

    db = state.db()
    report = user_report(db, ref)
    record = report.pop("_record")
    if as_json:
        emit_json(report)
        return
    now = db.now()
    data = report["user"]

    def verified(value: Any, flag: bool) -> str:
        return "-" if not value else f"{v(value)} ({'verified' if flag else 'not verified'})"

    password = "not set"
    if data["password_set"]:
        password = f"set {fmt_time(record.password_last_set_at)}"
        if record.must_change_password:
            password += ", must change at next sign-in"
    mfa = report["mfa"]
    mfa_text = {
        "active": f"TOTP active, {mfa['recovery_codes_left']} recovery codes left",
        "pending": "TOTP enrolment pending confirmation",
        "none": "none",
    }[mfa["state"]]
    rows = [
        ("uid", record.uid),
        ("username", v(record.username)),
        ("name", v(record.name)),
        ("email", verified(record.email, record.email_verified)),
        ("phone", verified(record.phone, record.phone_verified)),
        ("status", data["display_status"]),
        ("lock", _lock_text(record, now)),
        ("created", when(record.created_at, now)),
        ("last sign-in", when(record.last_login_at, now) + (f" from {v(record.last_ip)}" if record.last_ip else "")),
        ("sign-ins", record.login_count),
        ("password", password),
        ("mfa", mfa_text),
        ("groups", ", ".join(v(g) for g in report["groups"]) or "-"),
        ("identities", ", ".join(f"{v(i['provider'])}:{v(i['subject'])}" for i in report["identities"]) or "-"),
        ("live sessions", report["live_sessions"]),
    ]
    for n, decision in enumerate(report["access"]):
        rows.append(
            (
                "apps" if n == 0 else "",
                f"{v(decision['app'])}: {'allow' if decision['allowed'] else 'deny'} ({v(decision['why'])})",
            )
        )
    shown = {"username", "name", "email", "phone", "email_verified", "phone_verified"}
    rows += [
        (LABELS[f].lower(), v(data[f])) for f in PROFILE_FIELDS if f not in shown and data.get(f) not in (None, "", "U")
    ]
    rows += [(f"data.{key}", v(value)) for key, value in report["custom_data"].items() if value is not None]
    pairs(rows)


@user.command("list")
@click.option("--search", default="", help="Substring of username, email, phone or name.")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True)
@pass_state
def user_list(state: State, search: str, status: str | None, limit: int, as_json: bool) -> None:
    """List users (sorted by username), optionally searched and filtered."""
    from store import directory

    db = state.db()
    query = directory.DirectoryQuery(search=search, status=status)
    rows = directory.page(db, query, limit=limit)
    total, capped = directory.count(db, query)
    if as_json:
        emit_json(
            {
                "users": [
                    {
                        "uid": r.uid,
                        "username": r.username,
                        "name": r.name,
                        "email": r.email,
                        "phone": r.phone,
                        "status": r.display_status,
                        "mfa": r.mfa,
                        "last_login_at": r.last_login_at,
                        "created_at": r.created_at,
                    }
                    for r in rows
                ],
                "count": total,
                "count_capped": capped,
            }
        )
        return
    now = db.now()
    table(
        ("USERNAME", "NAME", "EMAIL", "PHONE", "STATUS", "MFA", "LAST SIGN-IN"),
        [
            (
                r.username,
                r.name,
                r.email,
                r.phone,
                r.display_status,
                "totp" if r.mfa else "-",
                fmt_ago(r.last_login_at, now),
            )
            for r in rows
        ],
    )
    shown = f"{len(rows):,} of {total:,}{'+' if capped else ''}"
    click.echo(f"({shown} users)", err=True)


def _parse_assignments(items: Sequence[str]) -> dict[str, str]:
    changes: dict[str, str] = {}
    for item in items:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            raise click.BadParameter(f"expected FIELD=VALUE, got '{visible(item)}'", param_hint="--set")
        changes[field.strip()] = value
    return changes


@user.command("update")
@click.argument("ref", metavar="ID|LOGIN")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    required=True,
    metavar="FIELD=VALUE",
    help="A profile field to change (repeatable; an empty value clears it).",
)
@click.option("--reason")
@pass_state
def user_update(state: State, ref: str, assignments: tuple[str, ...], reason: str | None) -> None:
    """Change profile fields."""
    from store import users

    db = state.db()
    before = users.get_user(db, ref)
    after = users.update_user(db, actor(), ref, _parse_assignments(assignments), reason=reason)
    changed = [
        f
        for f in users.to_dict(after)
        if getattr(before, f, None) != getattr(after, f, None) and f not in ("updated_at", "version")
    ]
    if changed:
        say(f"Updated {v(users.login_name(after))}: {', '.join(changed)}")
    else:
        say(f"No change for {v(users.login_name(after))}")


def _transition(name: str, doc: str) -> None:
    @user.command(name, help=doc)
    @click.argument("ref", metavar="ID|LOGIN")
    @click.option("--reason", help="Why (kept in the audit log).")
    @pass_state
    def command(state: State, ref: str, reason: str | None) -> None:
        from store import users

        action: Callable = getattr(users, f"{name}_user")
        record = action(state.db(), actor(), ref, reason)
        past = {"disable": "Disabled", "enable": "Enabled", "unlock": "Unlocked", "archive": "Archived"}[name]
        say(f"{past} {v(users.login_name(record))}")


_transition("disable", "Disable an account (sign-in refused, sessions ended; reversible).")
_transition("enable", "Re-enable a disabled or archived account.")
_transition("unlock", "Clear a lockout after failed sign-ins.")
_transition("archive", "Archive an account (sign-in refused, sessions ended, data kept).")


@user.command("delete")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--reason", help="Why (kept in the audit log).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def user_delete(state: State, ref: str, reason: str | None, yes: bool) -> None:
    """Delete an account permanently (login history is kept, detached)."""
    from store import users

    db = state.db()
    record = users.get_user(db, ref)
    if not yes:
        click.confirm(f"Delete {v(users.login_name(record))} (uid {record.uid}) permanently?", abort=True, err=True)
    label = users.delete_user(db, actor(), record.uid, reason)
    say(f"Deleted {v(label)}")


@user.command("set-password")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@click.option("--must-change-password", is_flag=True, help="Force a change at the next sign-in.")
@click.option("--reason")
@pass_state
def user_set_password(
    state: State, ref: str, password_stdin: bool, must_change_password: bool, reason: str | None
) -> None:
    """Set a user's password (their sessions are ended)."""
    from store import users

    db = state.db()
    users.get_user(db, ref)  # refuse an unknown user before asking for a password
    password = read_secret(password_stdin, "New password", confirm=True)
    record = users.set_password(db, actor(), ref, password, must_change=must_change_password, reason=reason)
    say(
        f"Password set for {v(users.login_name(record))}; their sessions were ended"
        + (" (must change at next sign-in)" if must_change_password else "")
    )


# -- MFA --------------------------------------------------------------------------------------------------------------


@cli.group()
def mfa() -> None:
    """TOTP second factor: enrol, confirm, reset."""


@mfa.command("enroll")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def mfa_enroll(state: State, ref: str, as_json: bool) -> None:
    """Start TOTP enrolment: prints the otpauth:// URI and the secret (confirm with a code)."""
    from store import mfa as store_mfa

    enrolment = store_mfa.enroll(state.db(), actor(), ref)
    if as_json:
        emit_json({"uri": enrolment.uri, "secret": enrolment.secret})
        return
    say(enrolment.uri)
    say(f"secret: {enrolment.secret}")
    click.echo("Add it to an authenticator app, then run: userdesk mfa confirm ID|LOGIN CODE", err=True)


@mfa.command("confirm")
@click.argument("ref", metavar="ID|LOGIN")
@click.argument("code")
@pass_state
def mfa_confirm(state: State, ref: str, code: str) -> None:
    """Activate a pending enrolment with a current code; prints the recovery codes once."""
    from store import mfa as store_mfa

    codes = store_mfa.confirm(state.db(), actor(), ref, code)
    click.echo("TOTP is active. Recovery codes (each works once; they are not shown again):", err=True)
    for code_ in codes:
        say(code_)


@mfa.command("reset")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--reason", help="Why (kept in the audit log).")
@pass_state
def mfa_reset(state: State, ref: str, reason: str | None) -> None:
    """Remove a user's TOTP and recovery codes."""
    from store import mfa as store_mfa
    from store import users

    record = store_mfa.reset(state.db(), actor(), ref, reason)
    say(f"TOTP removed for {v(users.login_name(record))}")


# -- sign-in and sessions ---------------------------------------------------------------------------------------------


@cli.command()
@click.argument("identifier")
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
    from store import auth

    if totp and recovery_code:
        raise click.UsageError("give either --totp or --recovery-code, not both")
    db = state.db()
    password = read_secret(password_stdin, "Password", confirm=False)
    signed = auth.authenticate(
        db,
        identifier,
        password,
        totp=totp,
        recovery_code=recovery_code,
        attempt=auth.Attempt(app=app, ip=ip, user_agent=user_agent),
    )
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


@cli.group()
def session() -> None:
    """Check, list and revoke sessions."""


@session.command("check")
@click.argument("token")
@pass_state
def session_check(state: State, token: str) -> None:
    """Exit 0 if TOKEN is a live session (counts as activity), 1 if not. Use - to read it from stdin."""
    from store import sessions

    if token == "-":
        token = sys.stdin.readline().strip()
    db = state.db()
    live = sessions.validate(db, token)
    if live is None:
        raise Failure("the session is not valid (unknown, expired or revoked)")
    now = db.now()
    idle = min(live.absolute_expires_at, live.last_seen_at + sessions.idle_seconds(db))
    say(f"valid: session {live.sid}, expires {when(live.absolute_expires_at, now)}, idle expiry {when(idle, now)}")


def _user_id(db: Database, ref: str) -> int:
    from store import users

    return users.get_user(db, ref).id


@session.command("list")
@click.argument("ref", metavar="[ID|LOGIN]", required=False)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def session_list(state: State, ref: str | None, as_json: bool) -> None:
    """Live sessions, newest first (one user's, or everyone's)."""
    from store import sessions

    db = state.db()
    views = sessions.list_sessions(db, _user_id(db, ref) if ref else None)
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
    from store import sessions

    if sid and (ref or everything):
        raise click.UsageError("give either SESSION_ID or --user ... --all, not both")
    if not sid and not (ref and everything):
        raise click.UsageError("give a SESSION_ID, or --user ID|LOGIN --all")
    db = state.db()
    if sid:
        sessions.revoke(db, actor(), sid, reason)
        say(f"Revoked session {v(sid)}")
    else:
        count = sessions.revoke_all(db, actor(), _user_id(db, ref), reason)
        say(f"Revoked {count} session{'s' if count != 1 else ''}")


@cli.command()
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--failed", is_flag=True, help="Only failed attempts.")
@click.option("--app", metavar="NAME", help="Only attempts on this app.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True)
@pass_state
def history(state: State, ref: str, failed: bool, app: str | None, limit: int, as_json: bool) -> None:
    """A user's sign-in attempts, newest first."""
    from store import history as store_history

    db = state.db()
    flt = store_history.HistoryFilter(success=False if failed else None, app=app)
    rows = store_history.login_history(db, _user_id(db, ref), flt, limit=limit)
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


# -- custom data ------------------------------------------------------------------------------------------------------


@cli.group("field")
def field_group() -> None:
    """Custom field definitions (key and type cannot change later)."""


@field_group.command("define")
@click.argument("key")
@click.option("--type", "kind", required=True, type=click.Choice(("string", "number", "date", "boolean", "enum")))
@click.option("--options", help="Enum options, comma-separated.")
@click.option("--unique", is_flag=True, help="No two users may share a value (string and number only).")
@click.option("--user-editable", is_flag=True, help="Users may change it in self-service.")
@click.option("--label")
@pass_state
def field_define(
    state: State, key: str, kind: str, options: str | None, unique: bool, user_editable: bool, label: str | None
) -> None:
    """Define a custom field."""
    from store import custom

    opts = [o.strip() for o in options.split(",")] if options is not None else None
    defined = custom.define_field(
        state.db(), actor(), key, kind, label=label, options=opts, unique=unique, user_editable=user_editable
    )
    say(f"Defined field {v(defined.key)} ({defined.type})")


@field_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def field_list(state: State, as_json: bool) -> None:
    """List custom fields."""
    from store import custom

    fields = custom.list_fields(state.db())
    if as_json:
        emit_json(
            {
                "fields": [
                    {
                        "key": f.key,
                        "label": f.label,
                        "type": f.type,
                        "options": custom.options_of(f),
                        "unique": f.unique,
                        "user_editable": f.user_editable,
                    }
                    for f in fields
                ]
            }
        )
        return
    table(
        ("KEY", "LABEL", "TYPE", "OPTIONS", "UNIQUE", "USER-EDITABLE"),
        [
            (
                f.key,
                f.label,
                f.type,
                ",".join(custom.options_of(f)),
                "yes" if f.unique else "-",
                "yes" if f.user_editable else "-",
            )
            for f in fields
        ],
    )


@cli.group()
def data() -> None:
    """A user's custom data values."""


@data.command("set")
@click.argument("ref", metavar="ID|LOGIN")
@click.argument("key")
@click.argument("value")
@pass_state
def data_set(state: State, ref: str, key: str, value: str) -> None:
    """Set (or, with an empty VALUE, clear) one custom value."""
    from store import custom

    stored = custom.set_value(state.db(), actor(), ref, key, value)
    say(f"{v(key)} = {v(stored, '(cleared)')}")


@data.command("show")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def data_show(state: State, ref: str, as_json: bool) -> None:
    """Every custom field with this user's value."""
    from store import custom

    db = state.db()
    values = custom.user_values(db, _user_id(db, ref))
    if as_json:
        emit_json({"data": {fv.field.key: fv.value for fv in values}})
        return
    table(("KEY", "TYPE", "VALUE"), [(fv.field.key, fv.field.type, fv.value) for fv in values])


# -- apps, groups, identities -----------------------------------------------------------------------------------------


@cli.group()
def app() -> None:
    """Apps and who may sign in to them."""


@app.command("create")
@click.argument("name")
@click.option("--default", "policy", type=click.Choice(("allow", "deny")), default="allow", show_default=True)
@pass_state
def app_create(state: State, name: str, policy: str) -> None:
    """Create an app with a default policy."""
    from store import access

    created = access.create_app(state.db(), actor(), name, policy)
    say(f"Created app {v(created.name)} (default {policy})")


def _rule(effect: str) -> None:
    @app.command(effect, help=f"{effect.capitalize()} one user or one group on an app (overrides the default).")
    @click.argument("name")
    @click.option("--user", "ref", metavar="ID|LOGIN")
    @click.option("--group", metavar="NAME")
    @click.option("--reason")
    @pass_state
    def command(state: State, name: str, ref: str | None, group: str | None, reason: str | None) -> None:
        from store import access

        if (ref is None) == (group is None):
            raise click.UsageError("give exactly one of --user or --group")
        access.set_rule(state.db(), actor(), name, effect, user_ref=ref, group=group, reason=reason)
        subject = f"user {v(ref)}" if ref else f"group {v(group)}"
        say(f"{effect.capitalize()}ed {subject} on {v(name)}")


_rule("allow")
_rule("deny")


@app.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def app_list(state: State, as_json: bool) -> None:
    """List apps with their default policy and number of rules."""
    from store import access

    apps = access.list_apps(state.db())
    if as_json:
        emit_json({"apps": [{"name": a.name, "default": a.default_policy, "rules": n} for a, n in apps]})
        return
    table(("APP", "DEFAULT", "RULES"), [(a.name, a.default_policy, n) for a, n in apps])


@cli.group()
def group() -> None:
    """User groups."""


@group.command("create")
@click.argument("name")
@click.option("--description", default="")
@pass_state
def group_create(state: State, name: str, description: str) -> None:
    """Create a group."""
    from store import access

    created = access.create_group(state.db(), actor(), name, description)
    say(f"Created group {v(created.name)}")


@group.command("add")
@click.argument("name")
@click.argument("ref", metavar="ID|LOGIN")
@pass_state
def group_add(state: State, name: str, ref: str) -> None:
    """Add a user to a group."""
    from store import access

    added = access.add_member(state.db(), actor(), name, ref)
    say(f"Added {v(ref)} to {v(name)}" if added else f"{v(ref)} is already in {v(name)}")


@group.command("remove")
@click.argument("name")
@click.argument("ref", metavar="ID|LOGIN")
@pass_state
def group_remove(state: State, name: str, ref: str) -> None:
    """Remove a user from a group."""
    from store import access

    removed = access.remove_member(state.db(), actor(), name, ref)
    if not removed:
        raise Failure(f"{ref} is not in group {name}")
    say(f"Removed {v(ref)} from {v(name)}")


@group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def group_list(state: State, as_json: bool) -> None:
    """List groups with their member counts."""
    from store import access

    groups = access.list_groups(state.db())
    if as_json:
        emit_json({"groups": [{"name": g.name, "description": g.description, "members": n} for g, n in groups]})
        return
    table(("GROUP", "MEMBERS", "DESCRIPTION"), [(g.name, n, g.description) for g, n in groups])


@cli.group()
def identity() -> None:
    """Linked external identities (e.g. github, google)."""


@identity.command("link")
@click.argument("ref", metavar="ID|LOGIN")
@click.argument("provider")
@click.argument("subject")
@pass_state
def identity_link(state: State, ref: str, provider: str, subject: str) -> None:
    """Link PROVIDER's account SUBJECT to a user."""
    from store import identities

    identities.link(state.db(), actor(), ref, provider, subject)
    say(f"Linked {v(provider)}:{v(subject)} to {v(ref)}")


@identity.command("unlink")
@click.argument("ref", metavar="ID|LOGIN")
@click.argument("provider")
@pass_state
def identity_unlink(state: State, ref: str, provider: str) -> None:
    """Remove all of a user's identities at PROVIDER."""
    from store import identities

    count = identities.unlink(state.db(), actor(), ref, provider)
    say(f"Unlinked {count} {v(provider)} identit{'y' if count == 1 else 'ies'} from {v(ref)}")


# -- audit ------------------------------------------------------------------------------------------------------------


@cli.command()
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--user", "ref", metavar="ID|LOGIN", help="Only entries about this user (a uid works after deletion).")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def audit(state: State, limit: int, ref: str | None, as_json: bool) -> None:
    """The audit log, newest first."""
    from store import history as store_history
    from store import users

    db = state.db()
    uid = None
    if ref:
        try:
            uid = users.get_user(db, ref).uid
        except NotFound:
            if not users._UID.match(ref.strip()):
                raise
            uid = ref.strip()
    entries = store_history.audit_log(db, target_uid=uid, limit=limit)
    if as_json:
        emit_json(
            {
                "audit": [
                    {
                        "id": e.id,
                        "ts": e.ts,
                        "actor": e.actor,
                        "actor_address": e.actor_address,
                        "action": e.action,
                        "target_type": e.target_type,
                        "target_uid": e.target_uid,
                        "target_label": e.target_label,
                        "reason": e.reason,
                        "changes": store_history.changes_of(e),
                    }
                    for e in entries
                ]
            }
        )
        return
    table(
        ("TIME", "ACTOR", "ACTION", "TARGET", "REASON", "CHANGES"),
        [
            (
                fmt_time(e.ts),
                e.actor + (f"@{e.actor_address}" if e.actor_address else ""),
                e.action,
                e.target_label or e.target_uid,
                e.reason,
                _changes_text(store_history.changes_of(e)),
            )
            for e in entries
        ],
    )


def _changes_text(changes: dict[str, Any], width: int = 60) -> str:
    text = "; ".join(f"{k}: {_short(b)} -> {_short(a)}" for k, (b, a) in changes.items())
    return text if len(text) <= width else text[: width - 1] + "…"


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "{…}"
    return "-" if value is None else str(value)


def main() -> None:
    """Console-script entry point (`userdesk`)."""
    cli(prog_name="userdesk")


if __name__ == "__main__":  # pragma: no cover
    main()

from tui import cli_serve as _cli_serve  # noqa: E402, F401  (registers `userdesk serve`)
