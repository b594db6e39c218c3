"""A realistic, reproducible demo directory: from a few hundred users to a million.

Determinism: the same seed and the same `now` give the same rows (uids, names, states, history,
memberships, custom data...), because everything comes from one seeded RNG. Two things are random
on purpose, since they must never be guessable: session tokens (only their SHA-256 is stored, so
nobody, not even the builder, can use a demo session) and the AES-GCM nonces of encrypted TOTP
secrets (the secrets themselves are deterministic).

Speed: rows go in through the raw sqlite3 connection with executemany, in one transaction that
also drops the secondary indexes and search triggers first and recreates them (and rebuilds the
search index) after the load. One transaction means a failed or interrupted build changes nothing.
On PostgreSQL the same rows go in with COPY, also in one transaction (store/demo_postgresql.py);
everything before the writing (the generator, the reference data, the audit entries) is shared.
Where the time goes at 100k users (profiled, parallel build): the generator process needs ~3 s of
CPU and is not the critical path; the loading process spends ~45% in executemany (SQLite's B-tree
inserts), ~40% building the indexes and the rest mostly unmarshalling batches.

Passwords: every demo user shares one precomputed argon2id hash of DEMO_PASSWORD, so a million
users cost no hashing at all. Special accounts: `demo.user` (verified email, for the self-service
console), `demo.totp` (TOTP active; its secret and otpauth URI are in the summary) and, from 1,000
users up, `demo.heavy`, who has 100,000 login-history rows (for the history-paging benchmark).
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import glob
import hashlib
import json
import marshal
import multiprocessing
import os
import queue
import random
import secrets
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import pyotp

from .audit import Actor
from .bulk_io import on_postgresql
from .crypto import Keys
from .db import SEARCH_SQL, Database
from .errors import DatabaseError, ValidationError
from .mfa import ISSUER, RECOVERY_CODES, STEP, _code_key
from .search_index import create_search_triggers, drop_search_triggers, rebuild_search

DEMO_PASSWORD = "violet kettle harbour 88"
# argon2id (t=3, m=64 MiB, p=4: the store's parameters) of DEMO_PASSWORD, computed once.
DEMO_PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$3BWYFVAYhJxwkwx2juq+gQ$aVqHGU2Vo0VrT+DkZ+DcUAXhLRn0H4T4X0trJ40JuyA"
DEMO_USER = "demo.user"
TOTP_USER = "demo.totp"
HEAVY_USER = "demo.heavy"
HEAVY_MIN_USERS = 1000
HEAVY_HISTORY = 100_000
BATCH = 20_000
LOAD_CACHE_KIB = -1_000_000  # page cache while loading (negative: KiB)
INDEX_CACHE_KIB = -32_000  # and while sorting index entries
FORCED_STATES = {1: "disabled", 2: "archived", 3: "locked"}  # every state shows up even in a tiny demo
DAY = 86400

SEARCH_SHADOW_TABLES = ("user_search_data", "user_search_idx", "user_search_docsize", "user_search_config")
LOADED_TABLES = ("user", "login_event", "session", "custom_value", "group_member", "identity", "recovery_code", "audit")
# admin roles and keys go with their users: ids restart at 1, and a demo user must not inherit an old owner's role
WIPED_TABLES = (*LOADED_TABLES, "app_rule", "app", "grp", "custom_field", "one_time_code", "admin_role", "admin_key")

APPS = (("crm", "allow"), ("billing", "deny"), ("wiki", "allow"), ("self-service", "allow"), ("hr-portal", "deny"))
GROUPS = (
    ("engineering", "Builds and runs the product"),
    ("sales", "Account executives and sales engineers"),
    ("support", "Customer support"),
    ("marketing", "Marketing and communications"),
    ("finance", "Finance and billing"),
    ("contractors", "External staff with limited access"),
    ("admins", "Directory administrators"),
)
# (app, subject group, effect): billing is deny-all except for these groups; contractors are kept out of the wiki.
GROUP_RULES = (
    ("billing", "sales", "allow"),
    ("billing", "finance", "allow"),
    ("billing", "admins", "allow"),
    ("billing", "contractors", "deny"),
    ("wiki", "contractors", "deny"),
    ("hr-portal", "admins", "allow"),
)
DEPARTMENTS = ("engineering", "sales", "support", "marketing", "finance", "hr", "legal", "operations")
DEPARTMENT_WEIGHTS = (30, 16, 16, 9, 6, 5, 3, 15)
FIELDS = (  # key, label, type, options, unique, user_editable
    ("employee_id", "Employee ID", "string", None, True, False),
    ("department", "Department", "enum", DEPARTMENTS, False, False),
    ("start_date", "Start date", "date", None, False, False),
    ("remote", "Works remotely", "boolean", None, False, True),
    ("clearance", "Clearance level", "number", None, False, False),
    ("pronouns", "Pronouns", "string", None, False, True),
)
LOCATIONS = (  # city, country, locale, zone, calling code, national digits
    ("New York", "US", "en-US", "America/New_York", "1", 10),
    ("San Francisco", "US", "en-US", "America/Los_Angeles", "1", 10),
    ("Chicago", "US", "en-US", "America/Chicago", "1", 10),
    ("Austin", "US", "en-US", "America/Chicago", "1", 10),
    ("Toronto", "CA", "en-CA", "America/Toronto", "1", 10),
    ("London", "GB", "en-GB", "Europe/London", "44", 10),
    ("Dublin", "IE", "en-IE", "Europe/Dublin", "353", 9),
    ("Paris", "FR", "fr-FR", "Europe/Paris", "33", 9),
    ("Berlin", "DE", "de-DE", "Europe/Berlin", "49", 10),
    ("Madrid", "ES", "es-ES", "Europe/Madrid", "34", 9),
    ("Amsterdam", "NL", "nl-NL", "Europe/Amsterdam", "31", 9),
    ("Stockholm", "SE", "sv-SE", "Europe/Stockholm", "46", 9),
    ("Warsaw", "PL", "pl-PL", "Europe/Warsaw", "48", 9),
    ("São Paulo", "BR", "pt-BR", "America/Sao_Paulo", "55", 11),
    ("Mexico City", "MX", "es-MX", "America/Mexico_City", "52", 10),
    ("Tokyo", "JP", "ja-JP", "Asia/Tokyo", "81", 10),
    ("Seoul", "KR", "ko-KR", "Asia/Seoul", "82", 10),
    ("Singapore", "SG", "en-SG", "Asia/Singapore", "65", 8),
    ("Sydney", "AU", "en-AU", "Australia/Sydney", "61", 9),
    ("Bengaluru", "IN", "en-IN", "Asia/Kolkata", "91", 10),
    ("Nairobi", "KE", "en-KE", "Africa/Nairobi", "254", 9),
    ("Cape Town", "ZA", "en-ZA", "Africa/Johannesburg", "27", 9),
)
COMPANIES = (
    "Northwind Traders",
    "Contoso",
    "Fabrikam",
    "Tailspin Toys",
    "Wingtip Toys",
    "Adventure Works",
    "Litware",
    "Proseware",
    "Woodgrove Bank",
    "Lucerne Publishing",
    "Coho Winery",
    "Alpine Ski House",
    "Blue Yonder Airlines",
    "Fourth Coffee",
    "Humongous Insurance",
    "Margie's Travel",
    "Trey Research",
    "Wide World Importers",
)
DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "inbox.example")
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0",
    "userdesk-cli/0.1",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "okhttp/4.12.0",
)
ATTACK_NAMES = (
    "admin",
    "root",
    "test",
    "guest",
    "administrator",
    "info",
    "support",
    "user",
    "oracle",
    "postgres",
    "admin@example.com",
    "+15555550100",
    "sa",
    "ubnt",
    "pi",
)
USER_COLUMNS = (
    "id",
    "uid",
    "username",
    "email",
    "email_verified",
    "phone",
    "phone_verified",
    "name",
    "nickname",
    "given_name",
    "family_name",
    "photo",
    "gender",
    "birthdate",
    "company",
    "street_address",
    "city",
    "province",
    "postal_code",
    "country",
    "locale",
    "zoneinfo",
    "external_id",
    "status",
    "status_changed_at",
    "created_at",
    "updated_at",
    "password_hash",
    "password_last_set_at",
    "must_change_password",
    "last_login_at",
    "login_count",
    "last_ip",
    "failed_attempts",
    "locked_until",
    "mfa_state",
    "totp_secret",
    "totp_last_step",
    "version",
)
INSERTS = {
    "user": f'INSERT INTO "user" ({", ".join(USER_COLUMNS)}) VALUES ({", ".join("?" * len(USER_COLUMNS))})',
    "login_event": "INSERT INTO login_event (ts, user_id, identifier, app_id, ip, user_agent, method, success, reason) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "session": "INSERT INTO session (sid, token_hash, user_id, app_id, ip, user_agent, method, created_at, last_seen_at, "
    "absolute_expires_at, revoked_at, revoked_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "custom_value": "INSERT INTO custom_value (user_id, field_id, value) VALUES (?, ?, ?)",
    "group_member": "INSERT INTO group_member (group_id, user_id) VALUES (?, ?)",
    "identity": "INSERT INTO identity (user_id, provider, subject, linked_at) VALUES (?, ?, ?, ?)",
    "recovery_code": "INSERT INTO recovery_code (user_id, code_hash, used_at) VALUES (?, ?, ?)",
}


TOTP_COLUMN = USER_COLUMNS.index("totp_secret")


class SqlConnection(Protocol):
    """What the steps shared by both backends need: sqlite3.Connection, or store.bulk_io.QmarkConnection (psycopg)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, parameters: Any, /) -> Any: ...


