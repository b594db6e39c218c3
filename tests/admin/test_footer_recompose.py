"""The footer rebuilds its keys only when the keys it shows change (issue 15): a focus move that leaves them as
they were used to cost a recompose (mount, restyle, layout of the screen) every time."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from tui.widgets.footer import Footer


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
    return [key.description for key in app.screen.query(FooterKey)]


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
