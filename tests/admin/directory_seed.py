"""Deterministic directories for the admin-console tests (directory and global screens).

`seed(db)` builds a small, fully fixed directory (uids, times and audit entries depend only on the
fixed test clock): users in every state, MFA, sign-ins, custom fields, apps, groups, rules, and a
user whose name is markup and one whose name holds an escape sequence. `bulk_users(db, n)` adds many
plain users fast (raw inserts, no audit) for the lazy-loading tests. No argon2 hashing anywhere.
"""

from __future__ import annotations

import tempfile
from itertools import count
from pathlib import Path
from unittest.mock import patch

from sqlalchemy import insert, update

from store import Actor, Database, access, custom, users
from store.models import User
from tui.admin.app import AdminApp

ADMIN = Actor("admin", "192.0.2.10")
MARKUP_NAME = "[red]root[/red]"
ESCAPE_NAME = "evil\x1b[31mred"
DAY = 86400

# username, name, email, phone, state, mfa, days since last sign-in (None: never), created days ago
PEOPLE = [
    ("alice", "Alice Martin", "alice@example.com", "+14155550101", "active", True, 0, 400),
    ("bob", "Bob Stone", "bob@example.com", "+14155550102", "active", False, 30, 390),
    ("carol", "Carol Diaz", "carol@example.com", None, "locked", True, 1, 380),
    ("dave", "Dave Okafor", "dave@example.org", "+442071838750", "archived", False, 200, 370),
    ("erin", "Erin Walsh", "erin@example.com", None, "active", False, None, 360),
    ("frank", "Frank Li", None, "+8613800138000", "active", False, 95, 350),
    ("grace", "Grace Hopper", "grace@navy.example", None, "active", True, 2, 340),
    ("heidi", "Heidi Berg", "heidi@example.com", None, "active", False, 120, 330),
    ("ivan", "Ivan Petrov", "ivan@example.net", "+74951234567", "active", True, 5, 320),
    ("judy", "Judy Kim", "judy@example.com", None, "disabled", False, None, 310),
    ("mallory", MARKUP_NAME, "mallory@example.com", None, "active", False, 3, 300),
    ("trudy", ESCAPE_NAME, "trudy@example.com", None, "active", False, 4, 290),
]
PEOPLE += [
    (
        f"user{i:02d}",
        f"Plain User {i:02d}",
        f"user{i:02d}@example.com",
        None,
        "active",
        i % 3 == 0,
        i % 7 if i % 5 else None,
        280 - i,
    )
    for i in range(1, 29)
]


def uid_for(i: int) -> str:
    return f"{i:024x}"


def seed(db: Database, admin: Actor = ADMIN) -> dict[str, str]:
    """Build the fixed directory; returns username -> uid."""
    now = db.now()
    custom.define_field(
        db, admin, "department", "enum", label="Department", options=["engineering", "sales", "support"]
    )
    custom.define_field(db, admin, "employee_id", "string", label="Employee ID", unique=True)
    custom.define_field(db, admin, "start_date", "date", label="Start date")
    custom.define_field(db, admin, "remote", "boolean", label="Works remotely", user_editable=True)
    for name, default in (("billing", "deny"), ("crm", "allow"), ("wiki", "allow")):
        access.create_app(db, admin, name, default)
    access.create_group(db, admin, "sales", "Sales team")
    access.create_group(db, admin, "engineering", "Builds the product")
    access.set_rule(db, admin, "billing", "allow", group="sales")
    access.set_rule(db, admin, "wiki", "deny", group="engineering")
    uids: dict[str, str] = {}
    numbers = count(1)
    with patch("store.users.new_uid", side_effect=lambda: uid_for(next(numbers))):
        for username, name, email, phone, _state, _mfa, _seen, _created in PEOPLE:
            fields = {
                "username": username,
                "name": name if "\x1b" not in name else None,
                "email": email,
                "phone": phone,
            }
            user = users.create_user(db, admin, {k: v for k, v in fields.items() if v is not None})
            uids[username] = user.uid
    for username, name, _email, _phone, state, mfa, seen, created in PEOPLE:
        values = {
            "created_at": now - created * DAY,
            "mfa_state": "active" if mfa else "none",
            "last_login_at": None if seen is None else now - seen * DAY - 3600,
            "login_count": 0 if seen is None else 10,
        }
        if "\x1b" in name:
            values["name"] = name  # the store refuses control characters; old or imported data may still hold them
        if state == "locked":
            values.update(locked_until=now + 900, failed_attempts=5)
        elif state != "active":
            values["status"] = state
        with db.write() as s:
            s.execute(update(User).where(User.uid == uids[username]).values(**values))
    for username in ("alice", "bob", "grace"):
        access.add_member(db, admin, "sales", username)
    for username in ("ivan", "grace"):
        access.add_member(db, admin, "engineering", username)
    custom.set_value(db, admin, "alice", "department", "sales")
    custom.set_value(db, admin, "grace", "department", "engineering")
    custom.set_value(db, admin, "ivan", "department", "engineering")
    users.disable_user(db, admin, "bob", "left the company")
    return uids


def bulk_users(db: Database, n: int, prefix: str = "bulk") -> None:
    """Add n plain users quickly through raw inserts (the search index follows through its triggers)."""
    now = db.now()
    rows = [
        {
            "uid": f"{0xB000000 + i:024x}",
            "username": f"{prefix}{i:06d}",
            "email": f"{prefix}{i:06d}@example.com",
            "name": f"Bulk User {i}",
            "created_at": now,
            "updated_at": now,
            "status_changed_at": now,
            "status": "active",
            "email_verified": False,
            "phone_verified": False,
            "gender": "U",
            "must_change_password": False,
            "login_count": 0,
            "failed_attempts": 0,
            "totp_last_step": 0,
            "version": 1,
            "mfa_state": "none",
        }
        for i in range(n)
    ]
    with db.write() as s:  # one executemany on either backend
        s.execute(insert(User.__table__), rows)  # type: ignore[attr-defined]  # SQLModel tables have __table__


class RecordingAdminApp(AdminApp):
    """The admin app, keeping every notification's text (tests assert on what the admin was told)."""

    def __init__(self, db: Database, *, actor: Actor = ADMIN) -> None:
        super().__init__(db, actor=actor)
        self.notes: list[str] = []

    def notify(self, message, **kwargs) -> None:  # type: ignore[override]  # records, then Textual's notify
        self.notes.append(str(message))
        super().notify(message, **kwargs)


def make_app(db: Database, actor: Actor = ADMIN) -> RecordingAdminApp:
    return RecordingAdminApp(db, actor=actor)


async def type_into(pilot, selector: str, text: str) -> None:
    """Put text in an input of the current screen as if typed (one Changed event), without a pause per key."""
    field = pilot.app.screen.query_one(selector)
    field.focus()
    field.value = text
    field.cursor_position = len(text)
    await pilot.pause()


_TEMPLATE: list[Path] = []  # one seeded directory per test process, copied for each test


def _template() -> Path:
    """Seed once per process (seeding costs ~0.4 s; copying the file ~5 ms)."""
    if not _TEMPLATE:
        from tests.conftest import Clock

        folder = Path(tempfile.mkdtemp(prefix="userdesk-admin-seed-"))
        db = Database(str(folder / "seed.db"), create=True, key_path=folder / "seed.key", clock=Clock())
        seed(db)
        db.close()  # the last connection closing checkpoints the WAL into seed.db
        _TEMPLATE.append(folder)
    return _TEMPLATE[0]


def seeded_uids() -> dict[str, str]:
    return {person[0]: uid_for(i) for i, person in enumerate(PEOPLE, 1)}
