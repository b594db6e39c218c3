"""Deterministic scenes of the self-service console at 80x24: used by the snapshot tests and to write
screenshots/selfservice-*.svg (`python -m tests.selfservice.screenshots`)."""

from __future__ import annotations

import contextlib
import itertools
import random
import secrets
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from unittest import mock

from store import Database, access, custom, identities
from store.auth import Attempt, check_password, complete
from store.config import Config, Delivery, Policy
from store.errors import AuthFailed
from tests.conftest import FIXED_NOW, PASSWORD, Clock

from .helpers import (
    ADMIN,
    latest_code,
    make_alice,
    make_app,
    make_bob,
    make_dave,
    settle,
    submit_password,
    totp_at,
    type_into,
)

SIZE = (80, 24)


class FixedSecrets:
    """`secrets` with reproducible bytes (TOTP secret, recovery codes) for pictures that show them."""

    def __init__(self, seed: int = 2026) -> None:
        self._random = random.Random(seed)

    def token_bytes(self, n: int) -> bytes:
        return self._random.randbytes(n)

    def __getattr__(self, name: str):
        return getattr(secrets, name)


@contextlib.contextmanager
def deterministic() -> Iterator[None]:
    """Fixed uids and TOTP/recovery secrets (the clock is fixed by the database)."""
    counter = itertools.count(1)
    with (
        mock.patch("store.users.new_uid", lambda: f"5e1f{next(counter):020x}"),
        mock.patch("store.mfa.secrets", FixedSecrets()),
    ):
        yield


def seed(db: Database) -> None:
    """alice (email codes) with profile, custom data, a link, apps, history and a second session;
    bob (TOTP); dave (temporary password)."""
    make_alice(db, nickname="Ali", company="Example Ltd", birthdate="1990-04-01")
    make_bob(db)
    make_dave(db)
    custom.define_field(db, ADMIN, "shirt", "enum", label="Shirt size", options=["S", "M", "L"], user_editable=True)
    custom.define_field(db, ADMIN, "badge", "number", label="Badge number")
    custom.set_value(db, ADMIN, "alice", "shirt", "M")
    custom.set_value(db, ADMIN, "alice", "badge", "4711")
    access.create_group(db, ADMIN, "staff")
    access.add_member(db, ADMIN, "staff", "alice")
    access.create_app(db, ADMIN, "wiki")
    access.create_app(db, ADMIN, "payroll", "deny")
    identities.link(db, ADMIN, "alice", "github", "alice-gh")
    with contextlib.suppress(AuthFailed):
        check_password(db, "alice", "wrong password here", Attempt(app="wiki", ip="198.51.100.7"))
    wiki = Attempt(app="wiki", ip="192.0.2.44", user_agent="Firefox")
    complete(db, check_password(db, "alice", PASSWORD, wiki), "email_code", wiki)


# ------------------------------------------------------------------ scenes


async def _signed_in(pilot, who: str = "alice") -> None:
    await submit_password(pilot, who)
    db = pilot.app.db
    await type_into(pilot, "#code", totp_at(db) if who == "bob" else latest_code(db))
    await pilot.press("enter")
    await settle(pilot)


async def _section(pilot, key: str) -> None:
    await _signed_in(pilot)
    await pilot.press(key)
    await settle(pilot)


async def scene_signin(pilot) -> None:
    await type_into(pilot, "#identifier", "alice")


async def scene_signin_failed(pilot) -> None:
    await submit_password(pilot, "alice", "not my password")


async def scene_second_step(pilot) -> None:
    await submit_password(pilot, "alice")


async def scene_second_step_totp(pilot) -> None:
    await submit_password(pilot, "bob")


async def scene_forgot(pilot) -> None:
    await pilot.press("ctrl+f")
    await settle(pilot)
    await type_into(pilot, "#identifier", "alice@example.com")
    await pilot.press("enter")
    await settle(pilot)


async def scene_forced_password(pilot) -> None:
    await submit_password(pilot, "dave")
    await type_into(pilot, "#code", latest_code(pilot.app.db, "+14155550123"))
    await pilot.press("enter")
    await settle(pilot)
    await type_into(pilot, "#new", "password1234567")
    await type_into(pilot, "#repeat", "password1234567")
    await pilot.press("ctrl+s")
    await settle(pilot)


