"""Login history at 80x24: time, result, IP and reason visible without scrolling; Enter shows an attempt in full."""

from __future__ import annotations

from store import auth, users
from tui.widgets.record_detail import RecordDetailScreen

from .detail_seed import ALICE_UID, make_app, open_detail, settle
from .screen_dump import screen_lines


async def test_history_fits_80_columns_and_enter_opens_the_attempt(db, actor, seeded):
    long_reason = "app access denied (group 'contractors' denies billing after the audit of 2026)"
    user_id = users.get_user(db, ALICE_UID).id
    auth.record_failure(db, user_id, "alice", auth.Attempt(ip="2001:db8::1"), "password", long_reason, count=False)
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "history")
        lines = screen_lines(app)
        header = next(line for line in lines if "When (UTC)" in line)
        assert "IP" in header and "Failure reason" in header
        top = lines[lines.index(header) + 1]
        assert "FAILED" in top and "2001:db8::1" in top and "app access denied" in top
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordDetailScreen)
        text = "\n".join(screen_lines(app))
        assert "contractors" in text and "2026)" in text  # the whole reason, nothing cut
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
