"""Bulk actions on many users: one function both previews (dry run) and applies, so the two never disagree.

`run_bulk(db, actor, action, targets, ...)` walks the targets in batches. For each batch it loads the users'
current state and plans, with a few set-based queries per batch, what the action would really change for each
one (`_plan`): a change ("removes 2 group memberships") or a reason it is a no-op ("already a member"). With
`dry_run=True` that plan is the whole answer (the confirmation's preview); otherwise each planned change is
applied with the single-user operation of the store (`users.disable_user`, `access.add_member`...), which checks
the permission over that user and writes one audit event with its before/after, exactly as a change made on the
user's own screen. A failure for one user (an admin account above the actor's role, the last owner) is reported
and does not stop the rest.

Targets are either a list of uids (the users selected in the console) or a `DirectoryQuery` ("select all
matching"): the query is walked in keyset pages of `store.directory.page`, in creation order (the user id: a key
none of these actions changes, so rows that stop matching after the change, or are deleted, never make the walk
skip or repeat anyone). Nothing holds more than one batch of users in memory, at any directory size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import func
from sqlmodel import Session, col, select

from . import access, permissions, sessions, users
from .audit import Actor
from .db import Database
from .directory import DirectoryQuery, cursor_of, page
from .errors import NotFound, StoreError, ValidationError
from .models import AppRule, GroupMember, User
from .models import Session as SessionRow
from .users import login_name

BATCH = 500
SAMPLE = 40  # users named in a report (the rest are counted)


@dataclass(frozen=True)
class BulkAction:
    """One action on many users: its permission, whether it needs a group and a reason."""

    key: str
    permission: str
    needs_group: bool = False


ACTIONS: dict[str, BulkAction] = {
    a.key: a
    for a in (
        BulkAction("disable", "users.disable"),
        BulkAction("enable", "users.enable"),
        BulkAction("unlock", "users.unlock"),
        BulkAction("sign_out", "sessions.revoke"),
        BulkAction("archive", "users.archive"),
        BulkAction("delete", "users.delete"),
        BulkAction("add_group", "groups.manage", needs_group=True),
        BulkAction("remove_group", "groups.manage", needs_group=True),
    )
}


@dataclass(frozen=True)
class Planned:
    """What the action does to one user: `change` (a short note, '' for a plain change) or `skip` (why not)."""

    uid: str
    label: str
    change: str | None = None
    skip: str | None = None
    removes: tuple[int, int] = (0, 0)  # archive: (group memberships, app rules) it takes away


@dataclass
class BulkReport:
    """The outcome of a run, or with `dry_run` what it would be. Counts are exact; names are a sample."""

    action: str
    dry_run: bool
    group: str | None = None
    considered: int = 0
    changed: int = 0
    unchanged: Counter[str] = field(default_factory=Counter)  # reason -> users
    failed: list[str] = field(default_factory=list)  # "name: message" (a sample; failures counts them all)
    failures: int = 0
    sample: list[Planned] = field(default_factory=list)
    removed_memberships: int = 0  # archive: what it takes away with the account
    removed_rules: int = 0

    @property
    def skipped(self) -> int:
        return sum(self.unchanged.values())


Progress = Callable[[int], None]


def run_bulk(
    db: Database,
    actor: Actor,
    action: str,
    *,
    uids: Sequence[str] | None = None,
    query: DirectoryQuery | None = None,
    group: str | None = None,
    reason: str | None = None,
    dry_run: bool = False,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> BulkReport:
    """Preview (dry_run) or apply `action` to the users `uids`, or to every user matching `query`."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise ValidationError(f"Unknown bulk action '{action}'. Actions: {', '.join(ACTIONS)}.", "action")
    permissions.require(actor, spec.permission)
    if (uids is None) == (query is None):
        raise ValidationError("Name the users: either a list of users or a directory query.")
    if not dry_run and not (reason or "").strip():
        raise ValidationError("A reason is required for a bulk action (it goes to the audit log).", "reason")
    group_id = _group_id(db, group) if spec.needs_group else None
    report = BulkReport(action, dry_run, group if spec.needs_group else None)
    for chunk, missing in _batches(db, uids, query, batch):
        for uid in missing:  # deleted since the console listed them
            report.considered += 1
            _count(report, Planned(uid, uid, skip="no longer exists"))
        with db.read() as s:
            planned = _plan(s, db.now(), action, chunk, group_id)
        for user, plan in zip(chunk, planned, strict=True):
            report.considered += 1
            if plan.skip is None and not dry_run:
                plan = _apply(db, actor, action, user, plan, group or "", reason, report)
            _count(report, plan)
        if progress is not None:
            progress(report.considered)
    return report


