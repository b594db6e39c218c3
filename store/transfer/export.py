"""Export: the directory's users (filtered as in the directory list) to Userdesk NDJSON, CSV or Auth0 JSON.

Decisions:
- Streamed: the same keyset pages as the directory (store.directory.page, in creation order), then each page's
  full rows, custom values, groups and identities by id; memory stays flat at any size.
- The file is written to a private temporary file (mode 0600) beside the destination and renamed into place
  at the end: an interrupted or failed export leaves no partial file. An existing destination is refused.
- Hashes and TOTP secrets only with include_hashes: the TOTP secret is decrypted only into the file. Such an
  export is audited as SECRETS_ACTION (the owner-only permission, once roles exist, is checked under that
  name); a plain export as EXPORT_ACTION. Both name the file and the counts.
- CSV cells starting with = + - @ (or tab / carriage return) get a leading apostrophe so spreadsheets do not
  run them as formulas; the CSV reader removes exactly that apostrophe again.
"""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from .. import audit, foreign_hashes, permissions
from ..audit import Actor
from ..bulk_io import driver_sql, in_values, values_param
from ..custom import list_fields, options_of
from ..db import Database
from ..directory import DirectoryQuery, cursor_of, page
from ..errors import ValidationError
from ..validation import LABELS
from .csv_format import neutralise
from .userdesk_format import FORMAT_VERSION

EXPORT_FORMATS = ("userdesk", "csv", "auth0")
EXPORT_ACTION = "users.export"
SECRETS_ACTION = "users.export_secrets"
PAGE = 1000
_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False) builds one per call


@dataclass
class ExportSummary:
    users: int = 0
    hashes: int = 0
    totp_secrets: int = 0
    left_out: int = 0  # users the format cannot hold (Auth0: no email)
    hashes_left_out: int = 0  # hashes the format cannot carry
    interrupted: bool = False


@dataclass
class _User:
    row: dict[str, Any]
    custom: dict[str, str]
    groups: list[str]
    identities: list[dict[str, Any]]


# -- reading the directory --------------------------------------------------------------------------------------------


def _by_user(conn: Any, sql: str, ids: Any) -> dict[int, list[tuple[Any, ...]]]:
    out: dict[int, list[tuple[Any, ...]]] = {}
    for user_id, *rest in conn.execute(sql, {"ids": ids}):
        out.setdefault(user_id, []).append(tuple(rest))
    return out


# each statement's {v.user_id}-style slot is "that column is one of the page's ids" (store.bulk_io.in_values)
VALUES_SQL = (
    "SELECT v.user_id, f.key, v.value FROM custom_value v JOIN custom_field f ON f.id = v.field_id "
    "WHERE {v.user_id} ORDER BY f.key"
)
GROUPS_SQL = (
    "SELECT m.user_id, g.name FROM group_member m JOIN grp g ON g.id = m.group_id WHERE {m.user_id} ORDER BY g.name"
)
LINKS_SQL = "SELECT user_id, provider, subject, linked_at FROM identity WHERE {user_id} ORDER BY provider, subject"
ALL_SQL = f'SELECT * FROM "user" WHERE id > :after ORDER BY id LIMIT {PAGE}'
BY_ID_SQL = 'SELECT * FROM "user" WHERE {id} ORDER BY id'


def _statements(db: Database) -> dict[str, str]:
    """The page reads as the driver under `db` takes them (sqlite3: JSON ids; psycopg: an array; store.bulk)."""

    def sql(template: str) -> str:
        slot = re.search(r"\{([\w.]+)\}", template)
        if slot:
            template = template.replace(slot.group(0), in_values(db, slot.group(1), "ids"))
        return driver_sql(db, template)

    return {
        "values": sql(VALUES_SQL),
        "groups": sql(GROUPS_SQL),
        "links": sql(LINKS_SQL),
        "all": sql(ALL_SQL),
        "by_id": sql(BY_ID_SQL),
    }


