"""Account detail lists keep the cursor on the same item (by key) when they refresh, not on the same row number."""

from __future__ import annotations

import pytest

from store import identities, users
from store.errors import AuthFailed

from .detail_seed import ALICE_UID, confirm_with, make_app, open_detail, settle, type_text


async def test_link_keeps_the_cursor_on_the_same_identity_then_unlink_removes_that_one(db, actor, seeded):
    identities.link(db, actor, ALICE_UID, "okta", "o-1")
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "identities")
        tab = screen.tab("identities")
        await pilot.press("down")  # github, okta: on okta
        assert tab.selected().provider == "okta"
        await pilot.press("l")
        await settle(pilot)
        await type_text(pilot, "azure")
        await pilot.press("enter")
        await type_text(pilot, "a-1")
        await pilot.press("enter")
        await type_text(pilot, "sso")
        await pilot.press("enter")
        await settle(pilot)
        assert [i.provider for i in tab.identities] == ["azure", "github", "okta"]
        assert tab.selected().provider == "okta"  # the same item, now on row 2
        await pilot.press("x")
        await settle(pilot)
        await confirm_with(pilot, "left okta")
        user_id = users.get_user(db, ALICE_UID).id
        assert [i.provider for i in identities.list_identities(db, user_id)] == ["azure", "github"]


async def test_app_rule_change_keeps_the_cursor_on_that_app(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "apps")
        tab = screen.tab("apps")
        await pilot.press("end")
        chosen = tab.selected().app
        row = tab.table.cursor_row
        await pilot.press("d" if tab.selected().allowed else "a")
        await settle(pilot)
        await confirm_with(pilot, "ticket 7")
        await settle(pilot)
        assert tab.selected().app == chosen and tab.table.cursor_row == row


async def test_live_history_rows_arriving_on_top_keep_the_cursor_on_its_entry(db, actor, seeded):
    from store import auth

    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "history")
        tab = screen.tab("history")
        await pilot.press("down", "down")
        key = tab.table.selected_key()
        with pytest.raises(AuthFailed):
            auth.authenticate(db, "alice", "wrong password here")
        tab.live_refresh()
        await settle(pilot)
        assert tab.table.selected_key() == key
        assert tab.table.cursor_row == 3  # one new row above it
