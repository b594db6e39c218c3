"""The collector paused for the admin console's start (tui/admin/gc_pause.py): paused only by the CLI, always
started again, and the start-up's objects frozen then. The console's own resume after its first paint is checked
on the real program in tests/cli/test_startup.py."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tui.admin import gc_pause


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_resume_without_a_pause_changes_nothing() -> None:
    frozen = gc.get_freeze_count()
    gc_pause.resume()
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_a_pause_lasts_until_resume_which_freezes_what_exists() -> None:
    gc.unfreeze()
    with gc_pause.until_first_paint():
        assert not gc.isenabled()
        gc_pause.resume()  # the console's first paint
        assert gc.isenabled() and gc.get_freeze_count() > 0
        gc.unfreeze()
    assert gc.isenabled() and gc.get_freeze_count() == 0  # resumed once only


def test_the_block_ends_the_pause_when_nothing_resumed_it() -> None:
    with pytest.raises(RuntimeError), gc_pause.until_first_paint():
        raise RuntimeError("the console failed to start")
    assert gc.isenabled()


def test_the_opened_store_is_frozen_too() -> None:
    gc.unfreeze()
    gc_pause.store_opened()
    assert gc.get_freeze_count() > 0
