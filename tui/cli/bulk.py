"""`userdesk user bulk ACTION`: one action on every user matching a search and filters (or on named users).

The same store function as the console's bulk actions (`store.bulk.run_bulk`): `--dry-run` prints what would really
change (and which users are left unchanged, and why) without changing anything; without it a reason is required and
each user gets the single-user operation's own audit event. The users are walked in keyset batches, so it works the
same on a million users.
"""

from __future__ import annotations

import click

from store import bulk, users
from store.directory import DirectoryQuery

from .context import Failure, State, actor, pass_state
from .output import emit_json, say, v

STATUSES = ("active", "disabled", "archived", "locked")


@click.command("bulk")
@click.argument("action", type=click.Choice(list(bulk.ACTIONS)))
@click.argument("refs", nargs=-1, metavar="[ID|LOGIN]...")
@click.option("--search", default="", help="Every user whose username, email, phone or name contains this.")
@click.option("--status", type=click.Choice(STATUSES), help="Only users in this state.")
@click.option("--in-group", "in_group", metavar="GROUP", help="Only members of this group.")
@click.option("--group", metavar="GROUP", help="The group to add to or remove from (add_group, remove_group).")
@click.option("--reason", help="Why (kept in the audit log; required unless --dry-run).")
@click.option("--dry-run", is_flag=True, help="Only say what would change.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (delete).")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def user_bulk(
    state: State,
    action: str,
    refs: tuple[str, ...],
    search: str,
    status: str | None,
    in_group: str | None,
    group: str | None,
    reason: str | None,
    dry_run: bool,
    yes: bool,
    as_json: bool,
) -> None:
    """Apply ACTION to the named users, or to every user matching --search/--status/--in-group."""
    filtered = bool(search.strip() or status or in_group)
    if refs and filtered:
        raise Failure("name users or give a search/filter, not both")
    if not refs and not filtered:
        raise Failure("name the users, or select them with --search, --status or --in-group")
    db = state.db()
    acting = actor()
    uids = [users.get_user(db, ref).uid for ref in refs] if refs else None
    query = None if refs else DirectoryQuery(search=search, status=status, group=in_group)
    preview = bulk.run_bulk(db, acting, action, uids=uids, query=query, group=group, dry_run=True)
    report = preview
    if not dry_run and preview.changed:
        if not (reason or "").strip():
            raise Failure("a reason is required (--reason); use --dry-run to only see what would change")
        if action == "delete" and not yes:
            click.confirm(f"Delete {preview.changed:,} users permanently?", abort=True, err=True)
        report = bulk.run_bulk(db, acting, action, uids=uids, query=query, group=group, reason=reason)
    if as_json:
        emit_json(
            {
                "action": action,
                "dry_run": dry_run,
                "considered": report.considered,
                "changed": report.changed,
                "unchanged": dict(report.unchanged),
                "failed": report.failures,
                "failures": report.failed,
            }
        )
    else:
        verb = "would change" if dry_run else "changed"
        say(f"{action}: {report.considered:,} users considered; {report.changed:,} {verb}.")
        for why, n in report.unchanged.most_common():
            say(f"  unchanged: {n:,} ({why})")
        for line in report.failed:
            say(f"  failed: {v(line)}")
    if report.failures:
        raise Failure(f"{report.failures:,} users could not be changed")
