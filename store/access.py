"""Apps, groups, and who may sign in to which app (default policy overridden by rules)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from . import audit, permissions
from .audit import Actor
from .db import Database, lock_value
from .errors import NotFound, ValidationError
from .models import App, AppRule, Group, GroupMember, User, stored_id
from .users import audit_user, login_name, require_user
from .validation import clean_text

POLICIES = ("allow", "deny")


@dataclass(frozen=True)
class Decision:
    app: str
    allowed: bool
    why: str  # "default allow", "user rule deny", "group 'x' rule allow"


def _name(kind: str, value: str) -> str:
    name = clean_text("name", value, 64)
    if not name:
        raise ValidationError(f"{kind} name must not be empty.", "name")
    return name


def require_app(s: Session, name: str) -> App:
    app = s.exec(select(App).where(App.name == name)).first()
    if app is None:
        raise NotFound(f"No app named '{name}'.")
    return app


def require_group(s: Session, name: str) -> Group:
    group = s.exec(select(Group).where(Group.name == name)).first()
    if group is None:
        raise NotFound(f"No group named '{name}'.")
    return group


def create_app(db: Database, actor: Actor, name: str, default: str = "allow") -> App:
    permissions.require(actor, "apps.manage")
    name = _name("App", name)
    if default not in POLICIES:
        raise ValidationError("Default policy must be 'allow' or 'deny'.", "default")
    now = db.now()
    with db.write() as s:
        lock_value(s, "app.name", name)
        if s.exec(select(App.id).where(App.name == name)).first():
            raise ValidationError(f"An app named '{name}' already exists.", "name")
        app = App(name=name, default_policy=default, created_at=now)
        s.add(app)
        audit.record(
            s,
            actor,
            "app.create",
            now=now,
            target_type="app",
            target_label=name,
            changes={"default_policy": [None, default]},
        )
    return app


def set_default(db: Database, actor: Actor, name: str, default: str, reason: str | None = None) -> None:
    permissions.require(actor, "apps.manage")
    if default not in POLICIES:
        raise ValidationError("Default policy must be 'allow' or 'deny'.", "default")
    with db.write() as s:
        app = require_app(s, name)
        before, app.default_policy = app.default_policy, default
        s.add(app)
        audit.record(
            s,
            actor,
            "app.default",
            now=db.now(),
            target_type="app",
            target_label=name,
            reason=reason,
            changes={"default_policy": [before, default]},
        )


def create_group(db: Database, actor: Actor, name: str, description: str = "") -> Group:
    permissions.require(actor, "groups.manage")
    name = _name("Group", name)
    now = db.now()
    with db.write() as s:
        lock_value(s, "group.name", name)
        if s.exec(select(Group.id).where(Group.name == name)).first():
            raise ValidationError(f"A group named '{name}' already exists.", "name")
        group = Group(name=name, description=clean_text("description", description) or "", created_at=now)
        s.add(group)
        audit.record(s, actor, "group.create", now=now, target_type="group", target_label=name)
    return group


def add_member(db: Database, actor: Actor, group: str, ref: str, reason: str | None = None) -> bool:
    """Add a user to a group; False if already a member. A change to the user: the admin-account rule applies."""
    permissions.require(actor, "groups.manage")
    with db.write() as s:
        grp, user = require_group(s, group), require_user(s, ref)
        permissions.require_over(s, actor, "groups.manage", user)
        if s.get(GroupMember, (grp.id, user.id)):
            return False
        s.add(GroupMember(group_id=stored_id(grp), user_id=stored_id(user)))
        audit_user(
            s,
            actor,
            "group.add_member",
            user,
            now=db.now(),
            reason=reason,
            changes={"group": [None, grp.name]},
        )
        return True


def remove_member(db: Database, actor: Actor, group: str, ref: str, reason: str | None = None) -> bool:
    permissions.require(actor, "groups.manage")
    with db.write() as s:
        grp, user = require_group(s, group), require_user(s, ref)
        permissions.require_over(s, actor, "groups.manage", user)
        member = s.get(GroupMember, (grp.id, user.id))
        if member is None:
            return False
        s.delete(member)
        audit_user(
            s,
            actor,
            "group.remove_member",
            user,
            now=db.now(),
            reason=reason,
            changes={"group": [grp.name, None]},
        )
        return True


def set_rule(
    db: Database,
    actor: Actor,
    app_name: str,
    effect: str | None,
    *,
    user_ref: str | None = None,
    group: str | None = None,
    reason: str | None = None,
) -> None:
    """Allow or deny one user or group on an app; effect None removes the rule."""
    permissions.require(actor, "apps.manage")
    if (user_ref is None) == (group is None):
        raise ValidationError("Name exactly one subject: a user or a group.")
    if effect not in (None, "allow", "deny"):
        raise ValidationError("Effect must be 'allow' or 'deny'.")
    with db.write() as s:
        app = require_app(s, app_name)
        if user_ref is not None:
            user = require_user(s, user_ref)
            permissions.require_over(s, actor, "apps.manage", user)  # a user's rule changes that user
            kind, subject_id, uid, label = "user", stored_id(user), user.uid, login_name(user)
        else:
            grp = require_group(s, group or "")  # exactly one of user_ref and group is given (checked above)
            kind, subject_id, uid, label = "group", stored_id(grp), None, grp.name
        rule = s.exec(
            select(AppRule).where(
                AppRule.app_id == app.id, AppRule.subject_type == kind, AppRule.subject_id == subject_id
            )
        ).first()
        before = rule.effect if rule else None
        if effect is None:
            if rule:
                s.delete(rule)
        elif rule:
            rule.effect = effect
            s.add(rule)
        else:
            s.add(AppRule(app_id=stored_id(app), subject_type=kind, subject_id=subject_id, effect=effect))
        audit.record(
            s,
            actor,
            f"app.rule.{effect or 'remove'}",
            now=db.now(),
            target_type=kind,
            target_uid=uid,
            target_label=label,
            reason=reason,
            changes={f"app:{app.name}": [before, effect]},
        )


def decide(s: Session, app: App, user_id: int) -> Decision:
    """User rule beats group rules; among groups a deny beats an allow; else the app default."""
    rules = s.exec(select(AppRule).where(AppRule.app_id == app.id)).all()
    for rule in rules:
        if rule.subject_type == "user" and rule.subject_id == user_id:
            return Decision(app.name, rule.effect == "allow", f"user rule: {rule.effect}")
    group_rules = [r for r in rules if r.subject_type == "group"]
    if group_rules:
        mine = set(s.exec(select(GroupMember.group_id).where(GroupMember.user_id == user_id)).all())
        hits = [r for r in group_rules if r.subject_id in mine]
        for effect in ("deny", "allow"):
            for rule in hits:
                if rule.effect == effect:
                    grp = s.get(Group, rule.subject_id)
                    name = grp.name if grp is not None else rule.subject_id
                    return Decision(app.name, effect == "allow", f"group '{name}' rule: {effect}")
    return Decision(app.name, app.default_policy == "allow", f"default: {app.default_policy}")


def user_access(db: Database, ref: str, *, actor: Actor | None = None) -> list[Decision]:
    _may_read(actor)
    with db.read() as s:
        user = require_user(s, ref)
        return [decide(s, app, stored_id(user)) for app in s.exec(select(App).order_by(App.name)).all()]


def _may_read(actor: Actor | None) -> None:
    """Reads check the role when the caller names an actor (trusted internal callers may not)."""
    if actor is not None:
        permissions.require(actor, "access.read")


def list_apps(db: Database, *, actor: Actor | None = None) -> list[tuple[App, int]]:
    """Apps with their rule counts."""
    _may_read(actor)
    with db.read() as s:
        apps = s.exec(select(App).order_by(App.name)).all()
        return [(a, len(s.exec(select(AppRule.id).where(AppRule.app_id == a.id)).all())) for a in apps]


def list_groups(db: Database, *, actor: Actor | None = None) -> list[tuple[Group, int]]:
    _may_read(actor)
    from sqlalchemy import func

    with db.read() as s:
        rows = s.exec(
            select(Group, func.count(col(GroupMember.user_id)))
            .outerjoin(GroupMember, col(GroupMember.group_id) == col(Group.id))
            .group_by(col(Group.id))
            .order_by(Group.name)
        ).all()
        return [(g, n) for g, n in rows]


@dataclass(frozen=True)
class RuleView:
    subject_type: str  # user or group
    subject: str  # login name or group name
    effect: str


def app_rules(db: Database, app_name: str, *, actor: Actor | None = None) -> list[RuleView]:
    """The rules on one app: group rules first, then user rules, each by name."""
    _may_read(actor)
    with db.read() as s:
        app = require_app(s, app_name)
        rules = s.exec(select(AppRule).where(AppRule.app_id == app.id)).all()
        out = []
        for rule in rules:
            if rule.subject_type == "group":
                grp = s.get(Group, rule.subject_id)
                out.append(RuleView("group", grp.name if grp else f"#{rule.subject_id}", rule.effect))
            else:
                user = s.get(User, rule.subject_id)
                out.append(RuleView("user", login_name(user) if user else f"#{rule.subject_id}", rule.effect))
    return sorted(out, key=lambda r: (r.subject_type != "group", r.subject.casefold()))


def user_groups(db: Database, user_id: int, *, actor: Actor | None = None) -> list[str]:
    _may_read(actor)
    with db.read() as s:
        return group_names(s, user_id)


def group_names(s: Session, user_id: int) -> list[str]:
    """The user's groups by name, in an open session (store.account_view reads a whole account in one)."""
    return list(
        s.exec(
            select(Group.name)
            .join(GroupMember, col(GroupMember.group_id) == col(Group.id))
            .where(col(GroupMember.user_id) == user_id)
            .order_by(Group.name)
        ).all()
    )
