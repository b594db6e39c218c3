"""`userdesk user ...`: create, show, list, update, change the state of, delete and set the password of accounts."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from store import Database, access, custom, directory, identities, mfa, sessions, users
from store.models import User
from store.validation import LABELS, PROFILE_FIELDS
from tui.text import fmt_ago, fmt_time, visible

from .bulk import user_bulk
from .context import State, actor, pass_state, prompt_secret, read_secret
from .output import emit_json, pairs, say, table, v, when
from .verification import COMMANDS as VERIFICATION_COMMANDS
from .verification import confirm_way_in

STATUSES = ("active", "disabled", "archived", "locked")


def row_id(record: User) -> int:
    """The row id of a stored user (typed `int | None` by the model only because new rows have none yet)."""
    assert record.id is not None
    return record.id


def user_id(db: Database, ref: str) -> int:
    """The row id of the user ID|LOGIN names (NotFound otherwise)."""
    return row_id(users.get_user(db, ref))


@click.group()
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
    db = state.db()
    password = None
    if password_stdin:
        password = read_secret(True, "Password", confirm=True)
    elif sys.stdin.isatty():
        password = prompt_secret("Password (empty for none)", confirm=True, allow_empty=True) or None
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


def _lock_text(record: User, now: int) -> str:
    if users.is_locked(record, now):
        return f"locked until {fmt_time(record.locked_until)} ({record.failed_attempts} failed attempts)"
    return f"not locked ({record.failed_attempts} failed attempts)" if record.failed_attempts else "not locked"


def user_report(db: Database, ref: str) -> dict[str, Any]:
    """Everything an admin sees about one user, as plain data (no secrets)."""
    now = db.now()
    record = users.get_user(db, ref)
    rid = row_id(record)
    data = users.to_dict(record, now)
    data["display_status"] = users.display_status(record, now)
    return {
        "user": data,
        "groups": access.user_groups(db, rid),
        "custom_data": {fv.field.key: fv.value for fv in custom.user_values(db, rid)},
        "mfa": {"state": record.mfa_state, "recovery_codes_left": mfa.recovery_codes_left(db, rid)},
        "identities": [
            {"provider": i.provider, "subject": i.subject, "linked_at": i.linked_at}
            for i in identities.list_identities(db, rid)
        ],
        "lock": {
            "locked": users.is_locked(record, now),
            "locked_until": record.locked_until,
            "failed_attempts": record.failed_attempts,
        },
        "access": [{"app": d.app, "allowed": d.allowed, "why": d.why} for d in access.user_access(db, record.uid)],
        "live_sessions": len(sessions.list_sessions(db, rid)),
        "_record": record,
    }


def _verified(value: Any, flag: bool) -> str:
    return "-" if not value else f"{v(value)} ({'verified' if flag else 'not verified'})"


def _password_text(record: User, data: dict[str, Any]) -> str:
    if not data["password_set"]:
        return "not set"
    text = f"set {fmt_time(record.password_last_set_at)}"
    return text + (", must change at next sign-in" if record.must_change_password else "")


def _mfa_text(report: dict[str, Any]) -> str:
    state = report["mfa"]
    return {
        "active": f"TOTP active, {state['recovery_codes_left']} recovery codes left",
        "pending": "TOTP enrolment pending confirmation",
        "none": "none",
    }[state["state"]]


@user.command("show")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def user_show(state: State, ref: str, as_json: bool) -> None:
    """Show one user: profile, state, groups, custom data, MFA, identities, app access."""
    db = state.db()
    report = user_report(db, ref)
    record = report.pop("_record")
    if as_json:
        emit_json(report)
        return
    now = db.now()
    data = report["user"]
    rows: list[tuple[str, Any]] = [
        ("uid", record.uid),
        ("username", v(record.username)),
        ("name", v(record.name)),
        ("email", _verified(record.email, record.email_verified)),
        ("phone", _verified(record.phone, record.phone_verified)),
        ("status", data["display_status"]),
        ("lock", _lock_text(record, now)),
        ("created", when(record.created_at, now)),
        ("last sign-in", when(record.last_login_at, now) + (f" from {v(record.last_ip)}" if record.last_ip else "")),
        ("sign-ins", record.login_count),
        ("password", _password_text(record, data)),
        ("mfa", _mfa_text(report)),
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
@click.option("--yes", is_flag=True, help="Do not ask when the change leaves the user no way to sign in.")
@pass_state
def user_update(state: State, ref: str, assignments: tuple[str, ...], reason: str | None, yes: bool) -> None:
    """Change profile fields."""
    db = state.db()
    before = users.get_user(db, ref)
    changes = _parse_assignments(assignments)
    confirm_way_in(db, ref, changes, yes)
    after = users.update_user(db, actor(), ref, changes, reason=reason)
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
        action: Callable[..., User] = getattr(users, f"{name}_user")
        record = action(state.db(), actor(), ref, reason)
        past = {"disable": "Disabled", "enable": "Enabled", "unlock": "Unlocked", "archive": "Archived"}[name]
        say(f"{past} {v(users.login_name(record))}")


_transition("disable", "Disable an account (sign-in refused, sessions ended; reversible).")
_transition("enable", "Re-enable a disabled or archived account.")
_transition("unlock", "Clear a lockout after failed sign-ins.")
_transition("archive", "Archive an account (sign-in refused, sessions ended, data kept).")


for _command in (*VERIFICATION_COMMANDS, user_bulk):  # `user bulk`: the console's bulk actions, scripted
    user.add_command(_command)


@user.command("delete")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--reason", help="Why (kept in the audit log).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def user_delete(state: State, ref: str, reason: str | None, yes: bool) -> None:
    """Delete an account permanently (login history is kept, detached)."""
    db = state.db()
    record = users.get_user(db, ref)
    if not yes:
        click.confirm(f"Delete {v(users.login_name(record))} (uid {record.uid}) permanently?", abort=True, err=True)
    label = users.delete_user(db, actor(), record.uid, reason)
    say(f"Deleted {v(label)}")


@user.command("set-password")
@click.argument("ref", metavar="ID|LOGIN")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@click.option(
    "--must-change-password/--no-must-change-password",
    default=True,
    show_default=True,
    help="Force a change at the next sign-in (opting out needs --reason).",
)
@click.option("--reason", help="Why (kept in the audit log).")
@pass_state
def user_set_password(
    state: State, ref: str, password_stdin: bool, must_change_password: bool, reason: str | None
) -> None:
    """Set a user's password (their sessions are ended); they must change it at their next sign-in.

    The admin knows a password they set, so by default it only gets the user in to choose their own;
    keeping it is an exception that needs a reason in the audit log.
    """
    if not must_change_password and not (reason and reason.strip()):
        raise click.UsageError("--no-must-change-password needs a --reason (kept in the audit log)")
    db = state.db()
    users.get_user(db, ref)  # refuse an unknown user before asking for a password
    password = read_secret(password_stdin, "New password", confirm=True)
    record = users.set_password(db, actor(), ref, password, must_change=must_change_password, reason=reason)
    say(
        f"Password set for {v(users.login_name(record))}; their sessions were ended"
        + (" (must change at next sign-in)" if must_change_password else "")
    )
