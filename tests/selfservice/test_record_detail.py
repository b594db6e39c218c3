"""Issue 13 item 2 in self-service: lists drop low-priority columns when narrow; Enter shows the whole row."""

from __future__ import annotations

from tests.pilot import plain
from tui.widgets.record_detail import RecordDetailScreen

from .helpers import make_alice, make_app, settle, sign_in


async def test_history_row_detail_has_every_column(db) -> None:
    make_alice(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, db, "alice")
        await pilot.press("f6")
        await settle(pilot)
        table = app.screen.query_one("#history")
        shown = [str(c.label) for c in table.columns.values()]
        assert "Device" not in shown and shown[:2] == ["When (UTC)", "Result"]  # 80 columns: dropped whole
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordDetailScreen)
        text = plain(app.screen.query_one("#record-fields").render())
        assert "Device" in text and "userdesk-self-service" in text and "203.0.113.9" in text
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, RecordDetailScreen)
        await pilot.resize_terminal(160, 40)
        await settle(pilot)
        assert [str(c.label) for c in table.columns.values()] == ["When (UTC)", "Result", "From", "App", "Device"]
