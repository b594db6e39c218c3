"""Bulk actions of the directory: how each is named, and the words of its preview and of its report.

What an action does, and what it would change, is the store's (`store.bulk.run_bulk`): the preview is that
function's dry run, so the confirmation can never promise something the run does not do. This module only
turns its `BulkReport` into text.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.bulk import BulkReport, resign_note

from ..common.formatting import plural

PREVIEW_LIMIT = 40


@dataclass(frozen=True)
class BulkAction:
    """How one bulk action is shown: its key, its question, button and the words for what it did."""

    key: str  # store.bulk.ACTIONS key
    question: str  # "Disable {users}?" ({users}: "3 users", {group}: the group)
    button: str  # the confirm button
    done: str  # "disabled": "1 will be disabled", "Disabled: 2 users"
    destructive: bool = True


BULK_ACTIONS = {
    a.key: a
    for a in (
        BulkAction("disable", "Disable {users}?", "Disable", "disabled"),
        BulkAction("enable", "Enable {users}?", "Enable", "enabled", destructive=False),
        BulkAction("unlock", "Unlock {users}?", "Unlock", "unlocked", destructive=False),
        BulkAction("sign_out", "Force sign-out of {users} (end all their sessions)?", "Sign out", "signed out"),
        BulkAction("archive", "Archive {users}?", "Archive", "archived"),
        BulkAction("delete", "Delete {users} for good?", "Delete", "deleted"),
        BulkAction("add_group", "Add {users} to group '{group}'?", "Add", "added", destructive=False),
        BulkAction("remove_group", "Remove {users} from group '{group}'?", "Remove", "removed"),
    )
}

NOTES = {
    "delete": "Deleting cannot be undone (login history is kept, detached).",
}


def unchanged_text(report: BulkReport) -> str:
    """'1 already a member, 2 not locked' (most common first)."""
    return ", ".join(f"{n:,} {why}" for why, n in report.unchanged.most_common())


def preview(
    action: BulkAction, report: BulkReport, scope: str, labels: dict[str, str] | None = None
) -> tuple[str, str]:
    """Title and body of the confirmation, from the dry run: how many really change, and who.

    `scope` says which users were asked for ("2 users selected", "All users matching ..."); `labels` names
    users by uid as the list showed them (a user deleted meanwhile is known to the store only by its uid)."""
    title = action.question.format(users=plural(report.changed, "user"), group=report.group or "")
    head = f"{scope}; {report.changed:,} will be {action.done}"
    if report.skipped:
        head += f" ({unchanged_text(report)})"
    lines = [head + "."]
    if action.key == "archive":
        removes = resign_note(report.removed_memberships, report.removed_rules)
        lines.append(
            f"Archiving ends sessions and keeps the record; it {removes} (enable does not bring those back)."
            if removes
            else "Archiving ends sessions and keeps the record; no group memberships or app rules to remove."
        )
    if action.key in NOTES:
        lines.append(NOTES[action.key])
    for planned in report.sample[:PREVIEW_LIMIT]:
        note = planned.change if planned.change else "" if planned.skip is None else f"{planned.skip}: unchanged"
        label = (labels or {}).get(planned.uid, planned.label)
        lines.append(f"  {label}" + (f"  ({note})" if note else ""))
    if report.considered > len(report.sample[:PREVIEW_LIMIT]):
        lines.append(f"  … and {report.considered - len(report.sample[:PREVIEW_LIMIT]):,} more")
    return title, "\n".join(lines)


def outcome(action: BulkAction, report: BulkReport) -> str:
    """The notification after a run: 'Disabled: 2 users. Unchanged: 1 (already disabled). Failed: ...'."""
    target = f" '{report.group}'" if report.group else ""
    message = f"{action.done.capitalize()}{target}: {plural(report.changed, 'user')}."
    if report.skipped:
        message += f" Unchanged: {report.skipped:,} ({unchanged_text(report)})."
    if report.failures:
        shown = "; ".join(report.failed[:5])
        message += f" Failed: {report.failures:,} — {shown}{'…' if report.failures > 5 else ''}"
    return message
