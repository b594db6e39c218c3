"""The import core: every format's reader feeds it Records; it validates them with the store's own rules,
reports per row, and (with apply) writes them in batches.

Decisions:
- Dry run by default: the same validation and matching as a real run, nothing written.
- Constant memory: readers stream; rows are handled a batch at a time; the identifiers seen so far (to
  catch a user twice in one file) go to a private temporary SQLite table on disk, not a Python set.
- Batches of `batch_size` rows, each one write transaction (BEGIN IMMEDIATE) holding its checks and its
  writes together, with one audit event naming the file and the counts. A row is written whole or not at
  all; a row with an error is reported and left out, the others are written. Ctrl-C (should_stop) stops
  after the current batch.
- PostgreSQL: the same batches and transactions; new users go in with COPY (store.bulk_io.copy_rows), lookups take
  the batch's values as one array; the search index needs no suspending there (no FTS triggers to drop).
- Resumable: a row whose match key (email, username or external_id; when the row has none, its first login
  identifier) is already in the directory is not created again; on-conflict decides: skip (default: leave it,
  but give it the file's password hash when it has none), update (profile, custom data, groups, identities;
  a password only when it has none) or fail (a row error).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from .. import audit, custom, passwords, permissions
from ..admins import guard_last_owner
from ..audit import Actor
from ..bulk_io import copy_rows, in_values, on_postgresql, values_param
from ..db import Database
from ..errors import PermissionDenied, ValidationError
from ..models import STATUSES, CustomField, CustomValue, Group, GroupMember, Identity, User, stored_id
from ..search_index import (
    create_search_triggers,
    drop_search_triggers,
    mark_search_stale,
    rebuild_stale_search,
    search_is_stale,
)
from ..sessions import end_user_sessions
from ..users import _UID, UNIQUE_FIELDS
from ..validation import LABELS, clean_text, normalise_field
from . import auth0, csv_format, firebase, keycloak, userdesk_format
from .common import ReaderOptions
from .records import FieldDef, FileProblem, Issue, Record
from .streams import CountingFile

READERS: dict[str, Callable[[CountingFile, ReaderOptions], Iterator[Record | FieldDef]]] = {
    "userdesk": userdesk_format.read,
    "auth0": auth0.read,
    "keycloak": keycloak.read,
    "firebase": firebase.read,
    "csv": csv_format.read,
}
FORMATS = tuple(READERS)
MATCH_KEYS = ("email", "username", "external_id")
ON_CONFLICT = ("skip", "update", "fail")
LOGIN_KEYS = ("username", "email", "phone", "external_id")
BATCH_SIZE = 1000
# Checkpoint the WAL every 200 MB instead of SQLite's 4 MB while importing: a page the batches keep dirtying
# (random uids land all over their index) is copied into the database once per checkpoint, not once per batch
# (1M users from NDJSON: 108 s with SQLite's default, 92 s at 40 MB, 81 s at 200 MB). The WAL is truncated after.
IMPORT_CHECKPOINT_PAGES = 50_000
DEFAULT_CHECKPOINT_PAGES = 1000
UID_POOL = 1000
BYTES_PER_ROW_GUESS = 100  # on the small side, so the row count is over-estimated
SUSPEND_SEARCH_RATIO = 10
IMPORT_ACTION = "user.import"
USER_DEFAULTS: dict[str, Any] = {
    name: info.default for name, info in User.model_fields.items() if name != "id" and info.default is not None
}


@dataclass(frozen=True)
class ImportOptions:
    format: str
    apply: bool = False
    on_conflict: str = "skip"
    match: str = "email"
    batch_size: int = BATCH_SIZE
    reader: ReaderOptions = field(default_factory=ReaderOptions)
    test_login: str | None = None  # --test-password: whose hash in the file to check
    test_password: str | None = None


@dataclass
class ImportSummary:
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    hashes_added: int = 0
    errors: int = 0  # rows (and file problems) reported as errors
    warnings: int = 0
    batches: int = 0
    fields_defined: int = 0
    groups_created: int = 0
    interrupted: bool = False
    test_result: str | None = None  # match, mismatch, no password hash, not found

    @property
    def ok(self) -> bool:
        return self.errors == 0 and not self.interrupted and self.test_result in (None, "match")


@dataclass(frozen=True)
class Progress:
    rows: int
    done_bytes: int
    total_bytes: int
    elapsed: float


@dataclass
class _Row:
    """A validated record: normalised values, ready to match and write."""

    record: Record
    values: dict[str, Any]
    custom: dict[int, str]  # field id -> canonical value
    groups: list[str]
    identities: list[tuple[str, str]]
    totp: str | None


class _Seen:
    """Identifiers already met in this file, in a private temporary on-disk SQLite table (constant memory)."""

    def __init__(self) -> None:
        self.conn = sqlite3.connect("")  # "" = a temporary database file, deleted on close
        self.conn.execute("CREATE TABLE seen (k TEXT PRIMARY KEY, line INTEGER) WITHOUT ROWID")

    def lines(self, keys: list[str]) -> dict[str, int]:
        """The line of each of `keys` already seen (one query for a whole batch)."""
        sql = "SELECT k, line FROM seen WHERE k IN (SELECT value FROM json_each(?))"
        return dict(self.conn.execute(sql, (json.dumps(keys),)).fetchall()) if keys else {}

    def add(self, pairs: list[tuple[str, int]]) -> None:
        self.conn.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", pairs)

    def close(self) -> None:
        self.conn.close()


class Importer:
    def __init__(
        self,
        db: Database,
        actor: Actor,
        path: Path,
        options: ImportOptions,
        *,
        on_issue: Callable[[Issue], None] = lambda issue: None,
        on_progress: Callable[[Progress], None] = lambda progress: None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        if options.format not in READERS:
            raise ValidationError(f"Unknown format '{options.format}' (one of: {', '.join(FORMATS)}).", "format")
        if options.match not in MATCH_KEYS:
            raise ValidationError(f"--match must be one of: {', '.join(MATCH_KEYS)}.", "match")
        if options.on_conflict not in ON_CONFLICT:
            raise ValidationError(f"--on-conflict must be one of: {', '.join(ON_CONFLICT)}.", "on_conflict")
        self.db, self.actor, self.path, self.options = db, actor, path, options
        self.on_issue, self.on_progress, self.should_stop = on_issue, on_progress, should_stop
        self.summary = ImportSummary()
        self.fields: dict[str, CustomField] = {f.key: f for f in custom.list_fields(db)}
        self.groups: dict[str, int] = {}
        self._taken_uids: set[str] = set()
        self.seen = _Seen()
        self.suspend_search = False
        self._uid_pool: list[str] = []

    # -- the run -----------------------------------------------------------------------------------------------------

    def run(self) -> ImportSummary:
        total = self.path.stat().st_size
        if self.options.apply and not on_postgresql(self.db):  # PostgreSQL's search column needs no rebuild
            self.suspend_search = self._large(total)
        try:
            self._read_all(total)
        except BaseException:
            with contextlib.suppress(Exception):
                self._finish_search()  # the rows committed so far get searchable; else the next import repairs
            raise
        finally:
            self.seen.close()
        self._finish_search()
        if self.options.test_login is not None and self.summary.test_result is None:
            self.summary.test_result = "not found"
        return self.summary

    def _read_all(self, total: int) -> None:
        started = time.monotonic()
        with self.path.open("rb") as raw:
            source = CountingFile(raw)
            batch: list[Record] = []
            try:
                for item in READERS[self.options.format](source, self.options.reader):
                    if isinstance(item, FieldDef):
                        self._flush(batch)
                        self._define(item)
                        continue
                    batch.append(item)
                    if len(batch) >= self.options.batch_size:
                        self._flush(batch)
                        self.on_progress(
                            Progress(self.summary.rows, source.consumed, total, time.monotonic() - started)
                        )
                        if self.should_stop():
                            self.summary.interrupted = True
                            return
            except FileProblem as problem:
                self._flush(batch)
                self._report(Issue(problem.line, "-", "file", problem.reason))
                self.summary.errors += 1
            self._flush(batch)
            self.on_progress(Progress(self.summary.rows, source.consumed, total, time.monotonic() - started))

    def _large(self, file_bytes: int) -> bool:
        """Whether to write with the search triggers suspended and rebuild the index once at the end: when the
        file may hold at least a tenth as many users as the directory (an empty directory included), where one
        rebuild (~3 us per user in the directory) costs less than live indexing (~40 us per imported user)."""
        with self.db.read() as s:
            users = s.connection().exec_driver_sql('SELECT count(*) FROM "user"').scalar_one()
        return file_bytes // BYTES_PER_ROW_GUESS * SUSPEND_SEARCH_RATIO >= users

    def _finish_search(self) -> None:
        """After an applied run: rebuild the search index if this run suspended it, or an earlier one left it stale
        (an import killed mid-way); one transaction, so the index is exact when it commits."""
        if not self.options.apply or on_postgresql(self.db):
            return
        with self.db.write() as s:
            raw = _driver(s)
            raw.execute(f"PRAGMA wal_autocheckpoint={DEFAULT_CHECKPOINT_PAGES}")
            if self.suspend_search or search_is_stale(raw):
                rebuild_stale_search(raw)
        self._truncate_wal()

    def _truncate_wal(self) -> None:
        """Copy the import's WAL into the database and give its disk space back (skipped while readers need it)."""
        conn = self.db.writer.raw_connection()
        try:
            with contextlib.suppress(sqlite3.OperationalError):
                conn.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        finally:
            conn.close()

    def _report(self, issue: Issue) -> None:
        if issue.level == "warning":
            self.summary.warnings += 1
        self.on_issue(issue)

    def _flush(self, batch: list[Record]) -> None:
        if not batch:
            return
        records = list(batch)
        batch.clear()
        self.summary.rows += len(records)
        rows = self._validate_batch(records)
        if self.options.apply:
            with self.db.write() as s:
                if not on_postgresql(self.db):
                    _driver(s).execute(f"PRAGMA wal_autocheckpoint={IMPORT_CHECKPOINT_PAGES}")
                raw = _driver(s) if self.suspend_search else None
                if raw is not None:
                    drop_search_triggers(raw)
                    mark_search_stale(raw)
                counts = self._apply_batch(s, rows)
                if any(counts.values()):
                    self._audit(s, records[0].line, records[-1].line, counts)
                if raw is not None:
                    s.flush()  # the batch's ORM writes too, before the triggers are back
                    create_search_triggers(raw)
        else:
            with self.db.read() as s:
                self._plan(s, rows)
        self.summary.batches += 1

    # -- validation (no database writes) -------------------------------------------------------------------------

    def _validate_batch(self, records: list[Record]) -> list[_Row]:
        """The batch's valid rows. Duplicates are looked up for the whole batch at once: the identifiers seen
        in earlier batches (one query), then this batch's own, in file order."""
        normalised = [(record, self._normalise(record)) for record in records]
        keys = [self._unique_keys(row) if row is not None else [] for _, row in normalised]
        seen = self.seen.lines([k for row_keys in keys for k in row_keys])
        new: list[tuple[str, int]] = []
        rows = []
        for (record, row), row_keys in zip(normalised, keys, strict=True):
            valid = self._validate(record, row, row_keys, seen, new)
            if valid is not None:
                rows.append(valid)
        self.seen.add(new)
        return rows

    def _validate(
        self, record: Record, row: _Row | None, keys: list[str], seen: dict[str, int], new: list[tuple[str, int]]
    ) -> _Row | None:
        for issue in record.warnings:
            self._report(issue)
        if row is not None:
            line = next((seen[k] for k in keys if k in seen), None)
            if line is not None:
                record.error("user", f"the same user (a unique identifier) is already on line {line} of this file")
                row = None
            else:
                for key in keys:
                    seen[key] = record.line
                    new.append((key, record.line))
        if record.errors:
            self.summary.errors += 1
            for issue in record.errors:
                self._report(issue)
            return None
        if self.options.test_login is not None and self.summary.test_result is None and self._is_test_user(row):
            self._test_password(record)
        return row

    def _normalise(self, record: Record) -> _Row | None:
        values: dict[str, Any] = {}
        for key, raw in record.fields.items():
            try:
                values[key] = normalise_field(key, raw)
            except ValidationError as exc:
                record.error(key, str(exc))
        if not record.errors and not any(values.get(k) for k in ("username", "email", "phone")):
            record.error("username", "A user needs at least one of username, email or phone.")
        if record.status is not None and record.status not in STATUSES:
            record.error("status", f"status must be one of: {', '.join(STATUSES)}")
        custom_values = self._custom(record)
        groups = [g for g in (self._text(record, "groups", g, 64) for g in record.groups) if g]
        identities = []
        for provider, subject in record.identities:
            p, s = self._text(record, "identities", provider, 64), self._text(record, "identities", subject, 255)
            if p and s:
                identities.append((p, s))
            elif not record.errors:
                record.error("identities", "an identity needs a provider and a subject")
        totp = self._totp(record)
        if record.errors:
            return None
        return _Row(record, values, custom_values, groups, identities, totp)

    @staticmethod
    def _text(record: Record, name: str, value: Any, max_len: int) -> str | None:
        try:
            return clean_text(name, value, max_len)
        except ValidationError as exc:
            record.error(name, str(exc))
            return None

    def _custom(self, record: Record) -> dict[int, str]:
        out: dict[int, str] = {}
        for key, raw in record.custom.items():
            definition = self.fields.get(key)
            if definition is None:
                record.warn(f"custom.{key}", f"custom field '{key}' is not defined; left out (define it first)")
                continue
            try:
                value = custom.parse_value(definition, raw)
            except ValidationError as exc:
                record.error(f"custom.{key}", str(exc))
                continue
            if value is not None:
                out[definition.id or 0] = value
        return out

    @staticmethod
    def _totp(record: Record) -> str | None:
        secret = record.totp_secret
        if secret is None:
            return None
        try:
            text = secret.replace(" ", "").upper()
            if len(base64.b32decode(text + "=" * (-len(text) % 8))) < 10:
                raise ValueError
        except (AttributeError, binascii.Error, ValueError):
            record.error("totp", "TOTP secret must be base32 of at least 80 bits")
            return None
        return text

    def _unique_keys(self, row: _Row) -> list[str]:
        keys = [f"{k}\x1f{row.values[k]}" for k in UNIQUE_FIELDS if row.values.get(k)]
        keys += [f"uid\x1f{row.record.uid}"] if row.record.uid else []
        keys += [f"identity\x1f{p}\x1f{s}" for p, s in row.identities]
        if row.custom:
            unique = {f.id for f in self.fields.values() if f.unique}
            keys += [f"custom\x1f{fid}\x1f{v}" for fid, v in row.custom.items() if fid in unique]
        return keys

    def _is_test_user(self, row: _Row | None) -> bool:
        if row is None:
            return False
        login = self.options.test_login or ""
        return login in (row.values.get("username"), row.values.get("external_id"), row.values.get("phone")) or (
            login.lower() == (row.values.get("email") or "")
        )

    def _test_password(self, record: Record) -> None:
        if record.password_hash is None:
            self.summary.test_result = "no password hash"
        elif passwords.verify_password(record.password_hash, self.options.test_password or ""):
            self.summary.test_result = "match"
        else:
            self.summary.test_result = "mismatch"

    # -- matching (reads) ------------------------------------------------------------------------------------------

    def _match_key(self, row: _Row) -> str | None:
        if row.values.get(self.options.match):
            return self.options.match
        return next((k for k in LOGIN_KEYS if row.values.get(k)), None)

    def _owners(self, s: Session, rows: list[_Row]) -> dict[str, dict[Any, int]]:
        """For each unique column, who already holds the values this batch uses: {column: {value: user id}}."""
        owners: dict[str, dict[Any, int]] = {}
        conn = s.connection()
        for key in (*UNIQUE_FIELDS, "uid"):
            wanted = {row.values.get(key) if key != "uid" else row.record.uid for row in rows} - {None}
            # one indexed lookup per column and batch, the values passed as one parameter (no ORM query building)
            sql = text(f'SELECT {key}, id FROM "user" WHERE {in_values(self.db, key, "values")}')
            owners[key] = dict(conn.execute(sql, {"values": values_param(self.db, wanted)}).all()) if wanted else {}
        return owners

    def _conflict(self, s: Session, row: _Row, owners: dict[str, dict[Any, int]], user_id: int | None) -> str | None:
        for key in UNIQUE_FIELDS:
            owner = owners[key].get(row.values.get(key))
            if owner is not None and owner != user_id:
                return f"{LABELS[key]} '{row.values[key]}' is already used by another user."
        for provider, subject in row.identities:
            owner = s.exec(
                select(Identity.user_id).where(Identity.provider == provider, Identity.subject == subject)
            ).first()
            if owner is not None and owner != user_id:
                return f"{provider} identity '{subject}' is already linked to another user."
        by_id = {f.id: f for f in self.fields.values()}
        for fid, value in row.custom.items():
            if by_id[fid].unique:
                owner = s.exec(
                    select(CustomValue.user_id).where(CustomValue.field_id == fid, CustomValue.value == value)
                ).first()
                if owner is not None and owner != user_id:
                    return f"'{by_id[fid].key}' value '{value}' is already used by another user."
        return None

    def _plan(self, s: Session, rows: list[_Row]) -> list[tuple[str, _Row, User | None]]:
        """What to do with each row: (create | update | skip | add_hash, row, existing user)."""
        owners = self._owners(s, rows)
        self._taken_uids = set(owners["uid"])
        matched_ids = {
            owners[key][row.values[key]]
            for row in rows
            if (key := self._match_key(row)) and row.values[key] in owners[key]
        }
        existing = {u.id: u for u in s.exec(select(User).where(User.id.in_(matched_ids)))} if matched_ids else {}  # type: ignore[union-attr]
        plan = []
        for row in rows:
            key = self._match_key(row)
            user = existing.get(owners[key].get(row.values[key])) if key else None
            problem = self._conflict(s, row, owners, user.id if user else None)
            if problem is None and user is not None and self.options.on_conflict == "fail":
                problem = f"already in the directory (matched on {key} '{row.values[key or '']}')"
            if problem is not None:
                self.summary.errors += 1
                self._report(Issue(row.record.line, row.record.identifier, key or "user", problem))
                continue
            if user is None:
                action = "create"
            elif self.options.on_conflict == "update":
                action = "update"
            elif row.record.password_hash is not None and user.password_hash is None:
                action = "add_hash"
            else:
                action = "skip"
            refusal = self._admin_rules(s, action, row, user)
            if refusal is not None:
                self.summary.errors += 1
                self._report(Issue(row.record.line, row.record.identifier, "user", refusal))
                continue
            plan.append((action, row, user))
            self._count(action, row, user)
        return plan

    def _admin_rules(self, s: Session, action: str, row: _Row, user: User | None) -> str | None:
        """Why this change of an existing user is refused, or None: an import is an edit like any other, so an
        admin account is changed only by a strictly higher role or an owner, and the last owner stays active."""
        if user is None or action == "skip":
            return None
        try:
            permissions.require_over(s, self.actor, "users.edit", user)
            if action == "update" and row.record.status not in (None, "active"):
                guard_last_owner(s, user)
        except PermissionDenied as exc:
            return str(exc)
        return None

    def _count(self, action: str, row: _Row, user: User | None) -> None:
        if action == "create":
            self.summary.created += 1
        elif action == "update":
            self.summary.updated += 1
            if row.record.password_hash is not None and user is not None and user.password_hash is None:
                self.summary.hashes_added += 1
        elif action == "add_hash":
            self.summary.hashes_added += 1
        else:
            self.summary.skipped += 1

    # -- writing -------------------------------------------------------------------------------------------------------

    def _apply_batch(self, s: Session, rows: list[_Row]) -> dict[str, int]:
        before = (self.summary.created, self.summary.updated, self.summary.hashes_added, self.summary.groups_created)
        plan = self._plan(s, rows)
        now = self.db.now()
        created = [(row, self._new_user(row, now)) for action, row, _ in plan if action == "create"]
        for row, user_id in zip(
            (row for row, _ in created), self._insert_users(s, [u for _, u in created]), strict=True
        ):
            self._attach(s, row, user_id, now, new=True)
        for action, row, existing in plan:
            if existing is not None and action in ("update", "add_hash"):
                self._update(s, row, existing, now, profile=action == "update")
        return {
            "created": self.summary.created - before[0],
            "updated": self.summary.updated - before[1],
            "hashes_added": self.summary.hashes_added - before[2],
            "groups_created": self.summary.groups_created - before[3],
        }

    def _insert_users(self, s: Session, rows: list[dict[str, Any]]) -> list[int]:
        """Insert the batch's new users in one executemany (ORM objects cost ~2 ms each); their ids, in order."""
        if not rows:
            return []
        columns = list(dict.fromkeys(c for r in rows for c in r))
        values = [tuple(map(r.get, columns)) for r in rows]
        conn = s.connection()
        if on_postgresql(self.db):
            copy_rows(conn.connection.driver_connection, "user", columns, values)  # in the session's transaction
        else:
            sql = f'INSERT INTO "user" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
            conn.exec_driver_sql(sql, values)
        ids: dict[str, int] = dict(
            conn.execute(
                text(f'SELECT uid, id FROM "user" WHERE {in_values(self.db, "uid", "uids")}'),
                {"uids": values_param(self.db, (r["uid"] for r in rows))},
            ).all()
        )
        return [ids[r["uid"]] for r in rows]

    def _new_user(self, row: _Row, now: int) -> dict[str, Any]:
        record = row.record
        keep = record.uid and _UID.match(record.uid) and record.uid not in self._taken_uids
        uid = record.uid if keep and record.uid else self._new_uid()
        created_at = record.created_at if record.created_at and 0 < record.created_at <= now else now
        status = record.status or "active"
        return USER_DEFAULTS | {
            "uid": uid,
            "created_at": created_at,
            "updated_at": now,
            "status_changed_at": now,
            "status": status,
            "password_hash": record.password_hash,
            "password_last_set_at": (record.password_set_at or now) if record.password_hash else None,
            "must_change_password": record.must_change_password and record.password_hash is not None,
            "mfa_state": "active" if row.totp else "none",
            "totp_secret": self.db.keys.encrypt(row.totp) if row.totp else None,
            "totp_last_step": record.totp_last_step if row.totp else 0,
            **row.values,
        }

    def _new_uid(self) -> str:
        """As users.new_uid (24 random hex digits), drawn from one os.urandom call per thousand users."""
        if not self._uid_pool:
            pool = secrets.token_hex(12 * UID_POOL)
            self._uid_pool = [pool[i : i + 24] for i in range(0, len(pool), 24)]
        return self._uid_pool.pop()

    def _attach(self, s: Session, row: _Row, user_id: int, now: int, *, new: bool = False) -> None:
        """Custom values, group memberships and identities of a user (added; existing ones kept). A new user
        has none yet (and the batch's checks made its identities free), so nothing is looked up for it."""
        for fid, value in row.custom.items():
            current = None if new else s.get(CustomValue, (user_id, fid))
            if current is None:
                s.add(CustomValue(user_id=user_id, field_id=fid, value=value))
            else:
                current.value = value
                s.add(current)
        for name in row.groups:
            gid = self._group_id(s, name, now)
            if new or s.get(GroupMember, (gid, user_id)) is None:
                s.add(GroupMember(group_id=gid, user_id=user_id))
        for provider, subject in row.identities:
            linked = (
                None
                if new
                else s.exec(
                    select(Identity.id).where(Identity.provider == provider, Identity.subject == subject)
                ).first()
            )
            if linked is None:
                linked_at = row.record.linked_at.get((provider, subject), now)
                s.add(Identity(user_id=user_id, provider=provider, subject=subject, linked_at=linked_at))

    def _group_id(self, s: Session, name: str, now: int) -> int:
        if name not in self.groups:
            group = s.exec(select(Group).where(Group.name == name)).first()
            if group is None:
                group = Group(name=name, created_at=now)
                s.add(group)
                s.flush()
                self.summary.groups_created += 1
            self.groups[name] = stored_id(group)
        return self.groups[name]

    def _update(self, s: Session, row: _Row, user: User, now: int, *, profile: bool) -> None:
        user = s.get(User, user.id) or user
        if profile:
            for key, value in row.values.items():
                setattr(user, key, value)
            if row.record.status and row.record.status != user.status:
                user.status, user.status_changed_at = row.record.status, now
                if user.status != "active":  # as a disable or archive does
                    end_user_sessions(s, stored_id(user), now, f"account {user.status} (import)")
            self._attach(s, row, stored_id(user), now)
        if row.record.password_hash is not None and user.password_hash is None:
            user.password_hash, user.password_last_set_at = row.record.password_hash, now
        user.updated_at = now
        user.version += 1
        s.add(user)

    def _define(self, item: FieldDef) -> None:
        """A field definition from the file: defined when missing (apply), checked against an existing one."""
        existing = self.fields.get(item.key)
        if existing is not None:
            if existing.type != item.type:
                self.summary.errors += 1
                self._report(
                    Issue(
                        item.line,
                        item.key,
                        "field",
                        f"field '{item.key}' exists as {existing.type}, file says {item.type}",
                    )
                )
            return
        try:
            if self.options.apply:
                definition = custom.define_field(
                    self.db,
                    self.actor,
                    item.key,
                    item.type,
                    label=item.label,
                    options=item.options,
                    unique=item.unique,
                    user_editable=item.user_editable,
                )
            else:
                definition = _dry_field(item, -1 - len(self.fields))
        except ValidationError as exc:
            self.summary.errors += 1
            self._report(Issue(item.line, item.key, "field", str(exc)))
            return
        self.fields[item.key] = definition
        self.summary.fields_defined += 1

    def _audit(self, s: Session, first: int, last: int, counts: dict[str, int]) -> None:
        changes: dict[str, list[Any]] = {
            "file": [None, self.path.name],
            "format": [None, self.options.format],
            "lines": [None, f"{first}-{last}"],
        }
        changes.update({k: [None, v] for k, v in counts.items() if v})
        audit.record(
            s,
            self.actor,
            IMPORT_ACTION,
            now=self.db.now(),
            target_type="import",
            target_label=self.path.name,
            changes=changes,
        )