def iter_users(db: Database, query: DirectoryQuery) -> Iterator[list[_User]]:
    """Pages of full user records matching `query`, in creation order (by id).

    Without filters the user table is read directly, keyset by id; with filters the directory's own query
    (store.directory.page) picks each page's ids. Rows come from the sqlite3 cursor as plain dicts (no ORM or
    SQLAlchemy row objects: a third of the export's time), each page in its own short read transaction."""
    query = replace(query, sort="created", descending=False)
    plain = query == DirectoryQuery(sort="created", descending=False)
    after, after_id = None, 0
    params: dict[str, Any]
    statements = _statements(db)
    while True:
        if plain:
            sql, params = statements["all"], {"after": after_id}
        else:
            rows = page(db, query, after=after, limit=PAGE)
            if not rows:
                return
            after = cursor_of(rows[-1])
            sql, params = statements["by_id"], {"ids": values_param(db, [r.id for r in rows])}
        with db.reader.connect() as connection:
            conn: Any = connection.connection.driver_connection  # sqlite3 or psycopg: both have execute()
            cursor = conn.execute(sql, params)
            columns = [d[0] for d in cursor.description]
            users = [dict(zip(columns, r, strict=True)) for r in cursor]
            if not users:
                if plain:
                    return
                continue  # this page's users were deleted meanwhile
            after_id = users[-1]["id"]
            ids = values_param(db, [u["id"] for u in users])
            values = _by_user(conn, statements["values"], ids)
            groups = _by_user(conn, statements["groups"], ids)
            links = _by_user(conn, statements["links"], ids)
        yield [
            _User(
                row=u,
                custom=dict(values.get(u["id"], [])),
                groups=[g for (g,) in groups.get(u["id"], [])],
                identities=[{"provider": p, "subject": s, "linked_at": t} for p, s, t in links.get(u["id"], [])],
            )
            for u in users
        ]


# -- writers --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChoice:
    """Which profile and custom fields an export writes (`--fields`). The uid, status and the other account
    columns, groups and identities are always written: they are what an import matches and resumes on."""

    profile: tuple[str, ...] = tuple(LABELS)
    custom: frozenset[str] | None = None  # None: every custom field

    def custom_of(self, user: _User) -> dict[str, str]:
        if self.custom is None:
            return user.custom
        return {k: v for k, v in user.custom.items() if k in self.custom}


def choose_fields(db: Database, names: Sequence[str] | None) -> FieldChoice:
    """The FieldChoice for profile field names and custom field keys (`key` or `custom.key`); None: all."""
    if names is None:
        return FieldChoice()
    names = [n.strip() for n in names if n.strip()]
    if not names:
        raise ValidationError("--fields needs at least one field name.", "fields")
    defined = {f.key for f in list_fields(db)}
    profile: set[str] = set()
    chosen: set[str] = set()
    for name in names:
        key = name.removeprefix("custom.")
        if key == name and name in LABELS:
            profile.add(name)
        elif key in defined:
            chosen.add(key)
        else:
            customs = ", ".join(sorted(defined)) or "none defined"
            raise ValidationError(
                f"Unknown field '{name}' (profile fields: {', '.join(LABELS)}; custom fields: {customs}).", "fields"
            )
    return FieldChoice(tuple(k for k in LABELS if k in profile), frozenset(chosen))


class _Writer:
    def __init__(
        self, db: Database, out: IO[str], include_hashes: bool, summary: ExportSummary, fields: FieldChoice
    ) -> None:
        self.db, self.out, self.include_hashes, self.summary = db, out, include_hashes, summary
        self.fields = fields

    def field_definitions(self) -> list[Any]:
        return [f for f in list_fields(self.db) if self.fields.custom is None or f.key in self.fields.custom]

    def begin(self) -> None: ...

    def write(self, user: _User) -> None: ...

    def end(self) -> None: ...

    def totp(self, user: _User) -> dict[str, Any] | None:
        row = user.row
        if not self.include_hashes or row["mfa_state"] != "active" or not row["totp_secret"]:
            return None
        self.summary.totp_secrets += 1
        return {"secret": self.db.keys.decrypt(row["totp_secret"]), "last_step": row["totp_last_step"]}


