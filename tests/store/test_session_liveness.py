"""The one rule of a live session (store/session_liveness.py), used by store.sessions and store.session_token."""

from __future__ import annotations

import pytest

from store.config import Policy
from store.session_liveness import counts_as_use, idle_seconds_of, is_live_session

NOW = 1_000_000
IDLE = 3600
LIVE = {"revoked_at": None, "absolute_expires_at": NOW + 1, "last_seen_at": NOW - IDLE + 1, "user_status": "active"}


def test_a_session_at_every_limit_is_still_live() -> None:
    assert is_live_session(**LIVE, now=NOW, idle_seconds=IDLE)


@pytest.mark.parametrize(
    "change",
    [
        {"revoked_at": NOW - 5},
        {"absolute_expires_at": NOW},  # the absolute expiry is the first second it is dead
        {"last_seen_at": NOW - IDLE},  # so is the end of the idle time
        {"user_status": "disabled"},
        {"user_status": "archived"},
    ],
)
def test_each_condition_ends_it(change: dict[str, object]) -> None:
    assert not is_live_session(**{**LIVE, **change}, now=NOW, idle_seconds=IDLE)


def test_a_check_is_a_use_at_most_once_a_second() -> None:
    assert not counts_as_use(NOW, NOW)
    assert counts_as_use(NOW - 1, NOW)


def test_idle_seconds_come_from_the_policy() -> None:
    assert idle_seconds_of(Policy(session_idle_minutes=7)) == 420