def _driver(s: Session) -> sqlite3.Connection:
    """The sqlite3 connection under a session, inside its transaction."""
    return s.connection().connection.driver_connection  # type: ignore[return-value]


def _dry_field(item: FieldDef, fake_id: int) -> CustomField:
    """A definition as it would be made (validated by the same rules), for validating a dry run's rows."""
    if item.type not in custom.TYPES:
        raise ValidationError(f"Field type must be one of: {', '.join(custom.TYPES)}.", "type")
    if not custom._KEY.match(item.key) or item.key in custom.RESERVED:
        raise ValidationError(f"Field key '{item.key}' is not a valid custom field key.", "key")
    options = item.options or []
    if item.type == "enum" and not options:
        raise ValidationError("An enum field needs at least one option.", "options")
    return CustomField(
        id=fake_id, key=item.key, type=item.type, options=json.dumps(options) if options else None, unique=item.unique
    )


def run_import(
    db: Database,
    actor: Actor,
    path: Path | str,
    options: ImportOptions,
    **callbacks: Any,
) -> ImportSummary:
    """Import (or, without options.apply, check) the users in `path`."""
    permissions.require(actor, "import")
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"No file at {path}.", "file")
    if not os.access(path, os.R_OK):
        raise ValidationError(f"Cannot read {path}.", "file")
    return Importer(db, actor, path, options, **callbacks).run()
