"""The footer is rebuilt once per change of the keys it shows (issue 15): Textual announces a focus change twice,
and '/' followed at once by a search term paid for a second, identical footer while the term was due."""

from __future__ import annotations

import pytest

from tests.admin.directory_seed import make_app
from tests.pilot import settle
from tui.widgets.footer import Footer


@pytest.fixture
def db(seeded_db):
    return seeded_db


def footer_text(app) -> str:
    return " ".join(str(key.render()) for key in app.screen.query_one(Footer).children)


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