async def scene_profile(pilot) -> None:
    await _signed_in(pilot)


async def scene_password(pilot) -> None:
    await _section(pilot, "f3")
    await type_into(pilot, "#current", PASSWORD)
    await type_into(pilot, "#new", "short")
    await type_into(pilot, "#repeat", "short")
    await pilot.press("ctrl+s")
    await settle(pilot)


async def scene_mfa(pilot) -> None:
    await _section(pilot, "f4")


async def scene_step_up(pilot) -> None:
    await _section(pilot, "f4")
    await pilot.press("b")
    await settle(pilot)


async def scene_totp_setup(pilot) -> None:
    await scene_step_up(pilot)
    await type_into(pilot, "#stepup-code", latest_code(pilot.app.db))
    await pilot.press("enter")
    await settle(pilot)


async def scene_recovery_codes(pilot) -> None:
    await scene_totp_setup(pilot)
    await type_into(pilot, "#totp-code", totp_at(pilot.app.db, secret=pilot.app.screen.enrolment.secret))
    await pilot.press("enter")
    await settle(pilot)


async def scene_contacts(pilot) -> None:
    await _section(pilot, "f5")


async def scene_contact_change(pilot) -> None:
    await scene_contacts(pilot)
    await pilot.press("c")
    await settle(pilot)
    await type_into(pilot, "#stepup-code", latest_code(pilot.app.db, "alice@example.com"))
    await pilot.press("enter")
    await settle(pilot)
    await type_into(pilot, "#contact-value", "alice@example.org")
    await pilot.press("enter")
    await settle(pilot)


async def scene_history(pilot) -> None:
    await _section(pilot, "f6")


async def scene_sessions(pilot) -> None:
    await _section(pilot, "f7")


async def scene_apps(pilot) -> None:
    await _section(pilot, "f8")


async def scene_help(pilot) -> None:
    await _signed_in(pilot)
    await pilot.press("f1")
    await settle(pilot)


SCENES: dict[str, Callable[..., Awaitable[None]]] = {
    "signin": scene_signin,
    "signin-failed": scene_signin_failed,
    "second-step": scene_second_step,
    "second-step-totp": scene_second_step_totp,
    "forgot": scene_forgot,
    "forced-password": scene_forced_password,
    "profile": scene_profile,
    "password": scene_password,
    "mfa": scene_mfa,
    "step-up": scene_step_up,
    "totp-setup": scene_totp_setup,
    "recovery-codes": scene_recovery_codes,
    "contacts": scene_contacts,
    "contact-change": scene_contact_change,
    "history": scene_history,
    "sessions": scene_sessions,
    "apps": scene_apps,
    "help": scene_help,
}


def run_before(scene: str) -> Callable:
    """The scene, then the text cursor made steady (a blinking cursor would make pictures differ)."""
    from textual.widgets import Input

    async def before(pilot) -> None:
        await settle(pilot)
        await SCENES[scene](pilot)
        await settle(pilot)
        for widget in pilot.app.screen.query(Input):
            widget.cursor_blink = False
        await pilot.pause()

    return before


def open_db(folder: Path) -> Database:
    config = Config(policy=Policy(), delivery=Delivery(channel="outbox", outbox_dir=str(folder / "outbox")))
    return Database(
        str(folder / "demo.db"), create=True, config=config, key_path=folder / "demo.key", clock=Clock(FIXED_NOW)
    )


def write_screenshots(target: Path, names: list[str] | None = None) -> list[Path]:
    """Write screenshots/selfservice-<scene>.svg for each scene (a fresh seeded database for each)."""
    from textual._doc import take_svg_screenshot

    written = []
    for name in names or list(SCENES):
        with tempfile.TemporaryDirectory() as tmp, deterministic():
            db = open_db(Path(tmp))
            seed(db)
            svg = take_svg_screenshot(
                app=make_app(db),
                terminal_size=SIZE,
                run_before=run_before(name),
                title=f"Userdesk self-service \u00b7 {name}",
            )
            db.close()
        path = target / f"selfservice-{name}.svg"
        path.write_text(svg)
        written.append(path)
    return written


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    for written_path in write_screenshots(root / "screenshots", sys.argv[1:] or None):
        print(written_path.relative_to(root))