PARALLEL_MIN_USERS = 50_000  # below this, starting a generator process costs more than it saves


@dataclass
class DemoSummary:
    """What the build made, how long it took, and the credentials to try it with."""

    users: int
    states: dict[str, int]
    mfa: int
    groups: int
    memberships: int
    apps: int
    fields: int
    custom_values: int
    identities: int
    history: int
    sessions: int
    recovery_codes: int
    seed: int
    now: int
    seconds: float
    timings: dict[str, float]
    password: str = DEMO_PASSWORD
    demo_user: str = DEMO_USER
    totp_user: str = TOTP_USER
    totp_secret: str = ""
    totp_uri: str = ""
    totp_recovery_codes: list[str] = field(default_factory=list)
    heavy_user: str | None = None
    parallel: bool = False  # rows were generated in a second process


@dataclass(frozen=True)
class _Spec:
    """Everything the row generator needs (picklable: it may run in another process)."""

    users: int
    seed: int
    now: int
    history_per_user: float
    heavy: bool
    idle: int
    absolute: int
    lock_seconds: int
    lock_threshold: int
    app_ids: dict[str, int]
    group_ids: dict[str, int]
    field_ids: dict[str, int]
    search_path: str | None = None  # also build the search index there (the parallel build)


def default_history_per_user(users: int) -> float:
    """Average login-history rows per regular user: months of history at small sizes, less at a million."""
    if users <= 20_000:
        return 40.0
    if users <= 200_000:
        return 15.0
    return 5.0


def directory_is_empty(conn: SqlConnection) -> bool:
    """No users, groups or fields, and no app other than the 'self-service' app that `init` creates."""
    for sql in (
        'SELECT 1 FROM "user" LIMIT 1',
        "SELECT 1 FROM grp LIMIT 1",
        "SELECT 1 FROM custom_field LIMIT 1",
        "SELECT 1 FROM app WHERE name != 'self-service' LIMIT 1",
    ):
        if conn.execute(sql).fetchone():
            return False
    return True


def _denied(app: str | None, groups: tuple[str, ...]) -> str | None:
    """Why the app refuses a member of `groups` (store.access.decide's wording), or None."""
    if app == "billing":
        if "contractors" in groups:
            return "group 'contractors' rule: deny"
        return None if {"sales", "finance", "admins"} & set(groups) else "default: deny"
    if app == "wiki" and "contractors" in groups:
        return "group 'contractors' rule: deny"
    if app == "hr-portal" and "admins" not in groups:
        return "default: deny"
    return None


