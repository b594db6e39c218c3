"""Bulk actions on the directory's selection: what each does to one user, and the preview shown before it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from store import access, sessions, users
from store.directory import Row
from store.users import login_name

from ..common.formatting import plural

if TYPE_CHECKING:
    from store import Database


PREVIEW_LIMIT = 40


@dataclass(frozen=True)
class BulkAction:
    """One thing to do to many users: how to describe it and how to do it to one."""

    key: str
    question: str  # "Disable {users}?" ({users}: "3 users", {group}: the group)
    button: str  # the confirm button
    past: str  # "Disabled"
    skip_status: str | None  # rows already in this state are skipped
    run: Callable[[Database, object, Row, str, str | None], str | None]  # returns a note or None

    def skipped(self, row: Row) -> bool:
        return self.skip_status is not None and row.status == self.skip_status


def _disable(db, actor, row: Row, reason: str, _extra: str | None) -> None:
    users.disable_user(db, actor, row.uid, reason)


def _enable(db, actor, row: Row, reason: str, _extra: str | None) -> None:
    users.enable_user(db, actor, row.uid, reason)


def _sign_out(db, actor, row: Row, reason: str, _extra: str | None) -> str | None:
    ended = sessions.revoke_all(db, actor, row.id, reason)
    return None if ended else "no live sessions"


def _add_to_group(db, actor, row: Row, reason: str, group: str | None) -> str | None:
    added = access.add_member(db, actor, group or "", row.uid, reason)
    return None if added else "already a member"


BULK_ACTIONS = {
    "disable": BulkAction("disable", "Disable {users}?", "Disable", "Disabled", "disabled", _disable),
    "enable": BulkAction("enable", "Enable {users}?", "Enable", "Enabled", "active", _enable),
    "sign_out": BulkAction(
        "sign_out", "Force sign-out of {users} (end all their sessions)?", "Sign out", "Signed out", None, _sign_out
    ),
    "add_group": BulkAction(
        "add_group", "Add {users} to group '{group}'?", "Add", "Added to group", None, _add_to_group
    ),
}


def preview(action: BulkAction, rows: Sequence[Row], group: str | None = None) -> tuple[str, str]:
    """Title and body of the confirmation: how many, and exactly who (skips marked)."""
    acting = [r for r in rows if not action.skipped(r)]
    title = action.question.format(users=plural(len(acting), "user"), group=group or "")
    lines = [f"{plural(len(rows), 'user')} selected; {len(acting):,} will be affected:"]
    for row in list(rows)[:PREVIEW_LIMIT]:
        note = f"  (already {row.status}, skipped)" if action.skipped(row) else f"  ({row.display_status})"
        lines.append(f"  {login_name(row)}{note}")
    if len(rows) > PREVIEW_LIMIT:
        lines.append(f"  … and {len(rows) - PREVIEW_LIMIT:,} more")
    return title, "\n".join(lines)
