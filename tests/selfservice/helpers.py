"""Seed users and drive the self-service console in tests."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp

from store import Actor, Database, delivery_queue, mfa, users
from store import selfservice as ss
from store.auth import Attempt, check_password, complete
from store.models import User
from tests.conftest import PASSWORD
from tests.pilot import plain
from tests.pilot import settle as pilot_settle
from tui.selfservice.app import SelfServiceApp

ADMIN = Actor("admin", "10.0.0.1")
NEW_PASSWORD = "purple elephant juggling tangerines"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # fixed 160-bit secret, so tests can compute codes
ATTEMPT = Attempt(app="self-service", ip="203.0.113.9", user_agent="userdesk-self-service")


def make_app(db: Database) -> SelfServiceApp:
    """The app as sshd would start it, with the session check left to the test (no timer surprises)."""
    return SelfServiceApp(db, attempt=ATTEMPT, poll_seconds=3600)


# ------------------------------------------------------------------ users


def make_alice(db: Database, **extra) -> User:
    """Verified email, no TOTP: signs in with an emailed code."""
    fields = {
        "username": "alice",
        "email": "alice@example.com",
        "email_verified": True,
        "name": "Alice Martin",
        "city": "London",
    }
    return users.create_user(db, ADMIN, {**fields, **extra}, password=PASSWORD)


def make_bob(db: Database) -> tuple[User, list[str]]:
    """TOTP with TOTP_SECRET (confirmed one step back, so the current step is still unused); verified email."""
    users.create_user(
        db, ADMIN, {"username": "bob", "email": "bob@example.com", "email_verified": True}, password=PASSWORD
    )
    mfa.enroll(db, ADMIN, "bob")
    with db.write() as s:
        user = users.require_user(s, "bob")
        user.totp_secret = db.keys.encrypt(TOTP_SECRET)
    codes = mfa.confirm(db, ADMIN, "bob", totp_at(db, -30))
    return users.get_user(db, "bob"), codes


def make_carol(db: Database) -> User:
    """Unverified email and no TOTP: no second step is possible."""
    return users.create_user(db, ADMIN, {"username": "carol", "email": "carol@example.com"}, password=PASSWORD)


def make_dave(db: Database) -> User:
    """A temporary password set by the admin (must change), verified phone only."""
    return users.create_user(
        db,
        ADMIN,
        {"username": "dave", "phone": "+14155550123", "phone_verified": True},
        password=PASSWORD,
        must_change_password=True,
    )


def totp_at(db: Database, offset: int = 0, secret: str = TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).at(db.now() + offset)


# ------------------------------------------------------------------ messages sent


def outbox_messages(db: Database) -> list[str]:
    delivery_queue.drain(timeout=30)  # reset codes are sent off the request path
    folder = db.config.delivery.outbox()
    return [p.read_text() for p in sorted(folder.iterdir())] if folder.exists() else []


def latest_code(db: Database, to: str | None = None) -> str:
    """The 6-digit code in the newest code message (to `to`, if given)."""
    for text in reversed(outbox_messages(db)):
        if "Subject: Userdesk code:" not in text or (to and f"To: {to}\n" not in text):
            continue
        return re.search(r"code is (\d{6})", text).group(1)
    raise AssertionError(f"no code was sent{' to ' + to if to else ''}")


def codes_sent(db: Database) -> int:
    return sum("Subject: Userdesk code:" in t for t in outbox_messages(db))


# ------------------------------------------------------------------ driving the app


async def settle(pilot) -> None:
    """Wait for workers and the screen (tests.pilot.settle), then check no UI error was reported."""
    await pilot_settle(pilot)
    assert not getattr(pilot.app, "ui_errors", None), pilot.app.ui_errors


async def type_into(pilot, selector: str, text: str) -> None:
    """Focus an input on the current screen, clear it and paste `text` into it (as a terminal paste arrives;
    pressing each key costs ~65 ms in Pilot, so only the e2e test types key by key)."""
    from textual import events

    widget = pilot.app.screen.query_one(selector)
    widget.focus()
    widget.value = ""
    await pilot.pause()
    if text:
        pilot.app.post_message(events.Paste(text))
        await pilot.pause()
    assert widget.value == text, (widget.value, text)


async def submit_password(pilot, identifier: str, password: str = PASSWORD) -> None:
    await type_into(pilot, "#identifier", identifier)
    await type_into(pilot, "#password", password)
    await pilot.press("enter")
    await settle(pilot)


async def enter_code(pilot, code: str, selector: str = "#code") -> None:
    await type_into(pilot, selector, code)
    await pilot.press("enter")
    await settle(pilot)


async def sign_in(pilot, db: Database, identifier: str, code: str | None = None, *, to: str | None = None) -> None:
    """Password, then the second step (the code sent [to `to`] unless `code` is given)."""
    await submit_password(pilot, identifier)
    await enter_code(pilot, code or latest_code(db, to))


def message(app) -> str:
    """The current screen's message line."""
    return plain(app.screen.query_one("#message").content)


def screen_text(screen) -> str:
    """What the screen's Static widgets and tables show, as plain text."""
    from textual.widgets import DataTable, Static

    parts = [plain(w.content) for w in screen.query(Static) if w.display]
    for table in screen.query(DataTable):
        for row in range(table.row_count):
            parts.append(" | ".join(plain(c) for c in table.get_row_at(row)))
    return "\n".join(parts)


def screen_name(app) -> str:
    return type(app.screen).__name__


def outbox_dir(db: Database) -> Path:
    return db.config.delivery.outbox()


def signed_in(db: Database, user: User) -> ss.Me:
    """A Me as a completed sign-in makes it (password + a second step), for store-level checks."""
    ss.ensure_app(db)
    checked = check_password(db, user.username, PASSWORD, ATTEMPT)
    method = "totp" if checked.has_totp else "email_code"
    signed = complete(db, checked, method, ATTEMPT, totp_at(db) if checked.has_totp else None)
    return ss.Me(
        user_id=signed.user_id,
        uid=signed.uid,
        username=signed.username,
        sid=signed.session.sid,
        must_change_password=signed.must_change_password,
        attempt=ATTEMPT,
    )
