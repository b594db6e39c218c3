"""Issue 13 item 5: the account's History tab filters by IP prefix or subnet, and refuses bad input inline."""

from __future__ import annotations

import ipaddress

from store import history, users
from tests.pilot import settle

from .detail_seed import ALICE_UID, make_app, open_detail, plain, replace_text


async def test_history_filters_by_subnet_and_refuses_a_bad_one(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "history")
        tab = screen.tab("history")
        everything = history.login_history(db, users.get_user(db, ALICE_UID).id, limit=1000)
        sample = next(r.ip for r in everything if r.ip and ":" not in r.ip)
        subnet = ipaddress.ip_network(f"{sample}/16", strict=False)
        await replace_text(pilot, screen.query_one("#history-ip"), str(subnet))
        await pilot.press("enter")
        await settle(pilot)
        want = [r.id for r in everything if r.ip and ipaddress.ip_address(r.ip) in subnet]
        assert [r.id for r in tab.rows] == want[: len(tab.rows)] and tab.rows
        await replace_text(pilot, screen.query_one("#history-ip"), "10.0.0.0/99")
        await pilot.press("enter")
        await settle(pilot)
        assert "is not an IP address, a prefix or a subnet" in plain(screen.query_one("#history-error").content)
        assert [r.id for r in tab.rows] == want[: len(tab.rows)]  # the table keeps its rows