def _profile(row: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: row[k] for k in names if row[k] not in (None, "") or k in ("email_verified", "phone_verified")}


class UserdeskWriter(_Writer):
    def begin(self) -> None:
        self._line({"type": "userdesk-export", "version": FORMAT_VERSION, "hashes": self.include_hashes})
        for f in self.field_definitions():
            self._line(
                {
                    "type": "field",
                    "key": f.key,
                    "field_type": f.type,
                    "label": f.label,
                    "options": options_of(f) or None,
                    "unique": f.unique,
                    "user_editable": f.user_editable,
                }
            )

    def _line(self, data: dict[str, Any]) -> None:
        self.out.write(_encode(data) + "\n")

    def write(self, user: _User) -> None:
        row = user.row
        data: dict[str, Any] = {"type": "user", "uid": row["uid"], **_profile(row, self.fields.profile)}
        data |= {"status": row["status"], "created_at": row["created_at"]}
        data |= {"must_change_password": bool(row["must_change_password"]), "custom": self.fields.custom_of(user)}
        data |= {"groups": user.groups, "identities": user.identities}
        if self.include_hashes and row["password_hash"]:
            data["password_hash"] = row["password_hash"]
            data["password_last_set_at"] = row["password_last_set_at"]
            self.summary.hashes += 1
        totp = self.totp(user)
        if totp:
            data["totp"] = totp
        self._line(data)


class CsvWriter(_Writer):
    def begin(self) -> None:
        self.keys = [f.key for f in self.field_definitions()]
        self.header = ["uid", *self.fields.profile, "status", "must_change_password", "groups"]
        self.header += [f"custom.{k}" for k in self.keys] + (["password_hash"] if self.include_hashes else [])
        self.csv = csv.writer(self.out)
        self.csv.writerow(self.header)

    def write(self, user: _User) -> None:
        row = user.row
        values: dict[str, Any] = {k: row[k] for k in ("uid", *LABELS, "status")}
        values["must_change_password"] = "true" if row["must_change_password"] else "false"
        for key in ("email_verified", "phone_verified"):
            values[key] = "true" if row[key] else "false"
        values["groups"] = ";".join(user.groups)
        values |= {f"custom.{k}": user.custom.get(k) for k in self.keys}
        if self.include_hashes:
            values["password_hash"] = row["password_hash"]
            self.summary.hashes += bool(row["password_hash"])
        self.csv.writerow([neutralise("" if values[h] is None else values[h]) for h in self.header])


class Auth0Writer(_Writer):
    """Auth0's bulk-import schema. Users without an email are left out (Auth0 requires one, so the email is
    written whatever --fields says)."""

    def begin(self) -> None:
        self.out.write("[")
        self.first = True

    def write(self, user: _User) -> None:
        row = user.row
        if not row["email"]:
            self.summary.left_out += 1
            return
        data: dict[str, Any] = {"email": row["email"], "email_verified": bool(row["email_verified"])}
        pairs = {"username": "username", "given_name": "given_name", "family_name": "family_name", "name": "name"}
        pairs |= {"nickname": "nickname", "photo": "picture", "external_id": "user_id"}
        data |= {dst: row[src] for src, dst in pairs.items() if row[src] and src in self.fields.profile}
        data["blocked"] = row["status"] != "active"
        if custom := self.fields.custom_of(user):
            data["user_metadata"] = custom
        if self.include_hashes and row["password_hash"]:
            self._hash(data, row["password_hash"])
        self.out.write(("\n" if self.first else ",\n") + _encode(data))
        self.first = False

    def _hash(self, data: dict[str, Any], stored: str) -> None:
        scheme, payload = foreign_hashes.unwrap(stored) if foreign_hashes.is_foreign(stored) else ("argon2", stored)
        if scheme == "bcrypt":
            data["password_hash"] = payload
        elif scheme in ("argon2", "pbkdf2"):
            data["custom_password_hash"] = {"algorithm": scheme, "hash": {"value": payload}}
        else:
            self.summary.hashes_left_out += 1
            return
        self.summary.hashes += 1

    def end(self) -> None:
        self.out.write("\n]\n")


