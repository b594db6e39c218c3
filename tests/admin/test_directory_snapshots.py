"""SVG snapshots of the user directory at 80x24 and 120x40 on a fixed seeded directory (fixed clock and uids)."""

from __future__ import annotations

import pytest

from tests.admin.directory_seed import make_app, type_into
from tests.pilot import settle

pytestmark = pytest.mark.sqlite_only(
    "snapshots of pure rendering; the data they draw is checked on both backends by the Pilot tests"
)

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


@pytest.fixture
def app(seeded_db):
    return make_app(seeded_db)


def keys(*presses: str, typed: dict[str, str] | None = None):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in presses:
            if key.startswith("type:"):
                selector, text = key[5:].split("=", 1)
                await type_into(pilot, selector, text)
                await pilot.pause(0.2)  # the search debounce
            else:
                await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_directory(snap_compare, app, size):
    assert snap_compare(app, terminal_size=SIZES[size], run_before=keys())


def test_directory_with_selection_and_bulk_bar(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=keys("space", "space", "down", "space"))


def test_directory_search(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=keys("slash", "type:#dir-search=example.org"))


@pytest.mark.parametrize("size", SIZES)
def test_filter_screen(snap_compare, app, size):
    assert snap_compare(app, terminal_size=SIZES[size], run_before=keys("f"))


@pytest.mark.parametrize("size", SIZES)
def test_bulk_disable_preview(snap_compare, app, size):
    assert snap_compare(app, terminal_size=SIZES[size], run_before=keys("space", "down", "down", "space", "d"))


@pytest.mark.parametrize("size", SIZES)
def test_select_all_matching_archive_preview(snap_compare, app, size):
    """Issue 13 items 5 and 6: every match selected; the preview counts real changes and what archiving removes."""
    assert snap_compare(app, terminal_size=SIZES[size], run_before=keys("asterisk", "z"))


@pytest.mark.parametrize("size", SIZES)
def test_select_all_matching_bar(snap_compare, app, size):
    assert snap_compare(app, terminal_size=SIZES[size], run_before=keys("asterisk"))


@pytest.mark.parametrize("focus", ["list", "search", "filters", "account"])
def test_focus_without_colour(snap_compare, seeded_db, monkeypatch, focus):
    """Issue 13 item 4: with NO_COLOR the focused list row is in reverse video with a solid marker; in the search
    box the cursor shows and the list's marker is hollow; a focused Select and the account's tab bar are reversed."""
    monkeypatch.setenv("NO_COLOR", "1")
    presses = {
        "list": ("down",),
        "search": ("slash", "type:#dir-search=ali"),
        "filters": ("f",),
        "account": ("enter",),
    }[focus]
    assert snap_compare(make_app(seeded_db), terminal_size=(80, 24), run_before=keys(*presses))
