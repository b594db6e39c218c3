"""SVG snapshots: the 'no way in' fixes offered after a change, and verify by a code, at 80x24 and 120x40."""

from __future__ import annotations

import pytest

from store import users

from .detail_seed import ALICE_UID, make_app, open_detail, settle

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


@pytest.mark.parametrize("size", SIZES)
def test_fix_offered_after_mfa_reset(snap_compare, db, actor, seeded, size):
    users.update_user(db, actor, ALICE_UID, {"email_verified": False}, allowed=("email_verified",))

    async def run_before(pilot) -> None:
        await open_detail(pilot, ALICE_UID, "security")
        await pilot.press("m")
        await settle(pilot)
        pilot.app.screen.query_one("#confirm-reason").value = "lost phone"
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(db, actor), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_mfa_reset_warning(snap_compare, db, actor, seeded, size):
    users.update_user(db, actor, ALICE_UID, {"email_verified": False}, allowed=("email_verified",))

    async def run_before(pilot) -> None:
        await open_detail(pilot, ALICE_UID, "security")
        await pilot.press("m")
        await settle(pilot)

    assert snap_compare(make_app(db, actor), terminal_size=SIZES[size], run_before=run_before)


def test_verify_by_code_dialog(snap_compare, db, actor, seeded):
    async def run_before(pilot) -> None:
        await open_detail(pilot, ALICE_UID, "security")
        await pilot.press("c")
        await settle(pilot)

    assert snap_compare(make_app(db, actor), terminal_size=(80, 24), run_before=run_before)


def test_history_entry_in_full(snap_compare, db, actor, seeded):
    async def run_before(pilot) -> None:
        await open_detail(pilot, ALICE_UID, "history")
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(db, actor), terminal_size=(80, 24), run_before=run_before)
