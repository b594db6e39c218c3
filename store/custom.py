"""Custom data: admin-defined typed fields (key and type immutable) and per-user values."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from . import audit, permissions
from .audit import Actor
from .db import Database, lock_value
from .errors import NotFound, ValidationError
from .models import CustomField, CustomValue, User, stored_id
from .users import audit_user, require_user
from .validation import clean_text

TYPES = ("string", "number", "date", "boolean", "enum")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
RESERVED = frozenset(User.model_fields) | {"password", "custom", "data"}
MAX_VALUE = 1024


@dataclass(frozen=True)
class FieldValue:
    field: CustomField
    value: str | None

    @property
    def options(self) -> list[str]:
        return options_of(self.field)


def options_of(field: CustomField) -> list[str]:
    return json.loads(field.options) if field.options else []


def parse_options(raw: str) -> list[str]:
    """Enum options typed as one comma-separated text (the CLI's --options, the define-field dialog):
    trimmed, empty parts dropped; define_field checks the rest (length, control characters, duplicates)."""
    return [part.strip() for part in raw.split(",") if part.strip()]


def define_field(
    db: Database,
    actor: Actor,
    key: str,
    type: str,
    *,
    label: str | None = None,
    options: list[str] | None = None,
    unique: bool = False,
    user_editable: bool = False,
) -> CustomField:
    permissions.require(actor, "fields.define")
    key = (key or "").strip()
    if not _KEY.match(key):
        raise ValidationError(
            "Field key must start with a lowercase letter and use only a-z, 0-9 and _ (at most 64).", "key"
        )
    if key in RESERVED:
        raise ValidationError(f"Field key '{key}' clashes with a built-in user field.", "key")
    if type not in TYPES:
        raise ValidationError(f"Field type must be one of: {', '.join(TYPES)}.", "type")
    if unique and type not in ("string", "number"):
        raise ValidationError("Only string and number fields can be unique.", "unique")
    opts: list[str] = []
    if type == "enum":
        opts = [o for o in (clean_text("options", o, 64) for o in (options or [])) if o]
        if not opts:
            raise ValidationError("An enum field needs at least one option (e.g. --options gold,silver).", "options")
        if len(set(opts)) != len(opts):
            raise ValidationError("Enum options must be distinct.", "options")
    elif options:
        raise ValidationError("Options apply only to enum fields.", "options")
    label = clean_text("label", label, 64) or key.replace("_", " ").capitalize()
    now = db.now()
    with db.write() as s:
        lock_value(s, "custom_field.key", key)
        if s.exec(select(CustomField.id).where(CustomField.key == key)).first():
            raise ValidationError(f"A field with key '{key}' already exists (key and type cannot be changed).", "key")
        field = CustomField(
            key=key,
            label=label,
            type=type,
            options=json.dumps(opts) if opts else None,
            unique=unique,
            user_editable=user_editable,
            created_at=now,
        )
        s.add(field)
        audit.record(
            s,
            actor,
            "field.define",
            now=now,
            target_type="field",
            target_label=key,
            changes={
                "type": [None, type],
                "options": [None, opts or None],
                "unique": [None, unique],
                "user_editable": [None, user_editable],
            },
        )
    return field


def list_fields(db: Database, *, actor: Actor | None = None) -> list[CustomField]:
    if actor is not None:
        permissions.require(actor, "fields.read")
    with db.read() as s:
        return list(s.exec(select(CustomField).order_by(CustomField.key)).all())


def parse_value(field: CustomField, raw: Any) -> str | None:
    """Canonical text for a typed value, or a ValidationError naming the expected type."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    text = clean_text(field.key, raw if isinstance(raw, str) else json.dumps(raw), MAX_VALUE)
    if text is None:
        return None
    label = f"'{field.key}'"
    if field.type == "number":
        try:
            number = float(text)
        except ValueError:
            raise ValidationError(f"{label} is a number field; '{text}' is not a number.", field.key) from None
        if not math.isfinite(number):
            raise ValidationError(f"{label} is a number field; it must be a finite number.", field.key)
        return str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)
    if field.type == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError(
                f"{label} is a date field; '{text}' is not a date in the form YYYY-MM-DD.", field.key
            ) from None
    if field.type == "boolean":
        lowered = text.lower()
        if lowered in ("true", "yes", "1", "on"):
            return "true"
        if lowered in ("false", "no", "0", "off"):
            return "false"
        raise ValidationError(f"{label} is a boolean field; use true or false.", field.key)
    if field.type == "enum":
        opts = options_of(field)
        if text not in opts:
            raise ValidationError(f"{label} must be one of: {', '.join(opts)}.", field.key)
    return text


