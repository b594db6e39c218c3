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
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text

from .. import audit, foreign_hashes, permissions
from ..audit import Actor
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


def _by_user(conn: Any, sql: str, ids: list[int]) -> dict[int, list[tuple[Any, ...]]]:
    out: dict[int, list[tuple[Any, ...]]] = {}
    for user_id, *rest in conn.execute(text(sql), {"ids": json.dumps(ids)}):
        out.setdefault(user_id, []).append(tuple(rest))
    return out


IDS = "(SELECT value FROM json_each(:ids))"


def iter_users(db: Database, query: DirectoryQuery) -> Iterator[list[_User]]:
    """Pages of full user records matching `query`, in creation order."""
    query = replace(query, sort="created", descending=False)
    after = None
    while True:
        rows = page(db, query, after=after, limit=PAGE)
        if not rows:
            return
        after = cursor_of(rows[-1])
        ids = [r.id for r in rows]
        with db.reader.connect() as conn:
            full = conn.execute(text(f"SELECT * FROM user WHERE id IN {IDS} ORDER BY id"), {"ids": json.dumps(ids)})
            users = [dict(r._mapping) for r in full]
            values = _by_user(
                conn,
                f"SELECT v.user_id, f.key, v.value FROM custom_value v JOIN custom_field f ON f.id = v.field_id "
                f"WHERE v.user_id IN {IDS} ORDER BY f.key",
                ids,
            )
            groups = _by_user(
                conn,
                f"SELECT m.user_id, g.name FROM group_member m JOIN grp g ON g.id = m.group_id "
                f"WHERE m.user_id IN {IDS} ORDER BY g.name",
                ids,
            )
            links = _by_user(
                conn,
                f"SELECT user_id, provider, subject, linked_at FROM identity WHERE user_id IN {IDS} ORDER BY provider, subject",
                ids,
            )
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


class _Writer:
    def __init__(self, db: Database, out: IO[str], include_hashes: bool, summary: ExportSummary) -> None:
        self.db, self.out, self.include_hashes, self.summary = db, out, include_hashes, summary

    def begin(self) -> None: ...

    def write(self, user: _User) -> None: ...

    def end(self) -> None: ...

    def totp(self, user: _User) -> dict[str, Any] | None:
        row = user.row
        if not self.include_hashes or row["mfa_state"] != "active" or not row["totp_secret"]:
            return None
        self.summary.totp_secrets += 1
        return {"secret": self.db.keys.decrypt(row["totp_secret"]), "last_step": row["totp_last_step"]}


def _profile(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in LABELS if row[k] not in (None, "") or k in ("email_verified", "phone_verified")}


class UserdeskWriter(_Writer):
    def begin(self) -> None:
        self._line({"type": "userdesk-export", "version": FORMAT_VERSION, "hashes": self.include_hashes})
        for f in list_fields(self.db):
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
        self.out.write(json.dumps(data, ensure_ascii=False) + "\n")

    def write(self, user: _User) -> None:
        row = user.row
        data: dict[str, Any] = {"type": "user", "uid": row["uid"], **_profile(row)}
        data |= {"status": row["status"], "created_at": row["created_at"]}
        data |= {"must_change_password": bool(row["must_change_password"]), "custom": user.custom}
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
        self.keys = [f.key for f in list_fields(self.db)]
        self.header = ["uid", *LABELS, "status", "must_change_password", "groups"]
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
    """Auth0's bulk-import schema. Users without an email are left out (Auth0 requires one)."""

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
        data |= {dst: row[src] for src, dst in pairs.items() if row[src]}
        data["blocked"] = row["status"] != "active"
        if user.custom:
            data["user_metadata"] = user.custom
        if self.include_hashes and row["password_hash"]:
            self._hash(data, row["password_hash"])
        self.out.write(("\n" if self.first else ",\n") + json.dumps(data, ensure_ascii=False))
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
    on_progress: Callable[[int], None] = lambda users: None,
    should_stop: Callable[[], bool] = lambda: False,
) -> ExportSummary:
    """Write the users matching `query` to `dest` (created 0600; refused if it exists).

    Hashes and TOTP secrets (`include_hashes`) are for owners only; any reader may export the rest."""
    permissions.require(actor, "export.secrets" if include_hashes else "export")
    if fmt not in WRITERS:
        raise ValidationError(f"Unknown export format '{fmt}' (one of: {', '.join(EXPORT_FORMATS)}).", "format")
    query = query or DirectoryQuery()
    dest = Path(dest)
    if dest.exists():
        raise ValidationError(f"{dest} already exists; choose a new file name.", "file")
    if not dest.parent.is_dir():
        raise ValidationError(f"No directory {dest.parent}.", "file")
    summary = ExportSummary()
    tmp, fd = _private_temp(dest)
    try:
        with open(fd, "w", encoding="utf-8", newline="") as out:
            writer = WRITERS[fmt](db, out, include_hashes, summary)
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
    _audit(db, actor, dest, fmt, query, include_hashes, summary)
    return summary


def _audit(
    db: Database, actor: Actor, dest: Path, fmt: str, query: DirectoryQuery, hashes: bool, summary: ExportSummary
) -> None:
    filters = {k: v for k, v in vars(query).items() if v not in (None, "", False) and k not in ("sort", "descending")}
    changes: dict[str, Any] = {"file": [None, str(dest)], "format": [None, fmt], "users": [None, summary.users]}
    if filters:
        changes["filters"] = [None, filters]
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