def _group_id(db: Database, group: str | None) -> int:
    if not group:
        raise ValidationError("Choose a group.", "group")
    with db.read() as s:
        return access.require_group(s, group).id or 0


def _batches(
    db: Database, uids: Sequence[str] | None, query: DirectoryQuery | None, size: int
) -> Iterator[tuple[list[User], list[str]]]:
    """Users in batches, each with the named uids no longer found: the named uids (in the order given), or the
    query's matches in id order."""
    if uids is not None:
        for start in range(0, len(uids), size):
            wanted = list(uids[start : start + size])
            with db.read() as s:
                found = {u.uid: u for u in s.exec(select(User).where(col(User.uid).in_(wanted))).all()}
            yield [found[uid] for uid in wanted if uid in found], [uid for uid in wanted if uid not in found]
        return
    assert query is not None
    walk = replace(query, sort="created", descending=False)
    after = None
    while True:
        rows = page(db, walk, after=after, limit=size)
        if not rows:
            return
        with db.read() as s:
            by_id = {u.id: u for u in s.exec(select(User).where(col(User.id).in_([r.id for r in rows]))).all()}
        yield [by_id[r.id] for r in rows if r.id in by_id], []
        if len(rows) < size:
            return
        after = cursor_of(rows[-1])


def _plan(s: Session, now: int, action: str, batch: list[User], group_id: int | None) -> list[Planned]:
    """What `action` would change for each user of the batch (a few queries per batch, none per user)."""
    ids = [u.id for u in batch]
    members: set[int] = set()
    if group_id is not None:
        members = set(
            s.exec(
                select(GroupMember.user_id).where(GroupMember.group_id == group_id, col(GroupMember.user_id).in_(ids))
            ).all()
        )
    live: dict[int, int] = {}
    if action == "sign_out":
        live = dict(
            s.exec(  # (user_id, count) pairs
                select(SessionRow.user_id, func.count())
                .where(col(SessionRow.user_id).in_(ids), col(SessionRow.revoked_at).is_(None))
                .group_by(col(SessionRow.user_id))
            ).all()
        )
    held = _held(s, ids) if action in ("archive", "delete") else {}
    out = []
    for user in batch:
        uid, label = user.uid, login_name(user)
        removes = held.get(user.id or 0, (0, 0))
        change, skip = _decide(action, user, now, user.id in members, live.get(user.id or 0, 0), removes)
        out.append(Planned(uid, label, change, skip, removes if action == "archive" and change is not None else (0, 0)))
    return out


def _held(s: Session, ids: list[int | None]) -> dict[int, tuple[int, int]]:
    """user id -> (group memberships, the user's own app rules), for the users of a batch that have any."""
    held: dict[int, list[int]] = {}
    for user_id, n in s.exec(  # (user_id, count) pairs
        select(GroupMember.user_id, func.count())
        .where(col(GroupMember.user_id).in_(ids))
        .group_by(col(GroupMember.user_id))
    ).all():
        held.setdefault(user_id, [0, 0])[0] = n
    for user_id, n in s.exec(  # (subject_id, count) pairs
        select(AppRule.subject_id, func.count())
        .where(AppRule.subject_type == "user", col(AppRule.subject_id).in_(ids))
        .group_by(col(AppRule.subject_id))
    ).all():
        held.setdefault(user_id, [0, 0])[1] = n
    return {k: (v[0], v[1]) for k, v in held.items()}


