"""The console keeps one account screen and shows it again for every account opened (issue 15: building it was
what opening an account cost). Nothing of the previous account may stay on it: values, edits, errors, other tabs'
rows, the tab shown, or a result that arrives late for the previous user."""

from __future__ import annotations

import threading

from textual.widgets import Input, Static

from tui.admin.app import AdminApp
from tui.admin.detail import UserDetailScreen
from tui.admin.detail import screen as detail_screen
from tui.admin.detail.profile import ProfileTab

from .detail_seed import ALICE_UID, BOB_UID, plain, settle


async def open_user(pilot, term: str) -> UserDetailScreen:
    """Search the directory for `term` and open the one match, as an admin would."""
    await settle(pilot)
    search = pilot.app.screen.query_one("#dir-search", Input)
    search.focus()
    search.value = term
    await settle(pilot)
    await pilot.press("down", "enter")  # to the list, then open the highlighted match
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, UserDetailScreen)
    return screen


async def leave(pilot) -> None:
    """Esc until the directory is back (leaving a field, then past the unsaved-changes warning)."""
    for _ in range(3):
        if not isinstance(pilot.app.screen, UserDetailScreen):
            return
        await pilot.press("escape")
        await settle(pilot)
    assert not isinstance(pilot.app.screen, UserDetailScreen)


def header(screen: UserDetailScreen) -> str:
    return plain(screen.query_one("#detail-header", Static).content)


def profile(screen: UserDetailScreen) -> ProfileTab:
    tab = screen.tab("profile")
    assert isinstance(tab, ProfileTab)
    return tab


async def test_the_next_account_shows_nothing_of_the_previous_one(db, actor, seeded):
    app = AdminApp(db, actor=actor)
    async with app.run_test(size=(120, 40)) as pilot:
        first = await open_user(pilot, "alice")
        assert first.uid == ALICE_UID
        form = profile(first)
        city = form.control("city")
        assert isinstance(city, Input)
        city.focus()
        city.value = "Nowhere"  # edited, not saved
        await pilot.press("tab")  # leaves the field: checked, marked modified
        await settle(pilot)
        assert form.unsaved() == ["Profile: City"]
        await pilot.press("escape", "4")  # out of the form; alice's login history, built and filled
        await settle(pilot)
        assert first.query_one("#history-table").row_count > 0
        await leave(pilot)  # Esc, Esc again past the warning: the edit is discarded, as before
        second = await open_user(pilot, "bob")
        assert second is first, "the account screen was built again"
        assert second.uid == BOB_UID
        assert second.active_tab == "profile"
        assert header(second).startswith("bob")
        assert "alice" not in header(second).lower()
        form = profile(second)
        values = form.form_values()
        assert values["username"] == "bob" and values["city"] == "" and values["name"] == "Bob Stone"
        assert form.unsaved() == [] and not second.query(".-modified") and not second.query(".-invalid")
        assert not second.is_built("history")  # alice's rows went with the tab; bob's is built fresh
        await pilot.press("4")
        await settle(pilot)
        tables = second.query("#history-table")
        assert len(tables) == 1 and tables.first().row_count == 0  # bob never signed in
        await leave(pilot)
        assert sum(isinstance(s, UserDetailScreen) for s in app.screen_stack) == 0


async def test_a_late_load_for_the_previous_user_is_dropped(db, actor, seeded, monkeypatch):
    """Alice's read still running when bob is opened: bob's screen never shows alice when it arrives."""
    release = threading.Event()
    read = detail_screen.read_snapshot

    def slow_for_alice(database, uid):
        if uid == ALICE_UID:
            release.wait(10)
        return read(database, uid)

    app = AdminApp(db, actor=actor)
    async with app.run_test(size=(120, 40)) as pilot:
        first = await open_user(pilot, "alice")  # alice: loaded before the read became slow
        await leave(pilot)
        monkeypatch.setattr(detail_screen, "read_snapshot", slow_for_alice)
        first.refresh_all()  # a reload for alice (as the live timer does) still running when bob is opened
        await pilot.pause()
        second = await open_user(pilot, "bob")
        assert second is first and second.uid == BOB_UID and header(second).startswith("bob")
        release.set()
        await settle(pilot)
        await pilot.pause(0.1)
        assert second.snapshot is not None and second.snapshot.user.uid == BOB_UID
        assert header(second).startswith("bob")
        assert profile(second).form_values()["username"] == "bob"


async def test_a_result_delivered_after_the_switch_is_dropped(db, actor, seeded):
    """The narrowest race: alice's result already handed to the UI thread when bob is shown."""
    app = AdminApp(db, actor=actor)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_user(pilot, "alice")
        alice = screen.snapshot
        assert alice is not None and alice.user.uid == ALICE_UID
        late = screen.current_only(screen._loaded)  # what a worker started for alice will call
        await leave(pilot)
        screen = await open_user(pilot, "bob")
        late(alice)
        await pilot.pause()
        assert screen.snapshot is not None and screen.snapshot.user.uid == BOB_UID
        assert header(screen).startswith("bob") and profile(screen).form_values()["username"] == "bob"


async def test_shown_again_the_screen_is_not_restyled_unless_the_css_changed(db, actor, seeded):
    """Textual restyles a screen each time it is shown; the reused account screen's styles are kept current while
    it is hidden, so it skips that restyle (a third of an open's cost) unless the app's CSS changed: a theme."""
    app = AdminApp(db, actor=actor)
    async with app.run_test(size=(120, 40)) as pilot:
        first = await open_user(pilot, "alice")
        await leave(pilot)
        restyled: list[object] = []
        update_styles = app.update_styles

        def counted(node, animate=True):
            restyled.append(node)
            update_styles(node, animate)

        app.update_styles = counted  # type: ignore[method-assign]
        again = await open_user(pilot, "bob")
        assert again is first
        assert first not in restyled, "the whole screen was restyled when shown again"
        await leave(pilot)
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await settle(pilot)
        third = await open_user(pilot, "alice")
        assert third is first
        panel = app.theme_variables["panel"]
        assert third.query_one("#detail-header").styles.background.hex.lower() == panel.lower()[:7]
