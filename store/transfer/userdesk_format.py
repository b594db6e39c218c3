"""Userdesk's own format (the export format): NDJSON, lossless.

Line 1 is a header `{"type": "userdesk-export", "version": 1}`; then `{"type": "field", ...}` lines (custom
field definitions) and one `{"type": "user", ...}` line per user with its profile fields, state, custom
values, groups, identities and, when exported with hashes, `password_hash` and `totp {secret, last_step}`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..validation import LABELS
from .common import ReaderOptions, as_dict, as_list, hash_from_string
from .records import FieldDef, Record, text_or_none
from .streams import CountingFile, ndjson

FORMAT_VERSION = 1
USER_KEYS = frozenset(LABELS) | {
    "type",
    "uid",
    "status",
    "created_at",
    "password_hash",
    "password_last_set_at",
    "must_change_password",
    "custom",
    "groups",
    "identities",
    "totp",
}


def read(source: CountingFile, options: ReaderOptions) -> Iterator[Record | FieldDef]:
    for line, obj in ndjson(source):
        if isinstance(obj, Exception):
            record = Record(line)
            record.error("line", str(obj))
            yield record
        elif not isinstance(obj, dict):
            record = Record(line)
            record.error("line", "each line must be a JSON object")
            yield record
        elif obj.get("type") == "userdesk-export":
            continue
        elif obj.get("type") == "field":
            yield field_def(line, obj)
        else:
            yield user_record(line, obj)


def field_def(line: int, obj: dict[str, Any]) -> FieldDef:
    options = obj.get("options")
    return FieldDef(
        line=line,
        key=str(obj.get("key") or ""),
        type=str(obj.get("field_type") or "string"),
        label=obj.get("label"),
        options=options if isinstance(options, list) else None,
        unique=obj.get("unique") is True,
        user_editable=obj.get("user_editable") is True,
    )


def user_record(line: int, obj: dict[str, Any]) -> Record:
    record = Record(line, fields={k: text_or_none(obj[k]) for k in LABELS if k in obj})
    if obj.get("type") not in (None, "user"):
        record.error("type", f"unknown line type '{obj.get('type')}'")
    for key in sorted(set(obj) - USER_KEYS):
        record.warn(key, f"unknown key '{key}' left out")
    record.uid = obj.get("uid") if isinstance(obj.get("uid"), str) else None
    record.status = obj.get("status")
    record.created_at = obj.get("created_at") if isinstance(obj.get("created_at"), int) else None
    record.must_change_password = obj.get("must_change_password") is True
    record.custom = as_dict(obj.get("custom"), record, "custom")
    record.groups = as_list(obj.get("groups"), record, "groups")
    for identity in as_list(obj.get("identities"), record, "identities"):
        if isinstance(identity, dict):
            pair = (identity.get("provider"), identity.get("subject"))
            record.identities.append(pair)  # type: ignore[arg-type]
            if isinstance(identity.get("linked_at"), int):
                record.linked_at[pair] = identity["linked_at"]  # type: ignore[index]
        else:
            record.error("identities", "each identity must be an object {provider, subject}")
    if obj.get("password_hash") is not None:
        hash_from_string(record, "password_hash", obj["password_hash"])
        set_at = obj.get("password_last_set_at")
        record.password_set_at = set_at if isinstance(set_at, int) and not isinstance(set_at, bool) else None
    totp = as_dict(obj.get("totp"), record, "totp")
    if totp:
        record.totp_secret = totp.get("secret")
        last_step = totp.get("last_step")
        record.totp_last_step = last_step if isinstance(last_step, int) else 0
    return record
