"""Text that is not UTF-8 (bytes in argv, surrogates, bytes on stdin) gives one `error:` line and changes nothing.

Python hands a program its argv bytes as str, with every byte that is not UTF-8 turned into a lone
surrogate (U+DC80..U+DCFF); a click runner passes str directly, so both forms are tried: the
surrogate-escaped byte (\\udcff) and a lone surrogate that no byte produces (\\ud800).
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from store.errors import AuthFailed
from tests.cli.helpers import PASSWORD, Cli

BYTE = "\udcff"  # what Python makes of the byte 0xff in argv
LONE = "\ud800"  # a lone surrogate no byte sequence decodes to

# Every argument and option that takes text, in a call that would otherwise succeed (or fail cleanly).
SITES: list[tuple[str, ...]] = [
    ("user", "list", "--search", "a{}"),
    ("user", "list", "--status", "{}"),
    ("user", "list", "--limit", "1{}"),
    ("user", "show", "kim{}"),
    ("user", "create", "--username", "new{}"),
    ("user", "create", "--username", "new", "--email", "n{}@example.com"),
    ("user", "create", "--username", "new", "--phone", "+1415555{}"),
    ("user", "create", "--username", "new", "--name", "N{}"),
    ("user", "create", "--username", "new", "--reason", "r{}"),
    ("user", "update", "kim{}", "--set", "city=Oslo"),
    ("user", "update", "kim", "--set", "city=Os{}lo"),
    ("user", "update", "kim", "--set", "ci{}ty=Oslo"),
    ("user", "update", "kim", "--set", "city=Oslo", "--reason", "{}"),
    ("user", "disable", "kim", "--reason", "left{}"),
    ("user", "enable", "kim{}"),
    ("user", "unlock", "kim", "--reason", "{}"),
    ("user", "archive", "kim", "--reason", "{}"),
    ("user", "delete", "kim", "--yes", "--reason", "{}"),
    ("user", "set-password", "kim{}", "--password-stdin"),
    ("user", "set-password", "kim", "--password-stdin", "--reason", "{}"),
    ("mfa", "enroll", "kim{}"),
    ("mfa", "reset", "kim", "--reason", "{}"),
    ("session", "list", "kim{}"),
    ("session", "revoke", "0123{}"),
    ("session", "revoke", "--user", "kim{}", "--all"),
    ("history", "kim{}"),
    ("history", "kim", "--app", "crm{}"),
    ("field", "define", "k{}", "--type", "string"),
    ("field", "define", "level", "--type", "enum", "--options", "a,b{}"),
    ("field", "define", "level", "--type", "string", "--label", "L{}"),
    ("data", "set", "kim", "tier", "gold{}"),
    ("data", "set", "kim", "ti{}er", "gold"),
    ("data", "set", "kim{}", "tier", "gold"),
    ("data", "show", "kim{}"),
    ("app", "create", "new{}"),
    ("app", "allow", "crm", "--user", "kim{}"),
    ("app", "deny", "crm", "--group", "staff{}"),
    ("app", "allow", "crm", "--group", "staff", "--reason", "{}"),
    ("group", "create", "new{}"),
    ("group", "create", "new", "--description", "{}"),
    ("group", "add", "staff", "kim{}"),
    ("group", "remove", "staff{}", "kim"),
    ("identity", "link", "kim", "github", "octo{}"),
    ("identity", "unlink", "kim", "git{}hub"),
    ("audit", "--user", "kim{}"),
    ("login", "kim", "--password-stdin", "--app", "crm{}"),
    ("login", "kim", "--password-stdin", "--ip", "192.0.2.1{}"),
    ("login", "kim", "--password-stdin", "--user-agent", "agent{}"),
    ("user{}", "list"),
    ("user", "li{}st"),
    ("user", "show", "kim", "extra{}"),
]


@dataclass
class Seeded:
    home: pathlib.Path  # its config/secret.key
    database: str | None  # PostgreSQL: the name of the template database; SQLite: home/cli.db


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, pg_server) -> Iterator[Seeded]:
    """A directory with a user, an app, a group and a field, built once (argon2 is slow) and copied per test
    (SQLite: the file; PostgreSQL: CREATE DATABASE ... TEMPLATE)."""
    home = tmp_path_factory.mktemp("seeded")
    name = pg_server.create() if pg_server else None
    with pytest.MonkeyPatch.context() as env:
        env.setenv("USERDESK_CONFIG_DIR", str(home / "config"))
        env.setenv("USERDESK_DATA_DIR", str(home / "data"))
        runner = Cli(pg_server.target(name) if pg_server else str(home / "cli.db"))
        runner.ok("init")
        runner.ok("user", "create", "--username", "kim", "--password-stdin", input=PASSWORD + "\n")
        runner.ok("app", "create", "crm")
        runner.ok("group", "create", "staff")
        runner.ok("group", "add", "staff", "kim")
        runner.ok("field", "define", "tier", "--type", "enum", "--options", "gold,silver")
    yield Seeded(home, name)
    if pg_server:
        pg_server.drop(name)


@pytest.fixture
def run(seeded: Seeded, tmp_path: pathlib.Path, pg_server) -> Iterator[Cli]:
    """The seeded directory for this test (the key where the isolated environment looks for it)."""
    (tmp_path / "config").mkdir()
    shutil.copy2(seeded.home / "config" / "secret.key", tmp_path / "config" / "secret.key")
    if pg_server:
        name = pg_server.create(template=seeded.database)
        yield Cli(pg_server.target(name))
        pg_server.drop(name)
        return
    shutil.copy2(seeded.home / "cli.db", tmp_path / "cli.db")
    yield Cli(tmp_path / "cli.db")


def rows(run: Cli, sql: str) -> list[tuple]:
    return run.sql(sql)


def snapshot(run: Cli) -> tuple:
    """Everything a refused command must leave as it was."""
    return (
        rows(run, 'SELECT * FROM "user" ORDER BY id'),
        rows(run, "SELECT count(*) FROM audit"),
        rows(run, "SELECT count(*) FROM login_event"),
        rows(run, "SELECT count(*) FROM session"),
    )


def assert_one_error_line(result, codes: tuple[int, ...] = (1, 2)) -> None:
    assert result.exit_code in codes, (result.exit_code, result.stdout, result.stderr)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr and "\udcff" not in result.stderr and "\ud800" not in result.stderr


@pytest.mark.parametrize("surrogate", [BYTE, LONE], ids=["byte", "lone"])
@pytest.mark.parametrize("site", SITES, ids=[" ".join(s).replace("{}", "*") for s in SITES])
def test_text_that_is_not_utf8_in_any_argument_is_one_error_line(run: Cli, site: tuple[str, ...], surrogate: str):
    before = snapshot(run)
    args = [part.replace("{}", surrogate) for part in site]
    result = run(*args, input=(PASSWORD + "\n").encode())
    assert_one_error_line(result)
    assert snapshot(run) == before


@pytest.mark.parametrize("surrogate", [BYTE, LONE], ids=["byte", "lone"])
def test_a_login_identifier_that_is_not_utf8_is_a_recorded_failed_sign_in(run: Cli, surrogate: str) -> None:
    escaped = "\\xff" if surrogate == BYTE else "\\ud800"
    result = run("login", f"k{surrogate}im", "--password-stdin", "--ip", "192.0.2.9", input=PASSWORD + "\n")
    assert_one_error_line(result, codes=(1,))
    assert result.stderr == f"error: {AuthFailed.MESSAGE}\n"  # the constant sign-in failure, nothing more
    identifier, success, ip = rows(run, "SELECT identifier, success, ip FROM login_event ORDER BY id DESC LIMIT 1")[0]
    assert (identifier, success, ip) == (f"k{escaped}im", 0, "192.0.2.9")


STDIN_SITES: list[tuple[str, ...]] = [
    ("user", "create", "--username", "new", "--password-stdin"),
    ("user", "set-password", "kim", "--password-stdin"),
    ("login", "kim", "--password-stdin"),
    ("session", "check", "-"),
]


@pytest.mark.parametrize("site", STDIN_SITES, ids=[" ".join(s) for s in STDIN_SITES])
@pytest.mark.parametrize("line", [b"pass\xffword is long enough\n", b"\xed\xa0\x80 surrogate in CESU form\n"])
def test_stdin_that_is_not_utf8_is_one_error_line(run: Cli, site: tuple[str, ...], line: bytes) -> None:
    before = snapshot(run)
    result = run(*site, input=line)
    assert_one_error_line(result)
    assert "standard input" in result.stderr
    assert snapshot(run) == before


def test_a_search_ending_just_below_the_surrogates_works(run: Cli) -> None:
    """U+D7FF is valid text; the prefix range for a short search must not step into the surrogate block."""
    for search in ("\ud7ff", "a\ud7ff", "\U0010ffff"):
        assert run.json("user", "list", "--search", search)["users"] == []


def userdesk(db: str | pathlib.Path, *args: bytes, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """The real entry point with raw bytes in argv, as a shell passes $'...'."""
    env = {**os.environ, "LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"}
    return subprocess.run(
        [sys.executable, "-m", "tui", "--db", str(db).encode(), *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        env=env,
        cwd=pathlib.Path(__file__).parents[2],
    )


BYTE_SITES: list[tuple[bytes, ...]] = [
    (b"user", b"list", b"--search", b"a\xed\xa0\x80"),
    (b"user", b"show", b"kim\xff"),
    (b"user", b"update", b"kim", b"--set", b"city=\xc3"),
    (b"data", b"set", b"kim", b"tier", b"gold\xfe"),
    (b"user", b"disable", b"kim", b"--reason", b"\x80"),
    (b"\xff",),
]


@pytest.mark.parametrize("site", BYTE_SITES, ids=[repr(b" ".join(s))[2:-1] for s in BYTE_SITES])
def test_bytes_in_argv_of_the_real_binary_are_one_error_line(run: Cli, site: tuple[bytes, ...]) -> None:
    before = snapshot(run)
    done = userdesk(run.target, *site, stdin=PASSWORD.encode() + b"\n")
    assert done.returncode in (1, 2), done
    assert done.stderr.startswith(b"error: ") and done.stderr.count(b"\n") == 1, done.stderr
    assert snapshot(run) == before


def test_bytes_in_a_login_identifier_and_on_stdin_of_the_real_binary(run: Cli) -> None:
    done = userdesk(run.target, b"login", b"k\xffim", b"--password-stdin", stdin=PASSWORD.encode() + b"\n")
    assert (done.returncode, done.stderr) == (1, f"error: {AuthFailed.MESSAGE}\n".encode())
    assert rows(run, "SELECT identifier FROM login_event ORDER BY id DESC LIMIT 1") == [("k\\xffim",)]
    done = userdesk(run.target, b"login", b"kim", b"--password-stdin", stdin=b"\xff" + PASSWORD.encode() + b"\n")
    assert done.returncode == 1 and done.stderr.startswith(b"error: ") and done.stderr.count(b"\n") == 1
