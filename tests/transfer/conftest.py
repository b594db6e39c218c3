"""Databases for the import/export CLI tests on the run's backend (`--backend=postgresql` included)."""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import PgServer


@pytest.fixture
def cli_target(tmp_path: pathlib.Path, pg_server: PgServer | None) -> Iterator[Callable[[str], pathlib.Path | str]]:
    """`cli_target("name.db")`: a new, empty database for `Cli`: the file tmp_path/name (SQLite) or a fresh
    PostgreSQL database (its URL), dropped after the test. Several per test are fine (export, then import)."""
    made: list[str] = []

    def target(name: str) -> pathlib.Path | str:
        if pg_server is None:
            return tmp_path / name
        made.append(pg_server.create())
        return pg_server.target(made[-1])

    yield target
    if pg_server is not None:
        for name in made:
            pg_server.drop(name)
