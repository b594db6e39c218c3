"""`userdesk import | export | backup | restore`: moving users in and out, keeping their password hashes.

Registered on the root group in tui/cli/__init__.py. The work is in
store.transfer; this module parses options, shows progress (a bar with rate and ETA on a terminal,
plain lines otherwise) and prints the per-row report and summary.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from store.transfer.records import Issue
from tui.text import visible

from .context import Failure, State, actor, pass_state, read_secret
from .location import is_server_url
from .output import emit_json, say

PLAIN_PROGRESS_EVERY = 5.0  # seconds between progress lines when stderr is not a terminal
MAX_JSON_ISSUES = 1000


class ProgressLine:
    """Progress on stderr: one redrawn line with a bar, rate and ETA on a terminal, else a line every few seconds."""

    def __init__(self, verb: str) -> None:
        self.verb = verb
        self.tty = sys.stderr.isatty()
        self.last = time.monotonic()  # plain lines only for runs longer than PLAIN_PROGRESS_EVERY

    def show(self, rows: int, done: int, total: int, elapsed: float) -> None:
        now = time.monotonic()
        if not self.tty and now - self.last < PLAIN_PROGRESS_EVERY:
            return
        self.last = now
        rate = rows / elapsed if elapsed > 0 else 0.0
        fraction = done / total if total else 0.0
        eta = elapsed * (1 - fraction) / fraction if 0 < fraction < 1 else 0.0
        text = f"{self.verb} {rows:,} rows  {rate:,.0f}/s  {fraction:4.0%}  ETA {eta:,.0f} s"
        if self.tty:
            width = 24
            bar = "#" * int(fraction * width)
            click.echo(f"\r[{bar:<{width}}] {text}\x1b[K", err=True, nl=False)
        else:
            click.echo(text, err=True)

    def done(self) -> None:
        if self.tty:
            click.echo("", err=True)


@contextmanager
def stop_after_batch() -> Iterator[list[bool]]:
    """Ctrl-C sets a flag the import checks between batches (it stops with a summary, nothing half-written)."""
    flag = [False]

    def handler(signum: int, frame: Any) -> None:
        flag[0] = True
        click.echo("\ninterrupted: stopping after the current batch", err=True)

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        yield flag
        return
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def issue_line(issue: Issue) -> str:
    prefix = "warning: " if issue.level == "warning" else ""
    return f"{prefix}line {issue.line}  {visible(issue.identifier)}  {visible(issue.field)}  {visible(issue.reason)}"


# -- import -------------------------------------------------------------------------------------------------------------


def _firebase_params(path: Path | None) -> dict[str, Any]:
    from store.foreign_hashes import ForeignHashError
    from store.transfer import firebase

    if path is None:
        return {}
    try:
        return firebase.parse_params(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise Failure(f"cannot read {path}: {exc.__class__.__name__}") from None
    except ForeignHashError as exc:
        raise Failure(f"--firebase-params {path}: {exc}") from None


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["userdesk", "auth0", "keycloak", "firebase", "csv"]), required=True)
@click.option("--apply", is_flag=True, help="Write the users (without it: a dry run that only reports).")
@click.option("--on-conflict", type=click.Choice(["skip", "update", "fail"]), default="skip", show_default=True)
@click.option("--match", type=click.Choice(["email", "username", "external_id"]), default="email", show_default=True)
@click.option(
    "--firebase-params", type=click.Path(dir_okay=False, path_type=Path), help="The project's hash parameters."
)
@click.option(
    "--test-password", "test_user", metavar="USER", help="Check a known password (stdin) against USER's hash."
)
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=1000, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def import_users(
    state: State,
    file: Path,
    fmt: str,
    apply: bool,
    on_conflict: str,
    match: str,
    firebase_params: Path | None,
    test_user: str | None,
    batch_size: int,
    as_json: bool,
) -> None:
    """Import users from FILE, keeping their password hashes. A dry run unless --apply.

    Prints one line per problem (line/row number, identifier, field, reason) and a summary; exits 1
    when any row has an error. Running the same import again creates nobody twice.
    """
    from store.transfer.common import ReaderOptions
    from store.transfer.core import ImportOptions, Progress, run_import

    if fmt == "firebase" and firebase_params is None:
        say("note: without --firebase-params, users with a password hash are reported as errors")
    test_password = read_secret(not sys.stdin.isatty(), "Known password", False) if test_user else None
    options = ImportOptions(
        format=fmt,
        apply=apply,
        on_conflict=on_conflict,
        match=match,
        batch_size=batch_size,
        reader=ReaderOptions(firebase_params=_firebase_params(firebase_params)),
        test_login=test_user,
        test_password=test_password,
    )
    issues: list[dict[str, Any]] = []

    def on_issue(issue: Issue) -> None:
        if as_json:
            if len(issues) < MAX_JSON_ISSUES:
                issues.append(asdict(issue))
        else:
            say(issue_line(issue))

    progress = ProgressLine("importing" if apply else "checking")

    def on_progress(p: Progress) -> None:
        progress.show(p.rows, p.done_bytes, p.total_bytes, p.elapsed)

    db = state.db()
    with stop_after_batch() as stop:
        summary = run_import(
            db, actor(), file, options, on_issue=on_issue, on_progress=on_progress, should_stop=lambda: stop[0]
        )
    progress.done()
    data = asdict(summary) | {"applied": apply, "file": str(file), "format": fmt}
    if as_json:
        emit_json(
            {"summary": data, "issues": issues, "issues_truncated": summary.errors + summary.warnings > len(issues)}
        )
    else:
        _print_import_summary(summary, apply, test_user)
    if not summary.ok:
        raise Failure(_failure_text(summary, apply))


def _print_import_summary(summary: Any, apply: bool, test_user: str | None) -> None:
    verb = "" if apply else "would be "
    say(
        f"{'imported' if apply else 'dry run (nothing written; --apply to import)'}: {summary.rows:,} rows; "
        f"{summary.created:,} {verb}created, {summary.updated:,} {verb}updated, {summary.skipped:,} skipped, "
        f"{summary.hashes_added:,} password hashes {verb}added; {summary.errors:,} errors, {summary.warnings:,} warnings"
    )
    if summary.fields_defined or summary.groups_created:
        say(f"custom fields {verb}defined: {summary.fields_defined}; groups {verb}created: {summary.groups_created}")
    if test_user is not None:
        say(f"test password for {visible(test_user)}: {summary.test_result}")


def _failure_text(summary: Any, apply: bool) -> str:
    if summary.interrupted:
        return f"interrupted after {summary.rows:,} rows; {summary.created:,} users {'written' if apply else 'checked'}"
    if summary.errors:
        return f"{summary.errors:,} rows have errors{' and were not imported' if apply else ''}"
    return f"test password: {summary.test_result}"


# -- export -------------------------------------------------------------------------------------------------------------


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["userdesk", "csv", "auth0"]), default="userdesk", show_default=True)
@click.option("--search", default="", help="Substring of username, email, phone or name (as in the directory).")
@click.option("--status", type=click.Choice(["active", "disabled", "archived", "locked"]))
@click.option("--mfa/--no-mfa", default=None, help="Only users with (or without) TOTP.")
@click.option("--never-signed-in", is_flag=True)
@click.option("--dormant-days", type=click.IntRange(1, None))
@click.option("--group")
@click.option("--field", "field_filter", metavar="KEY=VALUE", help="Custom field value.")
@click.option("--include-hashes", is_flag=True, help="Also password hashes and TOTP secrets (audited).")
@click.option(
    "--fields",
    metavar="A,B,...",
    help="Only these profile fields and custom fields (key or custom.key); uid, status, groups and identities "
    "are always written.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def export_users(
    state: State,
    file: Path,
    fmt: str,
    search: str,
    status: str | None,
    mfa: bool | None,
    never_signed_in: bool,
    dormant_days: int | None,
    group: str | None,
    field_filter: str | None,
    include_hashes: bool,
    fields: str | None,
    as_json: bool,
) -> None:
    """Export the users matching the filters to FILE (created 0600; an existing file is refused).

    Same filters as the directory. `--include-hashes` adds password hashes and TOTP secrets (decrypted only into
    the file); it is audited as users.export_secrets. Import the userdesk format back with `userdesk import`.
    """
    from store.directory import DirectoryQuery
    from store.transfer.export import run_export

    key, value = None, None
    if field_filter is not None:
        key, sep, value = field_filter.partition("=")
        if not sep or not key:
            raise Failure("--field takes KEY=VALUE")
    query = DirectoryQuery(
        search=search,
        status=status,
        mfa=mfa,
        never_signed_in=never_signed_in,
        dormant_days=dormant_days,
        group=group,
        field_key=key,
        field_value=value,
    )
    progress = ProgressLine("exporting")
    started = time.monotonic()
    with stop_after_batch() as stop:
        summary = run_export(
            state.db(),
            actor(),
            file,
            fmt,
            query,
            include_hashes=include_hashes,
            fields=None if fields is None else fields.split(","),
            on_progress=lambda n: progress.show(n, 0, 0, time.monotonic() - started),
            should_stop=lambda: stop[0],
        )
    progress.done()
    if summary.interrupted:
        raise Failure(f"interrupted after {summary.users:,} users; no file written")
    if as_json:
        emit_json(asdict(summary) | {"file": str(file), "format": fmt})
        return
    text = f"exported {summary.users:,} users to {visible(str(file))} ({fmt})"
    if include_hashes:
        text += f", with {summary.hashes:,} password hashes and {summary.totp_secrets:,} TOTP secrets"
    say(text)
    if summary.left_out:
        say(f"left out: {summary.left_out:,} users without an email (the Auth0 format requires one)")
    if summary.hashes_left_out:
        say(f"left out: {summary.hashes_left_out:,} password hashes the {fmt} format cannot carry")


# -- backup and restore -------------------------------------------------------------------------------------------------


def refuse_server_backup(state: State) -> None:
    """`backup`/`restore` copy a SQLite file (online-backup API, integrity check, the key beside it in one archive).

    A PostgreSQL server has its own, better tools for this (pg_dump/pg_restore, or the server's point-in-time
    recovery), and a second, weaker dump format here would be one more way to do the same thing. So on a server URL
    both commands refuse, before connecting, and say what to use instead; `export`/`import` still work there.
    """
    if is_server_url(state.target):
        raise Failure(
            "backup and restore copy a SQLite database file; for PostgreSQL use pg_dump and pg_restore "
            "(or the server's point-in-time recovery), and keep a copy of the key file: the database "
            "only opens with the key it was created with"
        )


@click.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@pass_state
def backup_command(state: State, dest: Path, as_json: bool) -> None:
    """Back up the database (live: other processes may keep writing) and its key file into DEST (created 0600).

    The copy is checked with PRAGMA integrity_check before the archive is written. The archive holds the key:
    keep it as safe as the key file.
    """
    from store import config as cfg
    from store.transfer.backup import backup

    refuse_server_backup(state)
    info = backup(state.db(), dest, cfg.key_file())
    if as_json:
        emit_json(
            {"file": str(info.path), "users": info.users, "schema_version": info.schema_version, "bytes": info.size}
        )
        return
    say(f"backed up {info.users:,} users to {visible(str(info.path))} ({info.size:,} bytes; integrity check ok)")


@click.command("restore")
@click.argument("src", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds users (and a different key file).")
@pass_state
def restore_command(state: State, src: Path, force: bool) -> None:
    """Restore a backup made by `userdesk backup` to the database (--db) and its key file.

    Refuses a database that holds users, and a key file holding another key, unless --force (the old key is
    then kept beside it). Stop the consoles using the database first.
    """
    from store import Database
    from store import config as cfg
    from store.db import resolve_path
    from store.transfer.backup import restore

    refuse_server_backup(state)
    target = resolve_path(state.target)
    manifest = restore(src, target, cfg.key_file(), force=force)
    Database(str(target)).close()  # opens with the restored key (and migrates an older schema)
    say(f"restored {manifest['restored_users']:,} users to {visible(str(target))} (integrity check ok)")