WRITERS: dict[str, type[_Writer]] = {"userdesk": UserdeskWriter, "csv": CsvWriter, "auth0": Auth0Writer}


# -- the run ----------------------------------------------------------------------------------------------------------


def _private_temp(dest: Path) -> tuple[Path, int]:
    for _ in range(10):
        tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.part")
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
    raise ValidationError(f"Cannot create a temporary file beside {dest}.", "file")


def run_export(
    db: Database,
    actor: Actor,
    dest: Path | str,
    fmt: str,
    query: DirectoryQuery | None = None,
    *,
    include_hashes: bool = False,
    fields: Sequence[str] | None = None,
    on_progress: Callable[[int], None] = lambda users: None,
    should_stop: Callable[[], bool] = lambda: False,
) -> ExportSummary:
    """Write the users matching `query` to `dest` (created 0600; refused if it exists).

    Hashes and TOTP secrets (`include_hashes`) are for owners only; any reader may export the rest. `fields`
    (profile field names, custom field keys) limits which of those are written; None: all."""
    permissions.require(actor, "export.secrets" if include_hashes else "export")
    if fmt not in WRITERS:
        raise ValidationError(f"Unknown export format '{fmt}' (one of: {', '.join(EXPORT_FORMATS)}).", "format")
    query = query or DirectoryQuery()
    dest = Path(dest)
    if dest.exists():
        raise ValidationError(f"{dest} already exists; choose a new file name.", "file")
    if not dest.parent.is_dir():
        raise ValidationError(f"No directory {dest.parent}.", "file")
    choice = choose_fields(db, fields)
    summary = ExportSummary()
    tmp, fd = _private_temp(dest)
    try:
        with open(fd, "w", encoding="utf-8", newline="") as out:
            writer = WRITERS[fmt](db, out, include_hashes, summary, choice)
            writer.begin()
            for users in iter_users(db, query):
                for user in users:
                    writer.write(user)
                summary.users += len(users)
                on_progress(summary.users)
                if should_stop():
                    summary.interrupted = True
                    break
            writer.end()
            out.flush()
            os.fsync(out.fileno())
        if summary.interrupted:
            tmp.unlink()
            return summary
        try:
            os.link(tmp, dest)  # fails if dest appeared meanwhile: never overwrite
        except FileExistsError:
            raise ValidationError(f"{dest} already exists; choose a new file name.", "file") from None
        tmp.unlink()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _audit(db, actor, dest, fmt, query, include_hashes, summary, None if fields is None else choice)
    return summary


def _audit(
    db: Database,
    actor: Actor,
    dest: Path,
    fmt: str,
    query: DirectoryQuery,
    hashes: bool,
    summary: ExportSummary,
    fields: FieldChoice | None = None,
) -> None:
    filters = {k: v for k, v in vars(query).items() if v not in (None, "", False) and k not in ("sort", "descending")}
    changes: dict[str, Any] = {"file": [None, str(dest)], "format": [None, fmt], "users": [None, summary.users]}
    if filters:
        changes["filters"] = [None, filters]
    if fields is not None:
        changes["fields"] = [None, [*fields.profile, *(f"custom.{k}" for k in sorted(fields.custom or ()))]]
    if hashes:
        changes |= {"password_hashes": [None, summary.hashes], "totp_secrets": [None, summary.totp_secrets]}
    with db.write() as s:
        audit.record(
            s,
            actor,
            SECRETS_ACTION if hashes else EXPORT_ACTION,
            now=db.now(),
            target_type="export",
            target_label=dest.name,
            changes=changes,
        )
