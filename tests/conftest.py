"""Shared fixtures: a fresh database per test in tmp_path, with its own key file and outbox."""

from __future__ import annotations

import pathlib

import pytest

from store import Actor, Database
from store.config import Config, Delivery, Policy

PASSWORD = "correct horse battery staple"
FIXED_NOW = 1_795_000_000  # 2026-11-18 (a fixed clock for deterministic tests)


class Clock:
    def __init__(self, now: float = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's config, data or key."""
    monkeypatch.setenv("USERDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("USERDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("USERDESK_DB", raising=False)
    monkeypatch.delenv("USERDESK_KEY_FILE", raising=False)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def config(tmp_path: pathlib.Path) -> Config:
    return Config(policy=Policy(), delivery=Delivery(channel="outbox", outbox_dir=str(tmp_path / "outbox")))


@pytest.fixture
def db(tmp_path: pathlib.Path, clock: Clock, config: Config) -> Database:
    database = Database(
        str(tmp_path / "test.db"), create=True, config=config, key_path=tmp_path / "test.key", clock=clock
    )
    yield database
    database.close()


@pytest.fixture
def actor() -> Actor:
    return Actor("tester", "127.0.0.1")


@pytest.fixture
def snap_compare(snap_compare):
    """pytest-textual-snapshot's snap_compare, taking the picture only once the screen is steady (tests.pilot.steady)."""
    from tests.pilot import steady

    def compare(app, *args, run_before=None, **kwargs):
        async def before(pilot) -> None:
            if run_before is not None:
                await run_before(pilot)
            await steady(pilot)

        return snap_compare(app, *args, run_before=before, **kwargs)

    return compare
