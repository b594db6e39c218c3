"""A directory for the search and filter tests, written through the ORM so that it loads on either backend.

The demo builder is SQLite-only (its bulk path); this one is small and slow but portable, and carries the variety
the tests need: upper and lower case, non-ASCII names, LIKE's special characters (`%`, `_`, `\\`) and quotes in
usernames, every status, locked users, MFA, users who never signed in, groups and a custom field.
"""

from __future__ import annotations

import pathlib
import random
import uuid
from collections.abc import Iterator

from store import Database
from store.models import CustomField, CustomValue, Group, GroupMember, User
from tests.conftest import FIXED_NOW, PgServer

DAY = 86400
FIRST = ["adam", "laurie", "leroy", "anna", "bob", "chen", "dana", "élodie", "zoë", "mario", "son", "le"]
LAST = ["smith", "glover", "mason", "leroy", "johnson", "garcia", "obrien", "nguyen", "müller", "sonder"]
DOMAINS = ["example.org", "example.com", "example.net", "mail.example"]
ODD = [  # (username, name): what LIKE, quoting and case folding must get right
    ("LeRoy.Smith", "Élodie Leroy"),
    ("le_mans", "Le Mans"),
    ("pct%user", "Per Cent"),
    ("back\\slash", "Back Slash"),
    ("o'brien.q", "Quinn O'Brien"),
    ('say"hi"', "Quote Mark"),
    ("under_score_", "Under Score"),
]


def build(db: Database, users: int = 400, seed: int = 11) -> None:
    rng = random.Random(seed)
    with db.write() as s:
        groups = {name: Group(name=name) for name in ("sales", "engineering", "admins")}
        department = CustomField(key="department", label="Department")
        s.add_all([*groups.values(), department])
        s.flush()
        rows: list[User] = []
        for i in range(1, users + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            username, name = ODD[i - 1] if i <= len(ODD) else (f"{first}.{last}{i}", None)
            name = name or f"{first.capitalize()} {last.capitalize()}"
            roll = rng.random()
            status = "disabled" if roll < 0.08 else "archived" if roll < 0.14 else "active"
            rows.append(
                User(
                    uid=uuid.UUID(int=rng.getrandbits(128)).hex[:24],
                    username=username if rng.random() > 0.02 else None,
                    email=f"{first}.{last}{i}@{rng.choice(DOMAINS)}" if rng.random() > 0.05 else None,
                    phone=f"+1415{rng.randrange(10**7):07d}" if rng.random() > 0.3 else None,
                    name=name,
                    status=status,
                    created_at=FIXED_NOW - (users - i) * 600,
                    last_login_at=None if rng.random() < 0.15 else FIXED_NOW - rng.randint(0, 200) * DAY,
                    locked_until=FIXED_NOW + 600 if status == "active" and rng.random() < 0.05 else None,
                    mfa_state="active" if rng.random() < 0.2 else "none",
                )
            )
        s.add_all(rows)
        s.flush()
        for user in rows:
            for group, share in (("sales", 0.15), ("engineering", 0.3), ("admins", 0.02)):
                if rng.random() < share:
                    s.add(GroupMember(group_id=groups[group].id, user_id=user.id))
            if rng.random() < 0.6:
                value = "engineering" if rng.random() < 0.45 else "sales"
                s.add(CustomValue(user_id=user.id, field_id=department.id, value=value))


def open_directory(
    backend: str, pg_server: PgServer | None, tmp: pathlib.Path, users: int = 400, seed: int = 11
) -> Iterator[Database]:
    """A built directory on the run's backend (a module fixture's body); dropped afterwards on PostgreSQL."""
    name = None
    if pg_server is not None:
        name = pg_server.create()
        target = pg_server.target(name)
    else:
        target = str(tmp / "directory.db")
    db = Database(target, create=True, key_path=tmp / "directory.key", clock=lambda: FIXED_NOW)
    try:
        build(db, users, seed)
        yield db
    finally:
        db.close()
        if pg_server is not None and name is not None:
            pg_server.drop(name)
