"""`userdesk audit`: the audit log, newest first, optionally about one user."""

from __future__ import annotations

from typing import Any

import click

from store import Database, users
from store import history as store_history
from store.audit import actor_label, actor_of
from store.errors import NotFound
from tui.text import fmt_time

from .context import State, pass_state
from .output import emit_json, table


def _target_uid(db: Database, ref: str) -> str:
    """The uid of a user, or the reference itself when it is the uid of a deleted one (their entries remain)."""
    try:
        return users.get_user(db, ref).uid
    except NotFound:
        if not users._UID.match(ref.strip()):
            raise
        return ref.strip()


@click.command()
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--user", "ref", metavar="ID|LOGIN", help="Only entries about this user (a uid works after deletion).")
@click.option("--actor", "by", metavar="NAME", help="Only entries by this actor (e.g. nina, self:bob).")
@click.option("--action", metavar="ACTION", help="Only this action (user.disable), or a prefix ending in '.' (user.).")
@click.option("--target", metavar="NAME", help="Only entries about this target: a user's uid, or a label (group, app).")
@click.option("--since", metavar="DATE", help="From this UTC date or time (inclusive).")
@click.option("--until", metavar="DATE", help="Up to this UTC date or time (exclusive).")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def audit(
    state: State,
    limit: int,
    ref: str | None,
    by: str | None,
    action: str | None,
    target: str | None,
    since: str | None,
    until: str | None,
    as_json: bool,
) -> None:
    """The audit log, newest first; filter by actor, action, target and dates."""
    db = state.db()
    uid = _target_uid(db, ref) if ref else None
    flt = store_history.AuditFilter(
        actor=by,
        action=action,
        target=target,
        since=store_history.parse_when(since, "--since") if since else None,
        until=store_history.parse_when(until, "--until") if until else None,
    )
    if flt.active and uid is not None:
        if target:
            raise click.UsageError("give --user or --target, not both")
        flt = store_history.AuditFilter(flt.actor, flt.action, uid, flt.since, flt.until)
    if flt.active:
        entries = store_history.filtered_audit_log(db, flt, limit=limit)
    else:
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
                        "actor_detail": actor_of(e),
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
                actor_label(e) + (f"@{e.actor_address}" if e.actor_address else ""),
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
