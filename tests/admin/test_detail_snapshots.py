"""SVG snapshots of every account-detail tab at 80x24 and 120x40, on the fixed seeded directory and clock."""

from __future__ import annotations

import pytest

from tests.pilot import steady
from tui.admin.detail.screen import TAB_IDS

from .detail_seed import ALICE_UID, make_app, open_detail, settle

pytestmark = pytest.mark.sqlite_only(
    "snapshots of pure rendering; the data they draw is checked on both backends by the Pilot tests"
)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("tab", TAB_IDS)
def test_detail_tab(snap_compare, db, actor, seeded, tab, size):

    async def run_before(pilot) -> None:
        await open_detail(pilot, ALICE_UID, tab)
        await steady(pilot)  # the tab underline is placed after a refresh: under load the picture came first

    assert snap_compare(make_app(db, actor), terminal_size=size, run_before=run_before)


def test_temporary_password_dialog(snap_compare, db, actor, seeded):

    async def run_before(pilot) -> None:
        await open_detail(pilot, ALICE_UID, "security")
        await pilot.press("p")
        await settle(pilot)

    assert snap_compare(make_app(db, actor), terminal_size=(80, 24), run_before=run_before)


def test_profile_conflict_banner(snap_compare, db, actor, seeded):

    async def run_before(pilot) -> None:
        from store import Actor, users

        screen = await open_detail(pilot, ALICE_UID)
        users.update_user(db, Actor("other-admin"), ALICE_UID, {"name": "Alice Other"})
        screen.query_one("#field-name").value = "Alice Mine"
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(make_app(db, actor), terminal_size=(80, 24), run_before=run_before)
