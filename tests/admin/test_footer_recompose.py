"""The footer is rebuilt once per change of the keys it shows (issue 15): Textual announces a focus change twice,
and '/' followed at once by a search term paid for a second, identical footer while the term was due."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from tests.admin.directory_seed import make_app
from tests.pilot import settle
from tui.widgets.footer import Footer


@pytest.fixture
def db(seeded_db):
    return seeded_db


def footer_text(app) -> str:
    return " ".join(str(key.render()) for key in app.screen.query_one(Footer).shown_keys())


async def test_a_focus_change_rebuilds_the_footer_once_and_it_shows_the_new_keys(db, monkeypatch):
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        composed: list[int] = []
        compose = Footer.compose
        monkeypatch.setattr(Footer, "compose", lambda footer: composed.append(1) or compose(footer))
        await pilot.press("slash")  # the list's keys give way to the search box's
        await pilot.pause(0.3)
        assert len(composed) == 1
        assert "Clear, again: list" in footer_text(app)
        composed.clear()
        await pilot.press("escape")  # back to the list
        await pilot.pause(0.3)
        assert len(composed) == 1
        assert "Clear, again: list" not in footer_text(app) and "Filter" in footer_text(app)


# A screen of its own: a focus move between two inputs with the same keys.


class Form(Screen[None]):
    BINDINGS = [Binding("ctrl+s", "save", "Save")]

    def compose(self) -> ComposeResult:
        yield Input(id="first")
        yield Input(id="second")
        yield Footer()

    def action_save(self) -> None:
        """A key every field shares."""


class Cleared(Input):
    BINDINGS = [Binding("ctrl+l", "clear_field", "Clear")]

    def action_clear_field(self) -> None:
        self.value = ""


class FooterApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(Form())


def shown(app: App[None]) -> list[str]:
    return [key.description for key in app.screen.query_one(Footer).shown_keys()]


async def test_a_focus_move_with_the_same_keys_keeps_the_footer_keys():
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        keys = list(app.screen.query(FooterKey))
        assert "Save" in shown(app)
        for field in ("#second", "#first", "#second"):
            app.screen.query_one(field).focus()
            await pilot.pause()
        assert list(app.screen.query(FooterKey)) == keys  # the same widgets: not rebuilt


async def test_the_footer_follows_keys_that_change():
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert "Clear" not in shown(app)
        await app.screen.mount(Cleared(id="third"), before=app.screen.query_one(Footer))
        app.screen.query_one("#third").focus()
        await pilot.pause()
        assert "Clear" in shown(app)
        app.screen.query_one("#first").focus()
        await pilot.pause()
        assert "Clear" not in shown(app)


def footer_layout(app: App[None]) -> list[tuple]:
    """What each key of the footer shows and does, and where it is on screen."""
    return [
        (key.key, key.key_display, key.description, key.action, key.has_class("-disabled"), key.region)
        for key in app.screen.query_one(Footer).shown_keys()
    ]


async def test_keys_that_change_are_changed_in_place_and_show_what_a_rebuilt_footer_shows(db):
    """Enter in the search box moves the focus while the search runs: the footer changes the keys it shows instead of
    mounting a footer's worth of new ones, and ends up exactly as a footer rebuilt from scratch would be."""
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(Footer)
        before = list(footer.children)
        await pilot.press("slash")
        await settle(pilot)
        after = list(footer.children)
        assert "Clear, again: list" in footer_text(app)
        assert set(before) <= set(after)  # every key kept: changed, or hidden until keys are needed again
        in_place = footer_layout(app)
        for key in ("escape", "slash") * 5:  # back and forth: the keys are reused, none piles up
            await pilot.press(key)
            await settle(pilot)
        assert len(footer.children) == len(after)
        footer.call_later(TextualFooter.recompose, footer)  # Textual's own rebuild (in its context), to compare
        await settle(pilot)
        assert footer_layout(app) == in_place
        assert not any(key in before for key in footer.children)  # (it did rebuild)


async def test_a_key_changed_in_place_does_its_new_action_when_clicked():
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.screen.mount(Cleared(id="third", value="some text"), before=app.screen.query_one(Footer))
        app.screen.query_one("#third").focus()
        await pilot.pause()
        clear = next(key for key in app.screen.query_one(Footer).shown_keys() if key.description == "Clear")
        await pilot.click(clear)
        await pilot.pause()
        assert app.screen.query_one("#third", Input).value == ""


async def test_the_footer_changes_after_a_burst_of_input_is_in(db, monkeypatch):
    """'/' and a search term sent at once: the keys go first, the footer's new keys (a layout of the screen) after."""
    from tui.admin.app import AdminApp
    from tui.widgets.footer import BURST_WAIT

    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        waiting = True
        monkeypatch.setattr(AdminApp, "input_waiting", property(lambda app_: waiting))
        await pilot.press("slash")
        await pilot.pause(BURST_WAIT * 3)
        assert "Clear, again: list" not in footer_text(app)  # more input on its way: not yet
        waiting = False
        await pilot.pause(BURST_WAIT * 3)
        assert "Clear, again: list" in footer_text(app)