def set_value(db: Database, actor: Actor, ref: str, key: str, raw: Any, *, self_service: bool = False) -> str | None:
    """Set (or clear, with an empty value) one custom value; returns the stored canonical text."""
    permissions.require(actor, "custom.set")
    now = db.now()
    with db.write() as s:
        field = s.exec(select(CustomField).where(CustomField.key == key)).first()
        if field is None:
            raise ValidationError(f"No custom field '{key}' is defined; define it first (field define).", "key")
        if self_service and not field.user_editable:
            raise ValidationError(f"'{field.label}' can only be changed by an administrator.", key)
        value = parse_value(field, raw)
        user = require_user(s, ref)
        permissions.require_over(s, actor, "custom.set", user)
        row = s.get(CustomValue, (user.id, field.id))
        before = row.value if row else None
        _check_unique(s, field, value, stored_id(user))
        if value is None:
            if row:
                s.delete(row)
        elif row:
            row.value = value
            s.add(row)
        else:
            s.add(CustomValue(user_id=stored_id(user), field_id=stored_id(field), value=value))
        if before != value:
            audit_user(
                s,
                actor,
                "data.set",
                user,
                now=now,
                changes={f"custom.{key}": [before, value]},
            )
        return value


def _check_unique(s, field: CustomField, value: str | None, user_id: int) -> None:
    if value is None or not field.unique:
        return
    lock_value(s, f"custom_value.{field.id}", value)
    taken = s.exec(
        select(CustomValue.user_id).where(
            CustomValue.field_id == field.id, CustomValue.value == value, CustomValue.user_id != user_id
        )
    ).first()
    if taken is not None:
        raise ValidationError(f"'{field.key}' value '{value}' is already used by another user.", field.key)


def ensure_unique(db: Database, field: CustomField, value: str | None, user_id: int) -> None:
    """Refuse a value a unique field already holds for another user (checked before a multi-part save)."""
    with db.read() as s:
        _check_unique(s, field, value, user_id)


def user_values(db: Database, user_id: int, *, actor: Actor | None = None) -> list[FieldValue]:
    """Every defined field with this user's value (None when unset)."""
    if actor is not None:
        permissions.require(actor, "users.read")
    with db.read() as s:
        return field_values(s, user_id)


def field_values(s: Session, user_id: int) -> list[FieldValue]:
    """`user_values` in an open session (store.account_view reads a whole account in one)."""
    fields = s.exec(select(CustomField).order_by(CustomField.key)).all()
    values = dict(s.exec(select(CustomValue.field_id, CustomValue.value).where(CustomValue.user_id == user_id)).all())
    return [FieldValue(f, values.get(stored_id(f))) for f in fields]


def require_field(db: Database, key: str) -> CustomField:
    with db.read() as s:
        field = s.exec(select(CustomField).where(CustomField.key == key)).first()
    if field is None:
        raise NotFound(f"No custom field '{key}'.")
    return field


# ---------------------------------------------------------------- editing and deleting a field
#
# Decision (options removed while users hold them): refuse by default and say how many users hold each
# removed option; with `clear_removed=True` those values are cleared in the same transaction. Keycloak keeps
# values that no longer validate (the next save of that user then fails on a field they never touched) and
# Auth0 has no enums at all; neither silently keeping invalid data nor silently dropping it is what an
# admin means, so the admin chooses, knowing the count. Key and type stay immutable (values are typed by them).


@dataclass(frozen=True)
class FieldImpact:
    """What an edit or a delete of a field would remove: values held, per removed option."""

    key: str
    values: int  # users holding any value for the field
    removed_in_use: dict[str, int]  # removed enum option -> users holding it

    @property
    def cleared(self) -> int:
        return sum(self.removed_in_use.values())


def _require_field(s: Any, key: str) -> CustomField:
    field = s.exec(select(CustomField).where(CustomField.key == key)).first()
    if field is None:
        raise NotFound(f"No custom field '{key}'.")
    return field


