"""A dialog's footer shows the dialog's keys. Before, a modal showed the footer of the screen behind it, whose
keys do nothing while the dialog is open (f Filter, n New... under the filter dialog)."""

from __future__ import annotations

import pytest

from tests.admin.directory_seed import make_app
from tests.admin.screen_dump import footer_line
from tests.pilot import settle
from tui.admin.audit_filter import AuditFilterScreen
from tui.admin.filter_screen import FilterScreen
from tui.admin.new_name import NewNameScreen
from tui.widgets.confirm import ConfirmDialog

DIALOGS = {
    "filter": (["f"], FilterScreen, "esc Cancel  ^s Apply"),
    "audit filter": (["l", "f"], AuditFilterScreen, "esc Cancel  ^s Apply"),
    "new group": (["a", "n"], NewNameScreen, "esc Cancel  ^s Save"),
}


@pytest.mark.parametrize("dialog", DIALOGS)
async def test_a_dialog_shows_its_own_keys(seeded_db, dialog):
    keys, screen_type, own_keys = DIALOGS[dialog]
    app = make_app(seeded_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("escape", *keys)
        await settle(pilot)
        assert isinstance(app.screen, screen_type)
        footer = footer_line(app)
        assert own_keys in footer
        assert "Filter" not in footer and "New" not in footer


async def test_the_confirm_dialog_shows_its_answers(seeded_db):
    app = make_app(seeded_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmDialog("Sign out everywhere?", ask_reason=False, destructive=False))
        await settle(pilot)
        footer = footer_line(app)
        assert "esc Cancel" in footer and "y Yes" in footer and "n No" in footer
        assert "Filter" not in footer
