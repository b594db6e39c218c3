"""SVG snapshots of the screens reached from the directory, at 80x24 and 120x40, on a fixed seeded directory."""

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


def steps(*presses: str):
    """Keys to press (settling after each); 'type:#id=text' fills an input."""

    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in presses:
            if key.startswith("type:"):
                selector, text = key[5:].split("=", 1)
                await type_into(pilot, selector, text)
            else:
                await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_create_user(snap_compare, app, size):
    assert snap_compare(app, terminal_size=SIZES[size], run_before=steps("n"))


def test_create_user_inline_error(snap_compare, app):
    run = steps("n", "type:#in-username=zoe", "type:#in-email=zoe-at-example", "tab")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_custom_fields(snap_compare, app, size):
    assert snap_compare(app, terminal_size=SIZES[size], run_before=steps("c"))


@pytest.mark.parametrize("size", SIZES)
def test_define_field(snap_compare, app, size):
    assert snap_compare(app, terminal_size=SIZES[size], run_before=steps("c", "n", "type:#key=tier"))


@pytest.mark.parametrize("size", SIZES)
def test_apps(snap_compare, app, size):
    assert snap_compare(app, terminal_size=SIZES[size], run_before=steps("a"))


@pytest.mark.parametrize("size", SIZES)
def test_groups(snap_compare, app, size):
    assert snap_compare(app, terminal_size=SIZES[size], run_before=steps("a", "2"))


@pytest.mark.parametrize("size", SIZES)
def test_audit_log(snap_compare, app, size):
    assert snap_compare(app, terminal_size=SIZES[size], run_before=steps("l"))


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, app, size):
    assert snap_compare(app, terminal_size=SIZES[size], run_before=steps("f1"))


@pytest.mark.parametrize("size", SIZES)
def test_audit_log_entry_detail(snap_compare, app, size):
    assert snap_compare(app, terminal_size=SIZES[size], run_before=steps("l", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_audit_log_filter(snap_compare, app, size):
    assert snap_compare(app, terminal_size=SIZES[size], run_before=steps("l", "f", "type:#flt-action=user."))


@pytest.mark.parametrize("size", SIZES)
def test_audit_log_filtered(snap_compare, app, size):
    run = steps("l", "f", "type:#flt-action=user.", "type:#flt-actor=admin", "ctrl+s")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=run)


@pytest.mark.parametrize("size", SIZES)
def test_group_members(snap_compare, app, size):
    assert snap_compare(app, terminal_size=SIZES[size], run_before=steps("a", "2", "down", "m"))


@pytest.mark.parametrize("size", SIZES)
def test_delete_group_preview(snap_compare, app, size):
    assert snap_compare(app, terminal_size=SIZES[size], run_before=steps("a", "2", "down", "x"))


@pytest.mark.parametrize("size", SIZES)
def test_edit_field_preview(snap_compare, app, size):
    run = steps("c", "e", "type:#options=sales, support", "ctrl+s")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=run)
