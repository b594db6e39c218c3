"""tui/common/latency.py: after a pause, an interval timer's next tick comes at the next point of its grid (the
screen's next frame), not one interval later (on a fake clock: the numbers are exact); and each console hands the
interpreter between threads every SWITCH_INTERVAL."""

from __future__ import annotations

import asyncio
import sys
from types import SimpleNamespace

import pytest
from textual import _time
from textual import timer as textual_timer
from textual._context import active_app
from textual.timer import Timer

from tui.common import latency


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def second_tick_after_a_pause(monkeypatch, run) -> float:
    """Seconds from an unpaused timer's first tick (at once, after a long pause) to its next one, the timer being
    resumed right after the first (as a screen is by a widget that needs a repaint)."""
    clock = Clock()
    monkeypatch.setattr(_time, "get_time", clock)
    monkeypatch.setattr(textual_timer, "sleep", clock.sleep)
    monkeypatch.setattr(Timer, "_run", run)
    active_app.set(SimpleNamespace(_exit=False, features=frozenset()))  # what a timer's tick reads of its app
    ticks: list[float] = []
    owner = Clock()  # any object a timer can refer to weakly

    def tick() -> None:
        ticks.append(clock.now)
        timer.pause()  # as Screen._on_timer_update does

    timer = Timer(owner, 1.0, callback=tick, pause=True)
    timer._start()
    try:
        timer.resume()
        await until(lambda: len(ticks) == 1)  # at 101.0
        for _ in range(10):
            await asyncio.sleep(0)  # the loop sleeps to 102.0 and waits, paused
        clock.now = 111.3  # a long pause (nothing to repaint)
        timer.resume()
        await until(lambda: len(ticks) == 2)
        assert ticks[1] == pytest.approx(111.3)  # at once
        timer.resume()  # something is dirty again right away
        await until(lambda: len(ticks) == 3)
        return ticks[2] - ticks[1]
    finally:
        timer.stop()


async def until(condition) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the timer never ticked")


async def test_the_tick_after_a_pause_comes_at_the_next_grid_point(monkeypatch):
    assert await second_tick_after_a_pause(monkeypatch, latency._run) == pytest.approx(0.7)  # 112.0


async def test_textual_s_own_loop_skips_a_grid_point(monkeypatch):
    """What the fix is for; if Textual fixes it, this fails: drop tui/common/latency.py."""
    assert await second_tick_after_a_pause(monkeypatch, latency.TEXTUAL_RUN) == pytest.approx(1.7)  # 113.0


@pytest.mark.parametrize("console", ["admin", "selfservice"])
def test_each_console_installs_both(console, db, monkeypatch):
    from tui.admin.app import AdminApp
    from tui.selfservice.app import SelfServiceApp

    monkeypatch.setattr(Timer, "_run", latency.TEXTUAL_RUN)
    interval = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        AdminApp(db) if console == "admin" else SelfServiceApp(db)
        assert sys.getswitchinterval() == pytest.approx(latency.SWITCH_INTERVAL)
        assert Timer._run is latency._run
    finally:
        sys.setswitchinterval(interval)
