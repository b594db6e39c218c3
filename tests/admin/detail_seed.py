"""A small, fully deterministic directory for the account-detail tests (fixed clock, fixed uids and sids).

No argon2 hashing: the one password is the demo's precomputed hash of DEMO_PASSWORD.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from unittest.mock import patch

import pyotp
from sqlalchemy import update

from store import Actor, Database, access, custom, identities, mfa, users
from store.demo import DEMO_PASSWORD, DEMO_PASSWORD_HASH
from store.models import LoginEvent, Session, User
from tests.pilot import plain, settle

ALICE_UID = "a11ce0000000000000000001"
BOB_UID = "b0b000000000000000000002"
HOSTILE_UID = "bad000000000000000000003"
HOSTILE_NAME = "[red]root[/red]"
HISTORY_ROWS = 120
SIDS = ("5e55100000000001", "5e55100000000002", "5e55100000000003")
AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15",
    "curl/8.5.0",
)
PASSWORD = DEMO_PASSWORD


@dataclass(frozen=True)
class Seeded:
    alice: str = ALICE_UID
    bob: str = BOB_UID
    hostile: str = HOSTILE_UID


def _set(db: Database, uid: str, **values) -> None:
    with db.write() as s:
        s.execute(update(User).where(User.uid == uid).values(**values))


def seed(db: Database, admin: Actor | None = None) -> Seeded:
    """Fields, apps, a group, three users; alice has a password, MFA, sessions, history, identity and audit trail."""
    admin = admin or Actor("seed-admin", "10.0.0.9")
    now = db.now()
    custom.define_field(
        db, admin, "department", "enum", label="Department", options=["engineering", "sales", "support"]
    )
    custom.define_field(db, admin, "start_date", "date", label="Start date")
    custom.define_field(db, admin, "remote", "boolean", label="Works remotely", user_editable=True)
    custom.define_field(db, admin, "clearance", "number", label="Clearance")
    custom.define_field(db, admin, "employee_id", "string", label="Employee ID", unique=True)
    for name, default in (("billing", "deny"), ("crm", "allow"), ("wiki", "allow")):
        access.create_app(db, admin, name, default)
    access.create_group(db, admin, "sales", "Sales team")
    access.set_rule(db, admin, "billing", "allow", group="sales")

    with patch("store.users.new_uid", side_effect=[ALICE_UID, BOB_UID, HOSTILE_UID]):
        users.create_user(
            db,
            admin,
            {
                "username": "alice",
                "email": "alice@example.com",
                "phone": "+14155550123",
                "name": "Alice Martin",
                "given_name": "Alice",
                "family_name": "Martin",
                "gender": "F",
                "birthdate": "1990-04-12",
                "company": "Northwind Traders",
                "city": "London",
                "country": "GB",
                "locale": "en-GB",
                "zoneinfo": "Europe/London",
                "email_verified": True,
            },
            reason="onboarding",
        )
        users.create_user(db, admin, {"username": "bob", "email": "bob@example.com", "name": "Bob Stone"})
        users.create_user(db, admin, {"username": HOSTILE_NAME, "name": "[b]bold[/b] evil"})
    _set(
        db,
        ALICE_UID,
        password_hash=DEMO_PASSWORD_HASH,
        password_last_set_at=now - 86400 * 20,
        last_login_at=now - 3600,
        login_count=87,
        last_ip="203.0.113.7",
        created_at=now - 86400 * 400,
    )
    # The store refuses control characters; legacy rows may still hold them (written here behind its back).
    _set(
        db,
        HOSTILE_UID,
        password_hash=DEMO_PASSWORD_HASH,
        password_last_set_at=now - 86400,
        name="\x1b[31mevil\x1b[0m [b]bold[/b]",
    )

    access.add_member(db, admin, "sales", ALICE_UID, reason="joined sales")
    access.set_rule(db, admin, "wiki", "deny", user_ref=ALICE_UID, reason="wiki cleanup")
    custom.set_value(db, admin, ALICE_UID, "department", "sales")
    custom.set_value(db, admin, ALICE_UID, "start_date", "2024-02-01")
    custom.set_value(db, admin, ALICE_UID, "remote", "true")
    custom.set_value(db, admin, ALICE_UID, "employee_id", "E100042")
    custom.set_value(db, admin, BOB_UID, "employee_id", "E100043")
    identities.link(db, admin, ALICE_UID, "github", "4242", reason="SSO rollout")
    users.update_user(db, admin, ALICE_UID, {"nickname": "Ali", "city": "London"}, reason="HR ticket 12")

    secret = mfa.enroll(db, admin, ALICE_UID).secret
    mfa.confirm(db, admin, ALICE_UID, pyotp.TOTP(secret).at(now))

    rng = random.Random(20261118)
    with db.write() as s:
        alice = s.exec(users.select(User).where(User.uid == ALICE_UID)).one()
        apps = {a.name: a.id for a in s.exec(users.select(access.App)).all()}
        for k, sid in enumerate(SIDS):
            created = now - 3600 * (k + 1) * 3
            s.add(
                Session(
                    sid=sid,
                    token_hash=hashlib.sha256(sid.encode()).hexdigest(),
                    user_id=alice.id,
                    app_id=[apps["crm"], apps["billing"], None][k],
                    ip=f"198.51.100.{10 + k}",
                    user_agent=AGENTS[k],
                    method="totp",
                    created_at=created,
                    last_seen_at=now - 300 * (k + 1),
                    absolute_expires_at=created + 86400,
                )
            )
        for k in range(HISTORY_ROWS):
            ts = now - 3600 * (HISTORY_ROWS - k) * 5
            ok = rng.random() > 0.25
            s.add(
                LoginEvent(
                    ts=ts,
                    user_id=alice.id,
                    identifier="alice",
                    app_id=rng.choice([*list(apps.values()), None]),
                    ip=f"203.0.113.{rng.randint(1, 9)}",
                    user_agent=rng.choice(AGENTS),
                    method="totp" if ok else "password",
                    success=ok,
                    reason=None if ok else rng.choice(["wrong password", "wrong or replayed TOTP code"]),
                )
            )
    return Seeded()


# ----- test helpers ------------------------------------------------------------------------------------------------


def make_app(db: Database, actor: Actor):
    """The admin console with an empty screen under the detail screen instead of the directory.

    Same bindings, palette, help and CSS as AdminApp; only the directory's start-up work is skipped, which
    keeps these tests fast. test_detail_integration opens the screen from the real directory.
    """
    import inspect
    from pathlib import Path

    from textual.screen import Screen

    from tui.admin.app import AdminApp

    base = Path(inspect.getfile(AdminApp)).parent
    css = AdminApp.CSS_PATH if isinstance(AdminApp.CSS_PATH, list) else [AdminApp.CSS_PATH]

    class DetailTestApp(AdminApp):
        CSS_PATH = [base / path for path in css]

        def get_default_screen(self) -> Screen:
            return Screen()

    return DetailTestApp(db, actor=actor)


async def open_detail(pilot, uid: str, tab: str | None = None):
    """Push the detail screen for uid (optionally showing a tab by its number key) and wait for it to load."""
    from tui.admin.detail import UserDetailScreen
    from tui.admin.detail.screen import TAB_IDS

    await settle(pilot)
    screen = UserDetailScreen(uid)
    await pilot.app.push_screen(screen)
    await settle(pilot)
    if tab:
        await pilot.press(str(TAB_IDS.index(tab) + 1))
        for _ in range(100):  # a tab is built the first time it is shown (lazily), then loads in a worker
            if screen.is_built(tab):
                break
            await pilot.pause(0.02)
        await settle(pilot)
        await settle(pilot)  # the built tab's own load may start after the first settle returned
    return screen


def screen_text(screen) -> str:
    """Everything the screen's Static/Label/DataTable widgets currently show, as plain text."""
    from textual.widgets import DataTable, Static

    parts = []
    for widget in screen.query(Static):
        if widget.display:
            parts.append(plain(widget.content))
    for table in screen.query(DataTable):
        for row in range(table.row_count):
            parts.append(" | ".join(str(c) for c in table.get_row_at(row)))
    return "\n".join(parts)


async def confirm_with(pilot, reason: str) -> None:
    """Type a reason into the open ConfirmDialog dialog and confirm it."""
    from textual.widgets import Input

    from tui.widgets.confirm import ConfirmDialog

    dialog = pilot.app.screen
    assert isinstance(dialog, ConfirmDialog), type(dialog).__name__
    dialog.query_one("#confirm-reason", Input).value = reason  # typing key by key costs ~50 ms a key
    await pilot.press("enter")
    await settle(pilot)


async def type_text(pilot, text: str) -> None:
    """Type text key by key (spaces and punctuation by their key names)."""
    names = {
        " ": "space",
        "@": "at",
        ".": "full_stop",
        "-": "minus",
        "/": "slash",
        ",": "comma",
        "_": "underscore",
        "+": "plus",
        ":": "colon",
    }
    await pilot.press(*[names.get(c, c) for c in text])


async def replace_text(pilot, widget, text: str) -> None:
    """Focus an Input and replace its text (as pasting would; Input.Changed fires as for typing)."""
    widget.focus()
    widget.value = text
    await pilot.pause()