class _Generator:
    """All demo rows from one seeded RNG, yielded in batches of table -> rows.

    Nothing here needs the database or its key: user rows carry TOTP secrets in plain text (the
    loader encrypts them) and demo.totp's recovery codes come back in the final batch's "_result".
    """

    def __init__(self, spec: _Spec) -> None:
        from zxcvbn.frequency_lists import FREQUENCY_LISTS

        self.spec, self.now = spec, spec.now
        self.rng = random.Random(spec.seed)
        self.female, self.male = FREQUENCY_LISTS["female_names"], FREQUENCY_LISTS["male_names"]
        self.surnames = FREQUENCY_LISTS["surnames"]
        self.taken_usernames: set[str] = set()
        self.taken_phones: set[str] = set()
        self.buffers: dict[str, list[tuple]] = {table: [] for table in INSERTS}
        self.states = {"active": 0, "disabled": 0, "archived": 0, "locked": 0}
        self.mfa_users = 0
        r = self.rng.random
        self.ip_pool = [
            f"{int(r() * 200) + 11}.{int(r() * 256)}.{int(r() * 256)}.{int(r() * 254) + 1}" for _ in range(60_000)
        ]
        self.departments = [d for d, w in zip(DEPARTMENTS, DEPARTMENT_WEIGHTS, strict=True) for _ in range(w)]
        weighted = (
            ("crm",) * 6 + ("wiki",) * 6 + ("self-service",) * 3 + ("billing",) * 2 + ("hr-portal",) + (None,) * 2
        )
        self.app_choice = [(name, spec.app_ids[name] if name else None) for name in weighted]
        self.group_ids, self.field_ids = spec.group_ids, spec.field_ids
        self._denials: dict[tuple[str, ...], list[str | None]] = {}
        self.search_rows: list[tuple] = []  # (id, username, email, phone, name) when the generator builds the index
        self._collect = spec.search_path is not None

    def batches(self) -> Iterator[dict[str, Any]]:
        spec, rng = self.spec, self.rng
        totp_secret = base64.b32encode(rng.randbytes(20)).decode()
        self.special_user(1, DEMO_USER, "Demo User", email="demo.user@example.com", phone="+447700900123")
        self.special_user(2, TOTP_USER, "Demo Totp", email="demo.totp@example.com", phone=None, secret=totp_secret)
        codes = []
        for _ in range(RECOVERY_CODES):
            raw = base64.b32encode(rng.randbytes(15)).decode().lower()
            codes.append("-".join(raw[i : i + 4] for i in range(0, 24, 4)))
        next_id = 3
        if spec.heavy:
            self.special_user(
                3,
                HEAVY_USER,
                "Heavy Signin",
                email="demo.heavy@example.com",
                phone=None,
                history=HEAVY_HISTORY,
                span=DAY * 730,
            )
            next_id = 4
        yield self._take()
        for index in range(1, spec.users - next_id + 2):
            self.regular_user(next_id + index - 1, index)
            if len(self.buffers["user"]) >= BATCH:
                yield self._take()
        self.unknown_attempts(max(5, spec.users // 50))
        batch = self._take()
        batch["_result"] = {
            "states": self.states,
            "mfa": self.mfa_users,
            "totp_secret": totp_secret,
            "totp_codes": codes,
        }
        yield batch

    def _take(self) -> dict[str, Any]:
        self.buffers["recovery_code"].sort(key=_code_hash)  # in key order the unique index fills page by page
        batch = {table: rows for table, rows in self.buffers.items() if rows}
        self.buffers = {table: [] for table in INSERTS}
        return batch

    # -- users ----------------------------------------------------------------------------------------------------

    def _username(self, first: str, last: str) -> str:
        r = self.rng.random
        base = f"{first}.{last}"
        name = base if r() < 0.12 else f"{base}{int(r() * 99) + 1}"
        while name in self.taken_usernames:
            name = f"{base}{int(r() * 9999) + 1}"
        self.taken_usernames.add(name)
        return name

    def _phone(self, code: str, digits: int) -> str:
        rb = self.rng.getrandbits
        while True:
            phone = f"+{code}{2 + rb(3) % 8}{rb(40) % 10 ** (digits - 1):0{digits - 1}d}"
            if phone not in self.taken_phones:
                self.taken_phones.add(phone)
                return phone

    def _state(self, index: int) -> str:
        if index in FORCED_STATES:
            return FORCED_STATES[index]
        if index % 125 == 7:
            return "locked"
        roll = self.rng.random()
        return "disabled" if roll < 0.055 else "archived" if roll < 0.09 else "active"

    def regular_user(self, uid_id: int, index: int) -> None:
        """One ordinary person with a profile, a state, groups, custom data, identities and history."""
        rng, r, now = self.rng, self.rng.random, self.now
        female = r() < 0.52
        names = self.female if female else self.male
        first = names[int(len(names) * r() * r())]
        last = self.surnames[int(len(self.surnames) * r() * r())]
        username = self._username(first, last)
        given, family = first.capitalize(), last.capitalize()
        city, country, locale, zone, code, digits = LOCATIONS[int(r() * len(LOCATIONS))]
        has_email = r() < 0.96
        email = f"{username}@{DOMAINS[int(r() * len(DOMAINS))]}" if has_email else None
        phone = self._phone(code, digits) if (r() < 0.62 or not has_email) else None
        created = now - DAY * 30 - int(r() * DAY * 1400)
        state = self._state(index)
        locked = state == "locked"
        status = "active" if locked else state
        has_password = r() < 0.97 or locked
        mfa = has_password and r() < 0.2
        pending = (not mfa) and r() < 0.01
        department = self.departments[int(r() * len(self.departments))]
        contractor = r() < 0.1
        groups: tuple[str, ...] = (department,) if department in self.group_ids else ()
        if contractor:
            groups += ("contractors",)
        if r() < 0.005:
            groups += ("admins",)
        never = not locked and r() < 0.08
        last_login, logins, last_ip, failed, locked_until = self.history(
            uid_id, username, email, created, mfa, groups, status, locked, never
        )
        secret, mfa_state, step = None, "none", 0
        if mfa or pending:
            secret = base64.b32encode(rng.randbytes(20)).decode()
            mfa_state = "active" if mfa else "pending"
            if mfa:
                step = last_login // STEP if last_login else 0
                self.recovery_codes(uid_id, created)
                self.mfa_users += 1
        status_changed = created if status == "active" else now - int(r() * DAY * 200) - 3600
        self.states[state] += 1
        full_name = f"{given} {family}"
        if self._collect:
            self.search_rows.append((uid_id, username, email, phone, full_name))
        self.buffers["user"].append(
            (
                uid_id,
                f"{rng.getrandbits(96):024x}",
                username,
                email,
                has_email and r() < 0.88,
                phone,
                phone is not None and r() < 0.5,
                full_name,
                given if r() < 0.15 else None,
                given,
                family,
                None,
                "F" if female else "M" if r() < 0.97 else "U",
                f"{1950 + int(r() * 55)}-{int(r() * 12) + 1:02d}-{int(r() * 28) + 1:02d}" if r() < 0.4 else None,
                COMPANIES[int(r() * len(COMPANIES))] if r() < 0.7 else None,
                None,
                city,
                None,
                None,
                country,
                locale if r() < 0.8 else None,
                zone if r() < 0.8 else None,
                f"hr-{index:07d}" if r() < 0.3 else None,
                status,
                status_changed,
                created,
                max(created, last_login or created, status_changed),
                DEMO_PASSWORD_HASH if has_password else None,
                created if has_password else None,
                has_password and r() < 0.02,
                last_login,
                logins,
                last_ip,
                failed,
                locked_until,
                mfa_state,
                secret,
                step,
                1 + int(r() * 4),
            )
        )
        for name in groups:
            self.buffers["group_member"].append((self.group_ids[name], uid_id))
        self.custom_data(uid_id, index, department, contractor, created)
        self.identities(uid_id, index, created)
        if status == "active" and not locked and not never:
            self.sessions(uid_id, mfa)

    def custom_data(self, uid_id: int, index: int, department: str, contractor: bool, created: int) -> None:
        r, f, out = self.rng.random, self.field_ids, self.buffers["custom_value"]
        if not contractor and r() < 0.9:
            out.append((uid_id, f["employee_id"], f"E{100000 + index}"))
        if r() < 0.9:
            out.append((uid_id, f["department"], department))
        if r() < 0.5:
            out.append((uid_id, f["start_date"], time.strftime("%Y-%m-%d", time.gmtime(created + int(r() * DAY * 20)))))
        if r() < 0.4:
            out.append((uid_id, f["remote"], "true" if r() < 0.45 else "false"))
        if r() < 0.08:
            out.append((uid_id, f["clearance"], str(1 + int(r() * 5))))
        if r() < 0.05:
            out.append((uid_id, f["pronouns"], ("she/her", "he/him", "they/them")[int(r() * 3)]))

    def identities(self, uid_id: int, index: int, created: int) -> None:
        r = self.rng.random
        if r() < 0.08:
            self.buffers["identity"].append(
                (uid_id, "github", str(10_000_000 + index * 16 + int(r() * 16)), created + int(r() * DAY * 30))
            )
        if r() < 0.12:
            self.buffers["identity"].append(
                (uid_id, "google", f"10{index:08d}{self.rng.getrandbits(36):011d}", created + int(r() * DAY * 30))
            )

    def recovery_codes(self, uid_id: int, created: int) -> None:
        """Ten codes, a few used. Nobody ever saw them, so each stored MAC is that of an unknown random code."""
        rb, r, out = self.rng.getrandbits, self.rng.random, self.buffers["recovery_code"]
        used = int(r() * r() * 4)
        for k in range(RECOVERY_CODES):
            out.append((uid_id, f"{rb(256):064x}", created + int(r() * (self.now - created)) if k < used else None))

    def sessions(self, uid_id: int, mfa: bool) -> None:
        r, now, spec = self.rng.random, self.now, self.spec
        if r() >= (0.2 if spec.users <= 20_000 else 0.04):
            return
        for _ in range(1 + (r() < 0.3)):
            created = now - int(r() * (spec.absolute - 600)) - 1
            seen = max(created, now - int(r() * (spec.idle - 60)))
            _, app_id = self.app_choice[int(r() * len(self.app_choice))]
            self.buffers["session"].append(
                (
                    f"{self.rng.getrandbits(64):016x}",
                    hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                    uid_id,
                    app_id,
                    self.ip_pool[int(r() * len(self.ip_pool))],
                    USER_AGENTS[int(r() * len(USER_AGENTS))],
                    "totp" if mfa else "password",
                    created,
                    seen,
                    created + spec.absolute,
                    None,
                    None,
                )
            )

    # -- login history --------------------------------------------------------------------------------------------

    def _denials_for(self, groups: tuple[str, ...]) -> list[str | None]:
        denials = self._denials.get(groups)
        if denials is None:
            denials = [
                None if (why := _denied(name, groups)) is None else f"app access denied ({why})"
                for name, _ in self.app_choice
            ]
            self._denials[groups] = denials
        return denials

    def history(
        self,
        uid_id: int,
        username: str,
        email: str | None,
        created: int,
        mfa: bool,
        groups: tuple[str, ...],
        status: str,
        locked: bool,
        never: bool,
        count: int | None = None,
        span: int = DAY * 180,
    ) -> tuple[int | None, int, str | None, int, int | None]:
        """Sign-in attempts, oldest first; returns (last_login_at, login_count, last_ip, failed_attempts, locked_until)."""
        r, now, out, spec = self.rng.random, self.now, self.buffers["login_event"], self.spec
        append = out.append
        if count is None:
            count = 0 if never else int(r() * 2 * spec.history_per_user)
        pool, n_pool = self.ip_pool, len(self.ip_pool)
        home = pool[int(r() * n_pool)]
        agent = USER_AGENTS[int(r() * 6)]
        fail_rate = 0.03 + r() * r() * 0.3
        totp_fail = fail_rate / 2 if mfa else -1.0
        ok_method, rare_method, rare_at = ("totp", "recovery_code", 0.995) if mfa else ("password", "email_code", 0.95)
        start = max(created, now - span)
        step = (now - 3600 - start) / (count + 1)
        choice, n_apps, denials = self.app_choice, len(self.app_choice), self._denials_for(groups)
        last_login = last_ip = None
        logins = 0
        for k in range(count):
            ts = int(start + step * (k + r()))
            pick = int(r() * n_apps)
            app_id = choice[pick][1]
            ip = home if r() < 0.8 else pool[int(r() * n_pool)]
            ua = agent if r() < 0.85 else USER_AGENTS[int(r() * len(USER_AGENTS))]
            identifier = email if (email and r() < 0.2) else username
            roll = r()
            if denials[pick] is not None:
                append((ts, uid_id, identifier, app_id, ip, ua, "password", 0, denials[pick]))
            elif roll < totp_fail:
                append((ts, uid_id, identifier, app_id, ip, ua, "totp", 0, "wrong or replayed TOTP code"))
            elif roll < fail_rate:
                append((ts, uid_id, identifier, app_id, ip, ua, "password", 0, "wrong password"))
            else:
                append((ts, uid_id, identifier, app_id, ip, ua, rare_method if roll > rare_at else ok_method, 1, None))
                last_login, last_ip = ts, ip
                logins += 1
        if status != "active" and not never and r() < 0.4:
            append((now - int(r() * DAY * 20), uid_id, username, None, home, agent, "password", 0, f"account {status}"))
        failed, locked_until = 0, None
        if locked:
            ts = now - 60 - int(r() * (spec.lock_seconds - 120))
            for k in range(spec.lock_threshold):
                reason = "wrong password"
                if k == spec.lock_threshold - 1:
                    reason += f"; account locked for {spec.lock_seconds // 60} min"
                append((ts + k * 7, uid_id, username, None, pool[int(r() * 5000)], "curl/8.5.0", "password", 0, reason))
            failed, locked_until = spec.lock_threshold, ts + (spec.lock_threshold - 1) * 7 + spec.lock_seconds
        elif not never and r() < 0.05:
            failed = 1 + int(r() * (spec.lock_threshold - 1))
        return last_login, logins, last_ip, failed, locked_until

    def unknown_attempts(self, n: int) -> None:
        r, out = self.rng.random, self.buffers["login_event"]
        for _ in range(n):
            out.append(
                (
                    self.now - int(r() * DAY * 180),
                    None,
                    ATTACK_NAMES[int(r() * len(ATTACK_NAMES))],
                    None,
                    self.ip_pool[int(r() * 5000)],
                    "python-requests/2.32.3",
                    "password",
                    0,
                    "unknown user",
                )
            )

    # -- special accounts -----------------------------------------------------------------------------------------

    def special_user(
        self,
        uid_id: int,
        username: str,
        name: str,
        *,
        email: str,
        phone: str | None,
        secret: str | None = None,
        history: int = 30,
        span: int = DAY * 180,
    ) -> None:
        now = self.now
        created = now - DAY * 400
        self.taken_usernames.add(username)
        if phone:
            self.taken_phones.add(phone)
        groups = ("engineering",)
        last_login, logins, last_ip, _, _ = self.history(
            uid_id,
            username,
            email,
            created,
            secret is not None,
            groups,
            "active",
            False,
            False,
            count=history,
            span=span,
        )
        given, family = name.split(" ", 1)
        if self._collect:
            self.search_rows.append((uid_id, username, email, phone, name))
        self.buffers["user"].append(
            (
                uid_id,
                f"{self.rng.getrandbits(96):024x}",
                username,
                email,
                True,
                phone,
                phone is not None,
                name,
                None,
                given,
                family,
                None,
                "U",
                None,
                "Northwind Traders",
                None,
                "London",
                None,
                None,
                "GB",
                "en-GB",
                "Europe/London",
                None,
                "active",
                created,
                created,
                max(created, last_login or created),
                DEMO_PASSWORD_HASH,
                created,
                False,
                last_login,
                logins,
                last_ip,
                0,
                None,
                "active" if secret else "none",
                secret,
                0,
                1,
            )
        )
        self.buffers["group_member"].append((self.group_ids["engineering"], uid_id))
        self.buffers["custom_value"].extend(
            [
                (uid_id, self.field_ids["department"], "engineering"),
                (uid_id, self.field_ids["remote"], "true"),
                (uid_id, self.field_ids["start_date"], time.strftime("%Y-%m-%d", time.gmtime(created))),
            ]
        )
        self.states["active"] += 1
        if secret:
            self.mfa_users += 1


def _code_hash(row: tuple) -> str:
    return row[1]


def _build_search_file(path: str, rows: list[tuple]) -> None:
    """The search index, built in a scratch database from the users' searchable columns.

    Runs in the generator process while the loader builds the B-tree indexes; the loader then
    copies the FTS5 shadow tables over (same SQLite library, same definition: the same bytes).
    """
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-500000", "temp_store=MEMORY"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("BEGIN")
        conn.execute("CREATE TABLE user (id INTEGER PRIMARY KEY, username, email, phone, name)")
        for sql in SEARCH_SQL:
            conn.execute(sql)
        conn.executemany("INSERT INTO user VALUES (?, ?, ?, ?, ?)", rows)
        rebuild_search(conn)
        conn.execute("COMMIT")
    finally:
        conn.close()


def _copy_search(conn: sqlite3.Connection, path: str, users: int) -> None:
    """Replace the search index's shadow tables with those built in the scratch database."""
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for table in SEARCH_SHADOW_TABLES:
            conn.execute(f'DELETE FROM "{table}"')
            columns = [r[1] for r in source.execute(f"PRAGMA table_info({table})")]
            marks = ", ".join("?" * len(columns))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", source.execute(f"SELECT * FROM {table}"))
    finally:
        source.close()
    indexed = conn.execute("SELECT count(*) FROM user_search_docsize").fetchone()[0]
    if indexed != users:
        raise DatabaseError(f"the search index built for the demo covers {indexed} users, not {users}")


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with(parent: int) -> None:
    """In the generator process: end when the loader ends, however it ends (SIGKILL included).

    Linux: the kernel sends SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG). Everywhere: a
    thread notices when the parent is gone (getppid changes) and exits, so a put() blocked on a full
    queue can never keep the process, and its hundreds of MB, alive. The loader's SIGTERM/SIGHUP
    handlers are not inherited (default: die), and files it makes are private (umask 077).
    """
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    os.umask(0o077)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="userdesk-demo-parent-watch", daemon=True).start()


def _produce(spec: _Spec, out: Any, parent: int) -> None:
    """Generator process: stream batches, then build the search index if asked, then None.

    Messages travel as marshal bytes (plain tuples of str/int/None/bytes): half the cost of pickle.
    """
    _die_with(parent)
    try:
        generator = _Generator(spec)
        for batch in generator.batches():
            out.put(marshal.dumps(batch))
        out.put(marshal.dumps({"_end": True}))
        if spec.search_path:
            _build_search_file(spec.search_path, generator.search_rows)
            out.put(marshal.dumps({"_search": True}))
    except BaseException as exc:  # hand the failure to the loader, which raises it
        out.put(marshal.dumps({"_error": f"{type(exc).__name__}: {exc}"}))
        return
    out.put(marshal.dumps(None))


def _disk_full(message: str) -> bool:
    return "disk is full" in message or "No space left" in message


def _disk_full_error(path: Path | str) -> DatabaseError:
    return DatabaseError(f"disk full: the demo directory does not fit on the disk holding {path}; nothing was changed")


class Worker:
    """The generator in a forked second process, so generation and SQLite work use both cores."""

    def __init__(self, spec: _Spec, label: str) -> None:
        ctx = multiprocessing.get_context("fork")
        self.spec, self.label = spec, label
        self.channel = ctx.Queue(maxsize=4)
        self.process = ctx.Process(
            target=_produce, args=(spec, self.channel, os.getpid()), name="userdesk-demo", daemon=True
        )
        self.process.start()

    def _next(self) -> Any:
        while True:
            try:
                message = marshal.loads(self.channel.get(timeout=1))
            except queue.Empty:
                if not self.process.is_alive():
                    raise DatabaseError("the demo generator process stopped unexpectedly") from None
                continue
            if isinstance(message, dict) and "_error" in message:
                if _disk_full(message["_error"]):
                    raise _disk_full_error(self.label)
                raise DatabaseError(f"the demo generator failed: {message['_error']}")
            return message

    def batches(self) -> Iterator[dict[str, Any]]:
        while "_end" not in (message := self._next()):
            yield message

    def wait_for_search(self) -> None:
        if "_search" not in self._next():
            raise DatabaseError("the demo generator ended without building the search index")

    def close(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=10)
        self.channel.close()


def _scratch_folder(path: Path) -> Path:
    """A private folder (0700, from mkdtemp) beside the database for the parallel build's scratch index:
    same filesystem (it can be hundreds of MB), and nobody else can read the names, emails and phones in it."""
    return Path(tempfile.mkdtemp(prefix=f"{path.name}.demo-{os.getpid()}-", dir=path.parent))


def _remove_leftovers(path: Path) -> None:
    """Scratch files of earlier builds of this database that were killed (SIGKILL, power loss) before
    they could clean up: `<db>.demo-*` folders and, from older versions, `<db>.search-<pid>.tmp` files.
    Called under the build's write lock, so no other build of this database is running."""
    name = glob.escape(path.name)
    for leftover in path.parent.glob(f"{name}.demo-*"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
    for leftover in path.parent.glob(f"{name}.search-*.tmp*"):
        leftover.unlink(missing_ok=True)


@contextmanager
def _exit_on_hangup() -> Iterator[None]:
    """SIGTERM and SIGHUP (what an SSH drop sends) raise SystemExit in the main thread while the demo builds,
    so it rolls back, stops its generator and removes its scratch files on the way out instead of dying
    where it stands. (Elsewhere than the main thread Python cannot set handlers; the generator still
    dies with its parent and the next run removes the leftovers.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = {signum: signal.signal(signum, leave) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


Writer = Callable[[str, list[tuple]], None]  # (table, rows): how one backend writes a batch of rows


def _with_encrypted_secrets(keys: Keys, rows: list[tuple]) -> list[tuple]:
    """User rows with their TOTP secrets encrypted with the database's key (the generator never sees the key)."""
    return [
        row
        if row[TOTP_COLUMN] is None
        else (*row[:TOTP_COLUMN], keys.encrypt(row[TOTP_COLUMN]), *row[TOTP_COLUMN + 1 :])
        for row in rows
    ]


def _insert(write: Writer, keys: Keys, batch: dict[str, Any], counts: dict[str, int]) -> None:
    """Write one batch, table by table in INSERTS order (users before the rows that point at them)."""
    for table in INSERTS:
        rows = batch.get(table)
        if not rows:
            continue
        write(table, _with_encrypted_secrets(keys, rows) if table == "user" else rows)
        counts[table] += len(rows)


def sqlite_writer(conn: sqlite3.Connection) -> Writer:
    """SQLite: one executemany per table and batch (prepared once, no ORM objects)."""

    def write(table: str, rows: list[tuple]) -> None:
        conn.executemany(INSERTS[table], rows)

    return write


def _reference_data(conn: SqlConnection, now: int) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Apps (keeping an existing 'self-service'), groups, fields and group rules; returns their ids."""
    for name, policy in APPS:
        conn.execute(
            "INSERT INTO app (name, default_policy, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET default_policy = excluded.default_policy",
            (name, policy, now),
        )
    app_ids = dict(conn.execute("SELECT name, id FROM app").fetchall())
    conn.executemany(
        "INSERT INTO grp (name, description, created_at) VALUES (?, ?, ?)",
        [(name, description, now) for name, description in GROUPS],
    )
    group_ids = dict(conn.execute("SELECT name, id FROM grp").fetchall())
    conn.executemany(
        'INSERT INTO custom_field ("key", label, type, options, "unique", user_editable, created_at) '
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (key, label, kind, json.dumps(list(options)) if options else None, unique, editable, now)
            for key, label, kind, options, unique, editable in FIELDS
        ],
    )
    field_ids = dict(conn.execute('SELECT "key", id FROM custom_field').fetchall())
    conn.executemany(
        "INSERT INTO app_rule (app_id, subject_type, subject_id, effect) VALUES (?, 'group', ?, ?)",
        [(app_ids[app], group_ids[group], effect) for app, group, effect in GROUP_RULES],
    )
    return app_ids, group_ids, field_ids


def _wipe(conn: SqlConnection) -> None:
    for table in WIPED_TABLES:
        conn.execute(f'DELETE FROM "{table}"')
    conn.execute("DELETE FROM meta WHERE key = 'demo'")


def _drop_indexes(conn: sqlite3.Connection) -> list[str]:
    """Drop the secondary indexes of the loaded tables; returns their CREATE statements."""
    marks = ", ".join("?" * len(LOADED_TABLES))
    rows = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
        LOADED_TABLES,
    ).fetchall()
    for name, _ in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in rows]


def _rollback_journal(conn: sqlite3.Connection) -> None:
    """Load through a rollback journal instead of the WAL: new pages are written once, not twice.

    Still one atomic transaction (pages past the old end of the file need no journal). If another
    process has the database open the switch is refused; the build then simply runs in WAL mode.
    """
    with contextlib.suppress(sqlite3.OperationalError):
        conn.execute("PRAGMA journal_mode=DELETE")


def _audit(
    conn: SqlConnection,
    actor: Actor,
    now: int,
    action: str,
    target_type: str,
    label: str | None,
    changes: dict | None,
) -> None:
    conn.execute(
        "INSERT INTO audit (ts, actor, actor_address, action, target_type, target_uid, target_label, reason, "
        "changes) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)",
        (
            now,
            actor.name,
            actor.address,
            action,
            target_type,
            label,
            "demo directory",
            json.dumps(changes, ensure_ascii=False) if changes else None,
        ),
    )


def _record(conn: SqlConnection, actor: Actor, now: int, summary: DemoSummary, force: bool) -> None:
    """Audit entries for what the demo created, and a meta note the benchmarks use to reuse a database."""
    if force:
        _audit(conn, actor, now, "demo.wipe", "directory", None, None)
    for name, policy in APPS:
        _audit(conn, actor, now, "app.create", "app", name, {"default_policy": [None, policy]})
    for name, _ in GROUPS:
        _audit(conn, actor, now, "group.create", "group", name, None)
    for key, _, kind, options, unique, editable in FIELDS:
        _audit(
            conn,
            actor,
            now,
            "field.define",
            "field",
            key,
            {
                "type": [None, kind],
                "options": [None, list(options) if options else None],
                "unique": [None, unique],
                "user_editable": [None, editable],
            },
        )
    for app, group, effect in GROUP_RULES:
        _audit(conn, actor, now, f"app.rule.{effect}", "group", group, {f"app:{app}": [None, effect]})
    _audit(
        conn,
        actor,
        now,
        "demo.build",
        "directory",
        None,
        {
            "users": [None, summary.users],
            "seed": [None, summary.seed],
            "history": [None, summary.history],
            "sessions": [None, summary.sessions],
        },
    )
    note = json.dumps({"users": summary.users, "seed": summary.seed, "now": now, "heavy_user": summary.heavy_user})
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('demo', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (note,),
    )


def build(
    db: Database,
    users: int = 200,
    seed: int = 1,
    now: int | None = None,
    *,
    force: bool = False,
    actor: Actor | None = None,
    history_per_user: float | None = None,
    heavy_history: bool | None = None,
    parallel: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Fill an empty directory with `users` users (the special accounts included).

    Refuses (ValidationError) when the directory already has users, groups, fields or apps other than
    'self-service', unless force=True, which first deletes every user, app, group, field and all history.
    heavy_history (default: users >= 1000) adds demo.heavy with 100,000 login-history rows.
    parallel (default: users >= 50,000) generates rows, and builds the search index, in a forked second
    process (only where fork exists and the caller has no other threads); the result is the same either way.
    """
    if users < 3:
        raise ValidationError("The demo needs at least 3 users (its special accounts).", "users")
    started = time.perf_counter()
    now = db.now() if now is None else int(now)
    actor = actor or Actor("userdesk-demo")
    heavy = users >= HEAVY_MIN_USERS if heavy_history is None else heavy_history
    if parallel is None:
        parallel = users >= PARALLEL_MIN_USERS
    # fork only from a single-threaded process (forking threads can deadlock); spawn would re-run the caller's script
    parallel = parallel and "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    say = progress or (lambda _message: None)
    db.reader.dispose()
    db.writer.dispose()
    if on_postgresql(db):
        from .demo_postgresql import build_postgresql  # only here: it needs psycopg

        with _exit_on_hangup():
            summary = build_postgresql(db, actor, users, seed, now, force, heavy, history_per_user, parallel, say)
        summary.seconds = time.perf_counter() - started
        return summary
    try:
        with _exit_on_hangup():
            summary = _build_in_transaction(db, actor, users, seed, now, force, heavy, history_per_user, parallel, say)
    except sqlite3.OperationalError as exc:
        if _disk_full(str(exc)):
            raise _disk_full_error(db.path) from None
        raise
    summary.seconds = time.perf_counter() - started
    return summary


def _build_in_transaction(
    db: Database,
    actor: Actor,
    users: int,
    seed: int,
    now: int,
    force: bool,
    heavy: bool,
    history_per_user: float | None,
    parallel: bool,
    say: Callable[[str], None],
) -> DemoSummary:
    """The whole build in one transaction on a raw connection; on any failure nothing is changed.

    SQLite may already have rolled back by itself (SQLITE_FULL does): then there is nothing to undo,
    and the original error, not "cannot rollback", is what the caller sees.
    """
    conn = sqlite3.connect(db.path, isolation_level=None, timeout=10)
    try:
        for pragma in (
            "synchronous=OFF",
            f"cache_size={LOAD_CACHE_KIB}",
            "temp_store=MEMORY",
            "foreign_keys=OFF",
            "threads=2",
        ):
            conn.execute(f"PRAGMA {pragma}")
        _rollback_journal(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            summary = _build(conn, db, users, seed, now, force, heavy, history_per_user, parallel, say)
            _record(conn, actor, now, summary, force)
            mark = time.perf_counter()
            conn.execute("COMMIT")
            summary.timings["commit"] = time.perf_counter() - mark
        except BaseException:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise
        return summary
    finally:
        with contextlib.suppress(sqlite3.Error):  # e.g. a full disk; the next writer switches back to WAL
            conn.execute("PRAGMA journal_mode=WAL")
        conn.close()


def _build(
    conn: sqlite3.Connection,
    db: Database,
    users: int,
    seed: int,
    now: int,
    force: bool,
    heavy: bool,
    history_per_user: float | None,
    parallel: bool,
    say: Callable[[str], None],
) -> DemoSummary:
    """Inside the build's transaction: make room, load every row, then index and summarise."""
    started = time.perf_counter()
    if not directory_is_empty(conn):
        if not force:
            raise ValidationError(
                f"The database at {db.path} already holds a directory; the demo only fills an empty "
                "one. Use another --db, or --force to delete everything in it first.",
                "force",
            )
        say("deleting the existing directory")
    drop_search_triggers(conn)
    if force:
        _wipe(conn)
    _remove_leftovers(db.path)
    index_sql = _drop_indexes(conn)
    app_ids, group_ids, field_ids = _reference_data(conn, now)
    spec = make_spec(db, users, seed, now, heavy, history_per_user, (app_ids, group_ids, field_ids))
    counts = dict.fromkeys(INSERTS, 0)
    timings: dict[str, float] = {}
    scratch = _scratch_folder(db.path) if parallel else None
    worker = None
    try:
        if scratch:
            spec = replace(spec, search_path=str(scratch / "search.db"))
            worker = Worker(spec, str(db.path))
        result = _load(
            sqlite_writer(conn), db.keys, worker.batches() if worker else _Generator(spec).batches(), spec, counts, say
        )
        timings["load"] = time.perf_counter() - started
        say("building indexes")
        mark = time.perf_counter()
        # sorting in cache-sized runs (two threads) costs a third less CPU than in one 1 GB run
        conn.execute(f"PRAGMA cache_size={INDEX_CACHE_KIB}")
        for sql in index_sql:
            conn.execute(sql)
        timings["indexes"] = time.perf_counter() - mark
        say("building the search index")
        mark = time.perf_counter()
        if worker and spec.search_path:
            worker.wait_for_search()
            _copy_search(conn, spec.search_path, counts["user"])
        else:
            rebuild_search(conn)
    finally:
        if worker:
            worker.close()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    create_search_triggers(conn)
    timings["search"] = time.perf_counter() - mark
    return summarise(counts, result, (app_ids, group_ids, field_ids), seed, now, timings, heavy, parallel)


def make_spec(
    db: Database,
    users: int,
    seed: int,
    now: int,
    heavy: bool,
    history_per_user: float | None,
    ids: tuple[dict[str, int], dict[str, int], dict[str, int]],
) -> _Spec:
    """The generator's input: the request, the policy it must respect and the reference data's ids."""
    app_ids, group_ids, field_ids = ids
    return _Spec(
        users=users,
        seed=seed,
        now=now,
        heavy=heavy,
        history_per_user=default_history_per_user(users) if history_per_user is None else history_per_user,
        idle=db.policy.session_idle_minutes * 60,
        absolute=db.policy.session_absolute_hours * 3600,
        lock_seconds=db.policy.lockout_minutes * 60,
        lock_threshold=db.policy.lockout_threshold,
        app_ids=app_ids,
        group_ids=group_ids,
        field_ids=field_ids,
    )


def summarise(
    counts: dict[str, int],
    result: dict[str, Any],
    ids: tuple[dict[str, int], dict[str, int], dict[str, int]],
    seed: int,
    now: int,
    timings: dict[str, float],
    heavy: bool,
    parallel: bool,
) -> DemoSummary:
    """The summary both backends return (seconds is set by build())."""
    app_ids, group_ids, field_ids = ids
    uri = pyotp.TOTP(result["totp_secret"]).provisioning_uri(name=TOTP_USER, issuer_name=ISSUER)
    return DemoSummary(
        users=counts["user"],
        states=result["states"],
        mfa=result["mfa"],
        groups=len(group_ids),
        memberships=counts["group_member"],
        apps=len(app_ids),
        fields=len(field_ids),
        custom_values=counts["custom_value"],
        identities=counts["identity"],
        history=counts["login_event"],
        sessions=counts["session"],
        recovery_codes=counts["recovery_code"],
        seed=seed,
        now=now,
        seconds=0.0,
        timings=timings,
        totp_secret=result["totp_secret"],
        totp_uri=uri,
        totp_recovery_codes=result["totp_codes"],
        heavy_user=HEAVY_USER if heavy else None,
        parallel=parallel,
    )


def _load(
    write: Writer,
    keys: Keys,
    batches: Iterator[dict[str, Any]],
    spec: _Spec,
    counts: dict[str, int],
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Write every batch (reporting progress), then demo.totp's recovery codes; returns the generator's result."""
    step = max(BATCH, 10 ** max(0, len(str(spec.users)) - 2))
    result: dict[str, Any] = {}
    for batch in batches:
        reported = counts["user"] // step
        _insert(write, keys, batch, counts)
        if counts["user"] // step > reported and counts["user"] < spec.users:
            say(f"{counts['user']:,} users")
        result = batch.get("_result", result)
    rows = [(2, keys.mac(_code_key(code)), None) for code in result["totp_codes"]]
    write("recovery_code", rows)
    counts["recovery_code"] += len(rows)
    return result
