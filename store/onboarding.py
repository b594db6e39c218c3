"""Create a user with everything an admin knows on day one: verified addresses, groups and custom data.

`create_user_with` checks every part before anything is written (groups exist, custom values have the field's
type and are unique, a reason is given when an address is marked verified), then creates the user
(users.create_user) and adds the groups and values in one more transaction. Should that second transaction fail
(another admin deleted the group or took the unique value in the moment between), the new user is deleted again
and the error raised: no half-made account is left behind. Each part is audited as when done one by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import select

from . import custom, permissions, users
from .access import require_group
from .audit import Actor
from .db import Database
from .errors import ValidationError
from .models import CustomField, CustomValue, Group, GroupMember, User, stored_id
from .users import audit_user

VERIFIED = ("email_verified", "phone_verified")


def _groups(db: Database, names: Iterable[str]) -> list[Group]:
    wanted = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    with db.read() as s:
        return [require_group(s, name) for name in wanted]


def _values(db: Database, raw: Mapping[str, Any]) -> list[tuple[CustomField, str]]:
    """Each custom value parsed by its field's rules; empty ones are left out."""
    parsed: list[tuple[CustomField, str]] = []
    with db.read() as s:
        for key, text in raw.items():
            field = s.exec(select(CustomField).where(CustomField.key == key)).first()
            if field is None:
                raise ValidationError(f"No custom field '{key}' is defined; define it first (field define).", key)
            value = custom.parse_value(field, text)
            if value is not None:
                parsed.append((field, value))
    for field, value in parsed:
        custom.ensure_unique(db, field, value, 0)  # no user has id 0: any holder is another user
    return parsed


def create_user_with(
    db: Database,
    actor: Actor,
    fields: dict[str, Any],
    *,
    password: str | None = None,
    must_change_password: bool = False,
    reason: str | None = None,
    groups: Iterable[str] = (),
    custom_values: Mapping[str, Any] | None = None,
) -> User:
    """users.create_user, plus verified flags (a reason required), group memberships and custom values."""
    permissions.require(actor, "users.create")
    verified = [f for f in VERIFIED if fields.get(f)]
    if verified:
        permissions.require(actor, "users.verify")
        if not (reason or "").strip():
            raise ValidationError("A reason is required to create a user with a verified email or phone.", "reason")
        for flag in verified:
            kind = flag.removesuffix("_verified")
            if not (fields.get(kind) or "").strip():
                raise ValidationError(f"Only an address that is given can be marked verified: add the {kind}.", kind)
    group_rows = _groups(db, groups)
    if group_rows:
        permissions.require(actor, "groups.manage")
    values = _values(db, custom_values or {})
    if values:
        permissions.require(actor, "custom.set")
    user = users.create_user(
        db, actor, fields, password=password, must_change_password=must_change_password, reason=reason
    )
    if not group_rows and not values:
        return user
    try:
        _attach(db, actor, user, group_rows, values, reason)
    except Exception:
        users.delete_user(db, actor, user.uid, reason="creation undone: its groups or custom data were refused")
        raise
    return user


def _attach(
    db: Database,
    actor: Actor,
    user: User,
    group_rows: list[Group],
    values: list[tuple[CustomField, str]],
    reason: str | None,
) -> None:
    now = db.now()
    user_id = stored_id(user)
    with db.write() as s:
        for group in group_rows:
            current = require_group(s, group.name)
            s.add(GroupMember(group_id=stored_id(current), user_id=user_id))
            audit_user(
                s, actor, "group.add_member", user, now=now, reason=reason, changes={"group": [None, group.name]}
            )
        for field, value in values:
            custom._check_unique(s, field, value, user_id)  # again, in the writing transaction (a race)
            s.add(CustomValue(user_id=user_id, field_id=stored_id(field), value=value))
            audit_user(s, actor, "data.set", user, now=now, changes={f"custom.{field.key}": [None, value]})
