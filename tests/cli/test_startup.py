"""Start-up: `userdesk --help` and the admin console's first paint import neither SQLAlchemy nor (for --help)
Textual; files the full open refuses are refused before anything is painted (issue 15, target 1)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from store import Database
from store.db import SCHEMA_VERSION
from tests.admin.directory_seed import bulk_users
from tui.admin.app import AdminApp
from tui.cli import COMMANDS, cli

HEAVY = ("sqlalchemy", "sqlmodel", "pydantic")
# Imported only after the console's first paint (tui/admin/warmup.py), or when first used.
DEFERRED = (
    *HEAVY,
    "tui.admin.detail",  # an account (Enter)
    "tui.admin.group_picker",  # bulk group actions
    "tui.widgets.commands",  # the palette (ctrl+p)
    "tui.widgets.confirm",  # bulk actions
    "tui.widgets.help",  # F1
    "zoneinfo",  # a time zone checked (store.validation)
)


def _loaded_after(code: str, *args: str) -> dict[str, list[str]]:
    """Run `code` in a fresh interpreter; it prints a JSON dict of module lists."""
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_help_imports_no_store_internals_and_no_textual() -> None:
    loaded = _loaded_after(
        """
        import json, sys
        from tui.cli import main
        sys.argv = ["userdesk", "--help"]
        try:
            main()
        except SystemExit:
            pass
        roots = sorted({m.split(".")[0] for m in sys.modules})
        print(json.dumps({"roots": roots, "cli": sorted(m for m in sys.modules if m.startswith("tui.cli."))}))
        """
    )
    assert not set(loaded["roots"]) & {*HEAVY, "textual"}, loaded["roots"]
    assert set(loaded["cli"]) <= {
        "tui.cli.context",
        "tui.cli.location",
        "tui.cli.output",
    }  # no command module is loaded


def test_the_admin_console_paints_before_sqlalchemy_is_imported(tmp_path: Path) -> None:
    """As the console starts running (App.run), SQLAlchemy is not imported and it has a warm-up, not a db."""
    path = tmp_path / "data" / "userdesk.db"
    path.parent.mkdir()
    Database(str(path), create=True).close()
    loaded = _loaded_after(
        """
        import json, sys
        import textual.app
        from tui.cli import main

        def run(app, *args, **kwargs):
            heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "sqlmodel", "pydantic"))
            print(json.dumps({"heavy": heavy, "warming": [str(app.warmup is not None)]}))
            raise SystemExit(0)

        textual.app.App.run = run
        sys.argv = ["userdesk", "--db", sys.argv[1], "admin"]
        main()
        """,
        str(path),
    )
    assert loaded == {"heavy": [], "warming": ["True"]}


def test_the_first_page_is_painted_before_the_heavy_modules_are_imported(tmp_path: Path) -> None:
    """The real console (headless), up to the moment the first page is painted and the full store begins to open:
    none of DEFERRED is imported yet (each is imported later, when it is needed), and the garbage collector,
    paused for the start, runs again."""
    path = tmp_path / "data" / "userdesk.db"
    path.parent.mkdir()
    db = Database(str(path), create=True)
    bulk_users(db, 3)
    db.close()
    loaded = _loaded_after(
        """
        import gc, json, os, sys
        import textual.app
        from tui.cli import consoles, main

        deferred = sys.argv[2].split(",")
        apps = []
        run = textual.app.App.run

        def run_headless(app, *args, **kwargs):
            apps.append(app)
            return run(app, headless=True, size=(120, 40))

        def full_open(target):  # in the worker the console starts once its first page is painted
            rows = apps[0].screen.query_one("#dir-list").rows
            loaded = sorted(m for m in deferred if m in sys.modules)
            print(json.dumps({"loaded": loaded, "rows": [len(rows)], "collecting": [gc.isenabled()]}), flush=True)
            os._exit(0)

        textual.app.App.run = run_headless

        consoles._full_open = full_open
        sys.argv = ["userdesk", "--db", sys.argv[1], "admin"]
        main()
        """,
        str(path),
        ",".join(DEFERRED),
    )
    assert loaded == {"loaded": [], "rows": [3], "collecting": [True]}  # the collector runs again (gc_pause)


def test_each_commands_summary_is_its_help() -> None:
    """COMMANDS repeats each command's one-line help for `userdesk --help`: it must say what the command says."""
    ctx = click.Context(cli)
    for name, lazy in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None, name
        first = (command.short_help or command.help or "").split("\n\n")[0]
        assert lazy.summary == " ".join(first.split()), name


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(COMMANDS)


def _never_run(monkeypatch: pytest.MonkeyPatch) -> list[AdminApp]:
    started: list[AdminApp] = []
    monkeypatch.setattr(AdminApp, "run", lambda self, *a, **k: started.append(self))
    return started


def _schema(path: Path, version: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


@pytest.mark.parametrize("kind", ["foreign", "newer", "other key", "empty"])
def test_refused_files_are_refused_before_anything_is_painted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    path = tmp_path / "d.db"
    expected = {
        "foreign": "not a Userdesk database",
        "newer": "newer than this userdesk",
        "other key": "different key file",
        "empty": "an empty file",
    }[kind]
    if kind == "foreign":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
        conn.close()
    elif kind == "empty":
        path.write_bytes(b"")
    else:
        Database(str(path), create=True).close()
        if kind == "newer":
            _schema(path, 99)
        else:
            other = tmp_path / "other.key"
            Database(str(tmp_path / "o.db"), create=True, key_path=other).close()
            monkeypatch.setenv("USERDESK_KEY_FILE", str(other))
    started = _never_run(monkeypatch)
    result = CliRunner().invoke(cli, ["--db", str(path), "admin"])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ") and expected in result.stderr
    assert started == []  # no console was started: nothing painted


@pytest.mark.parametrize("version", [4, 5, 6])
def test_an_older_schema_opens_the_full_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: int) -> None:
    """Migrating is the full open's job: the console then opens on the full store (no warm-up), migrated."""
    path = tmp_path / "d.db"
    Database(str(path), create=True).close()
    _schema(path, version)
    started = _never_run(monkeypatch)
    result = CliRunner().invoke(cli, ["--db", str(path), "admin"])
    assert result.exit_code == 0, result.output
    [app] = started
    assert app.warmup is None and app.db.schema_version() == SCHEMA_VERSION
    app.db.close()


def test_a_current_file_opens_with_a_warm_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "d.db"
    Database(str(path), create=True).close()
    started = _never_run(monkeypatch)
    assert CliRunner().invoke(cli, ["--db", str(path)]).exit_code == 0  # `userdesk` alone: the admin console
    [app] = started
    assert app.warmup is not None and app.warmup.look.path == path


def test_session_check_imports_no_sqlalchemy(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    Database(str(path), create=True).close()
    loaded = _loaded_after(
        """
        import io, json, sys
        from tui.cli import main
        sys.stdin = io.TextIOWrapper(io.BytesIO(b"not-a-token\\n"))
        sys.argv = ["userdesk", "--db", sys.argv[1], "session", "check"]
        try:
            main()
        except SystemExit as exc:
            code = exc.code
        heavy = sorted({m.split(".")[0] for m in sys.modules} & {"sqlalchemy", "sqlmodel", "pydantic", "textual"})
        print(json.dumps({"heavy": heavy, "code": [code]}))
        """,
        str(path),
    )
    assert loaded == {"heavy": [], "code": [1]}
