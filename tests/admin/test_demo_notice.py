"""Issue 13 item 10: on a demo directory the console shows how to sign in (a dismissible notice and F1 help), and
`userdesk admin` prints it again on exit."""

from __future__ import annotations

import pytest

from store import demo
from tests.admin.directory_seed import make_app
from tests.cli.helpers import Cli
from tests.pilot import settle
from tui.admin.demo_notice import DemoNoticeScreen
from tui.admin.directory import DirectoryScreen
from tui.widgets.help import HelpScreen

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


@pytest.fixture
def demo_db(db):
    demo.build(db, users=50, seed=3, now=db.now(), heavy_history=False)
    return db


async def test_the_notice_opens_once_and_esc_closes_it(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DemoNoticeScreen)
        text = str(app.screen.query_one("#demo-notice-text").render())
        assert demo.DEMO_PASSWORD in text and "demo.totp" in text and "outbox folder" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen) and app.screen.user_list.has_focus
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        intro = str(app.screen.query_one("#help-intro").render())
        assert "Demo directory:" in intro and demo.DEMO_PASSWORD in intro


async def test_no_notice_on_a_real_directory(seeded_db):
    app = make_app(seeded_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)


@pytest.mark.parametrize("size", SIZES)
def test_demo_notice_snapshot(snap_compare, tmp_path, size):
    from store import Database
    from store.config import Config, Delivery
    from tests.conftest import FIXED_NOW

    config = Config(
        delivery=Delivery(channel="outbox", outbox_dir="/srv/userdesk/outbox")
    )  # a fixed path in the picture
    db = Database(
        str(tmp_path / "d.db"), create=True, key_path=tmp_path / "d.key", clock=lambda: FIXED_NOW, config=config
    )
    demo.build(db, users=50, seed=3, now=FIXED_NOW, heavy_history=False)
    assert snap_compare(make_app(db), terminal_size=SIZES[size])


def test_the_cli_prints_the_notice_again_on_exit(tmp_path, monkeypatch):
    from tui.admin.app import AdminApp

    run = Cli(tmp_path / "cli.db")
    run.ok("demo", "--users", "50")
    monkeypatch.setattr(AdminApp, "run", lambda self: None)  # the console opened and was closed
    out = run.ok("admin").stdout
    assert out.startswith("Demo directory:") and demo.DEMO_PASSWORD in out and "TOTP secret: " in out
    plain = Cli(tmp_path / "plain.db")
    plain.ok("init")
    assert plain.ok("admin").stdout == ""
