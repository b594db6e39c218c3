"""Managing apps and groups themselves: list a group's members, rename and delete apps and groups.

Kept apart from store/access.py (which decides who may sign in where) so that module stays the policy and
this one the housekeeping. Every operation is role-gated with the same permission as creating the thing
(`groups.manage`, `apps.manage`), audited with before/after, and written in one transaction.

Deleting says what goes first: `group_delete_preview` / `app_delete_preview` count the memberships and app
rules a delete removes, and the consoles and the CLI show those counts before asking for a reason. Rules
name their subject by id, so a rename never orphans a rule; a group's rules on apps are deleted with it
(they would otherwise point at nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, tuple_
from sqlmodel import Session, col, select

from . import audit, permissions
from .access import _name, require_app, require_group
from .audit import Actor
from .db import Database
from .errors import ValidationError
from .models import App, AppRule, Group, GroupMember, User, stored_id
from .users import login_name

BUILT_IN_APP = "self-service"  # store.selfservice.SELF_SERVICE_APP: found by name, so never renamed or deleted


def _not_built_in(name: str) -> None:
    if name == BUILT_IN_APP:
        raise ValidationError(f"'{name}' is built in (the self-service console): it cannot be renamed or deleted.")


@dataclass(frozen=True)
class Member:
    uid: str
    login: str
    name: str | None
    status: str
    sort_name: str = ""

    @property
    def cursor(self) -> tuple[str, str]:
        return (self.sort_name, self.uid)


@dataclass(frozen=True)
class DeletePreview:
    """What deleting an app or a group removes with it."""

    name: str
    memberships: int  # group members (0 for an app)
    rules: int  # app rules: a group's rules on every app, or every rule on an app

    def summary(self) -> str:
        parts = []
        if self.memberships:
            parts.append(f"{self.memberships:,} membership" + ("" if self.memberships == 1 else "s"))
        parts.append(f"{self.rules:,} app rule" + ("" if self.rules == 1 else "s"))
        return " and ".join(parts)


def group_members(
    db: Database,
    group: str,
    *,
    after: tuple[str, str] | None = None,
    limit: int = 200,
    actor: Actor | None = None,
) -> list[Member]:
    """One page of a group's members by login name (keyset: pass the last member's `cursor` as `after`)."""
    if actor is not None:
        permissions.require(actor, "access.read")
    name = func.coalesce(col(User.username), col(User.email), col(User.phone), "")
    with db.read() as s:
        grp = require_group(s, group)
        query = (
            select(User)
            .join(GroupMember, col(GroupMember.user_id) == col(User.id))
            .where(col(GroupMember.group_id) == grp.id)
            .order_by(name, col(User.uid))
            .limit(limit)
        )
        if after is not None:
            query = query.where(tuple_(name, col(User.uid)) > tuple_(*after))
        users = s.exec(query).all()
    return [Member(u.uid, login_name(u), u.name, u.status, u.username or u.email or u.phone or "") for u in users]


def _group_rules(s: Session, group_id: int) -> int:
    query = select(func.count()).select_from(AppRule).where(AppRule.subject_type == "group")
    return s.exec(query.where(AppRule.subject_id == group_id)).one()


def group_delete_preview(db: Database, group: str, *, actor: Actor | None = None) -> DeletePreview:
    if actor is not None:
        permissions.require(actor, "access.read")
    with db.read() as s:
        grp = require_group(s, group)
        members = s.exec(select(func.count()).select_from(GroupMember).where(GroupMember.group_id == grp.id)).one()
        return DeletePreview(grp.name, members, _group_rules(s, stored_id(grp)))


def app_delete_preview(db: Database, app: str, *, actor: Actor | None = None) -> DeletePreview:
    if actor is not None:
        permissions.require(actor, "access.read")
    with db.read() as s:
        found = require_app(s, app)
        rules = s.exec(select(func.count()).select_from(AppRule).where(AppRule.app_id == found.id)).one()
        return DeletePreview(found.name, 0, rules)


def rename_group(db: Database, actor: Actor, group: str, new_name: str, reason: str | None = None) -> str:
    """Rename a group (memberships and rules follow: they refer to its id). Returns the new name."""
    permissions.require(actor, "groups.manage")
    new = _name("Group", new_name)
    with db.write() as s:
        grp = require_group(s, group)
        if new == grp.name:
            raise ValidationError(f"The group is already called '{new}'.", "name")
        if s.exec(select(Group.id).where(Group.name == new)).first():
            raise ValidationError(f"A group named '{new}' already exists.", "name")
        old, grp.name = grp.name, new
        s.add(grp)
        audit.record(
            s,
            actor,
            "group.rename",
            now=db.now(),
            target_type="group",
            target_label=new,
            reason=reason,
            changes={"name": [old, new]},
        )
    return new


def delete_group(db: Database, actor: Actor, group: str, reason: str | None = None) -> DeletePreview:
    """Delete a group with its memberships and its rules on apps; returns what went."""
    permissions.require(actor, "groups.manage")
    with db.write() as s:
        grp = require_group(s, group)
        gid = stored_id(grp)
        _may_change_admin_members(s, actor, gid)
        members = s.exec(select(func.count()).select_from(GroupMember).where(GroupMember.group_id == gid)).one()
        gone = DeletePreview(grp.name, members, _group_rules(s, gid))
        s.execute(delete(AppRule).where(col(AppRule.subject_type) == "group", col(AppRule.subject_id) == gid))
        s.execute(delete(GroupMember).where(col(GroupMember.group_id) == gid))
        s.delete(grp)
        audit.record(
            s,
            actor,
            "group.delete",
            now=db.now(),
            target_type="group",
            target_label=gone.name,
            reason=reason,
            changes={"name": [gone.name, None], "members": [gone.memberships, 0], "rules": [gone.rules, 0]},
        )
    return gone


def _may_change_admin_members(s: Session, actor: Actor, group_id: int) -> None:
    """Deleting a group removes every membership: an admin account among the members needs the same higher
    role as removing them one by one (permissions.require_over)."""
    from .models import AdminRole

    admins = s.exec(
        select(User)
        .join(GroupMember, col(GroupMember.user_id) == col(User.id))
        .join(AdminRole, col(AdminRole.user_id) == col(User.id))
        .where(col(GroupMember.group_id) == group_id)
    ).all()
    for user in admins:
        permissions.require_over(s, actor, "groups.manage", user)


def rename_app(db: Database, actor: Actor, app: str, new_name: str, reason: str | None = None) -> str:
    """Rename an app (its rules and sessions follow: they refer to its id). Returns the new name."""
    permissions.require(actor, "apps.manage")
    new = _name("App", new_name)
    with db.write() as s:
        found = require_app(s, app)
        _not_built_in(found.name)
        if new == found.name:
            raise ValidationError(f"The app is already called '{new}'.", "name")
        if s.exec(select(App.id).where(App.name == new)).first():
            raise ValidationError(f"An app named '{new}' already exists.", "name")
        old, found.name = found.name, new
        s.add(found)
        audit.record(
            s,
            actor,
            "app.rename",
            now=db.now(),
            target_type="app",
            target_label=new,
            reason=reason,
            changes={"name": [old, new]},
        )
    return new


def delete_app(db: Database, actor: Actor, app: str, reason: str | None = None) -> DeletePreview:
    """Delete an app and its rules. Sessions and login history keep their rows with the app left blank (the
    foreign keys are ON DELETE SET NULL), so nobody is signed out and no history is lost."""
    permissions.require(actor, "apps.manage")
    with db.write() as s:
        found = require_app(s, app)
        _not_built_in(found.name)
        aid = stored_id(found)
        rules = s.exec(select(func.count()).select_from(AppRule).where(AppRule.app_id == aid)).one()
        gone = DeletePreview(found.name, 0, rules)
        s.execute(delete(AppRule).where(col(AppRule.app_id) == aid))
        s.delete(found)
        audit.record(
            s,
            actor,
            "app.delete",
            now=db.now(),
            target_type="app",
            target_label=gone.name,
            reason=reason,
            changes={"name": [gone.name, None], "default_policy": [found.default_policy, None], "rules": [rules, 0]},
        )
    return gone
