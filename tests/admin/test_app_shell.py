"""The admin app shell: default screen, F1 help from bindings, command palette entries, quitting, NO_COLOR."""

from __future__ import annotations

import pytest
from rich.console import Console

from store import Actor
from tests.admin.directory_seed import make_app, seeded_uids
from tests.pilot import settle
from tui.admin.app import AdminApp
from tui.admin.audit_log import AuditLogScreen
from tui.admin.directory import DirectoryScreen
from tui.widgets.commands import BindingCommands
from tui.widgets.help import HelpScreen, collect_bindings, render_help


def text_of(renderable, width: int = 120) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


@pytest.fixture
def seeded(seeded_db):
    return seeded_uids()


@pytest.fixture
def db(seeded_db):
    """Every test here starts from the seeded directory (a copy of one seeded per process)."""
    return seeded_db


async def test_app_exposes_db_and_actor_and_opens_the_directory(db, monkeypatch):
    monkeypatch.setenv("SSH_CLIENT", "203.0.113.5 50000 22")
    app = AdminApp(db)
    assert app.db is db
    assert isinstance(app.actor, Actor) and app.actor.address == "203.0.113.5"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)
        assert app.animation_level == "none"


async def test_f1_help_lists_every_binding_of_the_screen_grouped(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = text_of(render_help(app.screen.target))
        for line in (
            "Disable the selected users",
            "Force sign-out",
            "Add the selected users",
            "Custom field definitions",
            "Audit log",
            "Apps and groups",
            "Create a user",
            "Reverse the sort order",
            "Select or unselect",
            "Reload the list",
        ):
            assert line in text, line
        for heading in ("List", "User directory", "Everywhere"):
            assert heading in text
        assert "r, F5" in text  # several keys for one action are shown together
        intro = str(app.screen.query_one("#help-intro").render())
        assert "fetched a page at a time" in intro
        await pilot.press("escape")
        assert isinstance(app.screen, DirectoryScreen)


async def test_help_follows_the_current_screen(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        entries = {e.description for e in collect_bindings(app.screen)}
        assert {"Refresh", "Back", "Load more"} <= entries
        assert "Force sign-out: end every session of the selected users (or the highlighted one)" not in entries


async def test_palette_offers_every_binding_and_runs_it(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        provider = BindingCommands(app.screen)
        titles = [hit.text for hit in [h async for h in provider.discover()]]
        for title in (
            "Filter by status, lock, MFA, sign-in, group or custom field",
            "Create a user",
            "Audit log of every change",
            "Custom field definitions",
            "Apps and groups",
            "Disable the selected users",
            "Select or unselect the highlighted row",
            "Help",
        ):
            assert title in titles, title
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"audit log")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AuditLogScreen)


@pytest.mark.parametrize("key", ["q", "ctrl+q"])
async def test_q_and_ctrl_q_quit_but_q_types_in_the_search(db, seeded, key):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", "q")
        assert app.screen.query_one("#dir-search").value == "q"
        assert app.is_running
        await pilot.press("escape", "escape", key)  # clear the search, back to the list, quit
        await pilot.pause()
        assert not app.is_running


async def test_no_color_keeps_statuses_readable(db, seeded, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.no_color
        lst = app.screen.user_list
        rendered = "\n".join("".join(s.text for s in lst.render_line(y)) for y in range(1, 6))
        for word in ("active", "disabled", "locked", "archived"):
            assert word in rendered  # statuses read as words, not only as colours