def _decide(
    action: str, user: User, now: int, member: bool, live: int, held: tuple[int, int]
) -> tuple[str | None, str | None]:
    """(change note, None) or (None, why nothing changes) for one user."""
    if action == "disable":
        return (None, "already disabled") if user.status == "disabled" else ("", None)
    if action == "enable":
        return (None, "already active") if user.status == "active" else ("", None)
    if action == "unlock":
        locked = users.is_locked(user, now) or user.failed_attempts > 0
        return ("", None) if locked else (None, "not locked")
    if action == "sign_out":
        return (plural_of(live, "session"), None) if live else (None, "no live sessions")
    if action == "add_group":
        return (None, "already a member") if member else ("", None)
    if action == "remove_group":
        return ("", None) if member else (None, "not a member")
    if action == "archive":
        if user.status == "archived":
            return None, "already archived"
        return resign_note(*held), None
    if action == "delete":
        return "", None
    raise ValueError(action)  # ACTIONS and this function list the same actions


def plural_of(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def resign_note(memberships: int, rules: int) -> str:
    """'removes 3 group memberships and 1 app rule' (what archiving takes away), or '' when nothing."""
    parts = [plural_of(n, w) for n, w in ((memberships, "group membership"), (rules, "app rule")) if n]
    return f"removes {' and '.join(parts)}" if parts else ""


def archive_preview(db: Database, ref: str, *, actor: Actor | None = None) -> str:
    """What archiving one user also removes, for its confirmation ('' when it holds nothing)."""
    permissions.require_if(actor, "users.read")
    with db.read() as s:
        user = users.require_user(s, ref)
        memberships, rules = _held(s, [user.id]).get(user.id or 0, (0, 0))
    return resign_note(memberships, rules)


def _apply(
    db: Database,
    actor: Actor,
    action: str,
    user: User,
    plan: Planned,
    group: str,
    reason: str | None,
    report: BulkReport,
) -> Planned:
    """Apply one planned change with the store's single-user operation; returns what really happened."""
    try:
        changed = _run_one(db, actor, action, user, group, reason)
    except NotFound:
        return replace(plan, change=None, skip="no longer exists")
    except StoreError as exc:
        report.failures += 1
        if len(report.failed) < SAMPLE:
            report.failed.append(f"{plan.label}: {exc}")
        return replace(plan, change=None, skip=None)
    return plan if changed else replace(plan, change=None, skip="changed meanwhile: nothing to do")


def _run_one(db: Database, actor: Actor, action: str, user: User, group: str, reason: str | None) -> bool:
    uid = user.uid
    if action == "disable":
        users.disable_user(db, actor, uid, reason)
    elif action == "enable":
        users.enable_user(db, actor, uid, reason)
    elif action == "unlock":
        users.unlock_user(db, actor, uid, reason)
    elif action == "archive":
        users.archive_user(db, actor, uid, reason)
    elif action == "delete":
        users.delete_user(db, actor, uid, reason)
    elif action == "sign_out":
        return sessions.revoke_all(db, actor, user.id or 0, reason) > 0
    elif action == "add_group":
        return access.add_member(db, actor, group, uid, reason)
    elif action == "remove_group":
        return access.remove_member(db, actor, group, uid, reason)
    return True


def _count(report: BulkReport, plan: Planned) -> None:
    if plan.change is not None:
        report.changed += 1
        report.removed_memberships += plan.removes[0]
        report.removed_rules += plan.removes[1]
    elif plan.skip is not None:
        report.unchanged[plan.skip] += 1
    else:
        return  # failed: in report.failed
    if len(report.sample) < SAMPLE:
        report.sample.append(plan)
