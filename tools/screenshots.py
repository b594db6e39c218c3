"""Regenerate the SVG screenshots in screenshots/ from a fixed, seeded demo directory.

    python tools/screenshots.py                 # every shot (admin and self-service)
    python tools/screenshots.py admin-help      # only the named shots
    python tools/screenshots.py --list          # names only

The directory is built with `store.demo.build` (fixed seed, fixed clock), in a temporary folder with
its own config, data and key, so the shots are the same on every machine and nothing real is read.

Adding a shot: append a `Shot` to SHOTS (or to a list concatenated into it). A shot names an app
factory `(db) -> App` and the keys pressed before the picture ('type:#input-id=text' fills an input;
'wait' waits for workers once more). Example for the self-service console:

    Shot("selfservice-signin", selfservice_app, ()),

where `selfservice_app(db)` returns the self-service App for `db`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIXED_NOW = 1_795_000_000  # 2026-11-18, the tests' clock
SEED = 7
USERS = 500
ADMIN_ADDRESS = "192.0.2.10"


@dataclass(frozen=True)
class Shot:
    name: str  # file name without .svg
    app: Callable[..., object]  # (db) -> a Textual App
    steps: tuple[str, ...] = ()
    size: tuple[int, int] = (120, 40)
    title: str = "Userdesk"


def admin_app(db):
    from store import Actor
    from tui.admin.app import AdminApp

    return AdminApp(db, actor=Actor("admin", ADMIN_ADDRESS))


def _local_owner():
    """The local owner (as `userdesk` run by the database's OS account is), with a fixed name for the pictures."""
    from store import Actor

    return Actor("userdesk", ADMIN_ADDRESS, kind="local", role="owner", key="local")


def _with_admins(db):
    """demo.totp an owner with a key, demo.user a helpdesk admin: what the Admins screen and the gate show."""
    from store import admins

    if not admins.list_admins(db):
        admins.grant(db, _local_owner(), "demo.totp", "owner", "first owner")
        admins.grant(db, _local_owner(), "demo.user", "helpdesk", "service desk")
        admins.add_key(db, _local_owner(), "demo.totp", DEMO_KEY)
    return db


def admin_gate_app(db):
    """The console as the SSH server opens it for demo.totp: the TOTP gate first."""
    from store import admins
    from tui.admin.app import AdminApp

    identity = admins.identity_of(_with_admins(db), "demo.totp")
    return AdminApp(db, admin=identity, key="SHA256:shot", address=ADMIN_ADDRESS)


def admins_app(db):
    from tui.admin.app import AdminApp

    return AdminApp(_with_admins(db), actor=_local_owner())


DEMO_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl demo@userdesk"

SHOTS: list[Shot] = [
    Shot("admin-directory", admin_app),
    Shot("admin-directory-80x24", admin_app, size=(80, 24)),
    Shot("admin-demo-notice", admin_app, size=(80, 24)),
    Shot("admin-directory-search", admin_app, ("slash", "type:#dir-search=kim", "wait", "enter")),
    Shot("admin-directory-selection", admin_app, ("space", "down", "space", "down", "down", "space")),
    Shot("admin-filters", admin_app, ("f",)),
    Shot("admin-bulk-disable", admin_app, ("space", "down", "space", "d")),
    Shot("admin-create-user", admin_app, ("n",)),
    Shot("admin-custom-fields", admin_app, ("c",)),
    Shot("admin-define-field", admin_app, ("c", "n")),
    Shot("admin-apps", admin_app, ("a",)),
    Shot("admin-groups", admin_app, ("a", "2")),
    Shot("admin-audit-log", admin_app, ("l",)),
    Shot("admin-help", admin_app, ("f1",)),
    Shot("admin-palette", admin_app, ("ctrl+p",)),
    Shot("admin-signin-gate", admin_gate_app, size=(80, 24)),
    Shot("admin-admins", admins_app, ("A",)),
    Shot("admin-admins-80x24", admins_app, ("A",), size=(80, 24)),
    Shot("admin-user-detail", admin_app, ("enter",)),
    Shot("admin-user-detail-80x24", admin_app, ("enter",), size=(80, 24)),
    *(
        Shot(f"admin-user-{tab}", admin_app, ("slash", "type:#dir-search=demo.totp", "wait", "enter", "enter", key))
        for key, tab in (
            ("2", "security"),
            ("3", "custom-data"),
            ("4", "login-history"),
            ("5", "sessions"),
            ("6", "apps"),
            ("7", "identities"),
            ("8", "audit"),
            ("9", "json"),
        )
    ),
]


def build_directory(folder: Path):
    """A demo directory with a fixed seed and a fixed clock."""
    os.environ["USERDESK_CONFIG_DIR"] = str(folder / "config")
    os.environ["USERDESK_DATA_DIR"] = str(folder / "data")
    os.environ.pop("USERDESK_DB", None)
    os.environ.pop("USERDESK_KEY_FILE", None)
    from store import Database, demo
    from store.config import Config, Delivery

    config = Config(delivery=Delivery(channel="outbox", outbox_dir=str(folder / "outbox")))
    db = Database(
        str(folder / "demo.db"), create=True, config=config, key_path=folder / "demo.key", clock=lambda: FIXED_NOW
    )
    demo.build(db, users=USERS, seed=SEED, now=FIXED_NOW, heavy_history=False)
    return db


async def run_step(pilot, step: str) -> None:
    from tests.pilot import settle

    if step == "wait":
        await pilot.pause(0.3)  # debounce timers
    elif step.startswith("type:"):
        selector, text = step[5:].split("=", 1)
        field = pilot.app.screen.query_one(selector)
        field.focus()
        field.value = text
    else:
        await pilot.press(step)
    await settle(pilot)


async def capture(shot: Shot, db, out: Path) -> Path:
    from tests.pilot import settle

    app = shot.app(db)
    async with app.run_test(size=shot.size) as pilot:
        await settle(pilot)
        if type(app.screen).__name__ == "DemoNoticeScreen" and shot.name != "admin-demo-notice":
            await run_step(pilot, "escape")  # the notice a demo directory opens with: its own picture
        for step in shot.steps:
            await run_step(pilot, step)
        await pilot.pause(0.2)
        svg = app.export_screenshot(title=shot.title)
    path = out / f"{shot.name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


def write_selfservice(out: Path) -> None:
    """The self-service scenes (deterministic, 80x24), shared with its snapshot tests."""
    from tests.selfservice.screenshots import write_screenshots

    for path in write_screenshots(out):
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  80x24")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only these shots (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots", help="folder for the SVG files")
    parser.add_argument("--list", action="store_true", help="list the shot names and exit")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(shot.name for shot in SHOTS))
        return 0
    unknown = set(args.names) - {shot.name for shot in SHOTS}
    if unknown:
        parser.error(f"unknown shot(s): {', '.join(sorted(unknown))}")
    chosen = [shot for shot in SHOTS if not args.names or shot.name in args.names]
    if not args.names:
        write_selfservice(args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="userdesk-shots-") as tmp:
        db = build_directory(Path(tmp))
        try:
            for shot in chosen:
                path = asyncio.run(capture(shot, db, args.out))
                print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {shot.size[0]}x{shot.size[1]}")
        finally:
            db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