def _impact(s: Any, field: CustomField, new_options: list[str] | None) -> FieldImpact:
    from sqlalchemy import func

    fid = stored_id(field)
    values = s.exec(select(func.count()).select_from(CustomValue).where(CustomValue.field_id == fid)).one()
    removed = [o for o in options_of(field) if new_options is not None and o not in new_options]
    in_use: dict[str, int] = {}
    for option in removed:
        held = s.exec(
            select(func.count())
            .select_from(CustomValue)
            .where(CustomValue.field_id == fid, CustomValue.value == option)
        ).one()
        if held:
            in_use[option] = held
    return FieldImpact(field.key, values, in_use)


def _clean_options(field: CustomField, options: list[str] | None) -> list[str] | None:
    if options is None:
        return None
    if field.type != "enum":
        raise ValidationError("Options apply only to enum fields.", "options")
    opts = [o for o in (clean_text("options", o, 64) for o in options) if o]
    if not opts:
        raise ValidationError("An enum field needs at least one option.", "options")
    if len(set(opts)) != len(opts):
        raise ValidationError("Enum options must be distinct.", "options")
    return opts


def field_impact(
    db: Database, key: str, options: list[str] | None = None, *, actor: Actor | None = None
) -> FieldImpact:
    """The preview: how many users hold a value for `key`, and how many hold each option `options` drops."""
    if actor is not None:
        permissions.require(actor, "fields.read")
    with db.read() as s:
        field = _require_field(s, key)
        return _impact(s, field, _clean_options(field, options))


def in_use_text(impact: FieldImpact) -> str:
    """'gold' (3 users), 'silver' (1 user): the removed options still held, for refusals and previews."""
    return ", ".join(f"'{o}' ({n:,} user{'' if n == 1 else 's'})" for o, n in impact.removed_in_use.items())


def edit_field(
    db: Database,
    actor: Actor,
    key: str,
    *,
    label: str | None = None,
    options: list[str] | None = None,
    clear_removed: bool = False,
    reason: str | None = None,
) -> FieldImpact:
    """Change a field's label and/or enum options. Removing an option users hold is refused unless
    `clear_removed`, which clears those values too (see the decision above). Returns what was cleared."""
    permissions.require(actor, "fields.define")
    new_label = None if label is None else clean_text("label", label, 64)
    if label is not None and not new_label:
        raise ValidationError("The label must not be empty.", "label")
    now = db.now()
    with db.write() as s:
        field = _require_field(s, key)
        opts = _clean_options(field, options)
        impact = _impact(s, field, opts)
        if impact.removed_in_use and not clear_removed:
            raise ValidationError(
                f"Options still in use: {in_use_text(impact)}. Keep them, or clear those values as well.", "options"
            )
        changes: dict[str, Any] = {}
        if new_label is not None and new_label != field.label:
            changes["label"] = [field.label, new_label]
            field.label = new_label
        if opts is not None and opts != options_of(field):
            changes["options"] = [options_of(field), opts]
            field.options = json.dumps(opts)
        if not changes:
            raise ValidationError("Nothing to change: the label and options are as they were.", "label")
        if impact.removed_in_use:
            from sqlalchemy import delete

            s.execute(
                delete(CustomValue).where(
                    col(CustomValue.field_id) == field.id, col(CustomValue.value).in_(list(impact.removed_in_use))
                )
            )
            changes["values_cleared"] = [impact.cleared, 0]
        s.add(field)
        audit.record(
            s, actor, "field.edit", now=now, target_type="field", target_label=key, reason=reason, changes=changes
        )
    return impact


def delete_field(db: Database, actor: Actor, key: str, reason: str | None = None) -> FieldImpact:
    """Delete a field and every user's value for it; returns how many values went."""
    permissions.require(actor, "fields.define")
    with db.write() as s:
        field = _require_field(s, key)
        impact = _impact(s, field, None)
        from sqlalchemy import delete

        s.execute(delete(CustomValue).where(col(CustomValue.field_id) == field.id))
        s.delete(field)
        audit.record(
            s,
            actor,
            "field.delete",
            now=db.now(),
            target_type="field",
            target_label=key,
            reason=reason,
            changes={"type": [field.type, None], "label": [field.label, None], "values": [impact.values, 0]},
        )
    return impact
