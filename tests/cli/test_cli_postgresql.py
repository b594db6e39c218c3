"""`--db` / `$USERDESK_DB` with a PostgreSQL URL: every failure is one `error:` line, and the password of the URL
never shows: not on stdout or stderr, not in a log record, not in the audit, not on a console's screen.

The password used here has a percent-encoded character, so both spellings (as typed in the URL, and decoded) are
looked for. The failures need a server (`--backend=postgresql`); a wrong password needs a role that must give one:
`USERDESK_TEST_PG_PASSWORD_URL` (tools/pg_cluster.sh makes one and exports it), else that case is skipped.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import make_url

from store import Database
from tui.cli import cli

from .helpers import Cli

SECRET = "Sup3r%2Fs3cret-pw"  # as written in a URL; decoded: "Sup3r/s3cret-pw"
SPELLINGS = (SECRET, "Sup3r/s3cret-pw", "s3cret")

# Each command reaches the database (or refuses the URL before it does): none may echo the password.
COMMANDS: list[tuple[str, ...]] = [
    ("init",),
    ("user", "list"),
    ("user", "show", "nobody"),
    ("audit",),
    ("admin",),
    ("self-service",),
    ("demo", "--users", "3"),
    ("export", "--format", "csv", "out.csv"),
    ("backup", "backup.tar"),
    ("restore", "backup.tar"),
    ("serve", "--listen", "127.0.0.1:0"),
]


def with_password(url: str, password: str = SECRET, **changes: object) -> str:
    """`url` with `password` written into it (percent-encoding kept as given) and other parts changed."""
    parsed = make_url(url).set(**changes)  # type: ignore[arg-type]  # keyword parts of a URL
    rendered = parsed.set(password="PLACEHOLDER").render_as_string(hide_password=False)
    return rendered.replace("PLACEHOLDER", password)


def assert_secret_never_shown(*texts: str) -> None:
    for text in texts:
        for spelling in SPELLINGS:
            assert spelling not in text, (spelling, text)


def run_with_env(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> Result:
    monkeypatch.setenv("USERDESK_DB", url)
    return CliRunner().invoke(cli, list(args), input="\n")


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative file arguments (export, backup) land in the test's directory."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def server(pg_server):
    if pg_server is None:
        pytest.skip("needs --backend=postgresql")
    return pg_server


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # everything any library logs, SQLAlchemy and psycopg included
    return caplog


# (URL, what must never show): a password may hold '/', '?' or '@' (SQLAlchemy reads them as part of it), or come
# as the `password` query parameter; each is found the way the driver finds it.
PASSWORD_URLS = [
    pytest.param(with_password("postgresql+psycopg://kim@/userdesk?host=/nonexistent"), SPELLINGS, id="encoded"),
    pytest.param("postgresql://u:se/cret@db.example/app", ("se/cret",), id="slash"),
    pytest.param("postgresql://u:se?cret@db.example/app", ("se?cret",), id="question-mark"),
    pytest.param("postgresql://u:se@cret@db.example/app", ("se@",), id="at-sign"),
    pytest.param("postgresql://u@db.example/app?password=secret", ("secret",), id="query"),
    pytest.param("postgresql+psycopg://u@/app?host=/nonexistent&password=se%2Fcret", ("se%2Fcret", "se/cret"), id="q%"),
]


@pytest.mark.parametrize(("url", "secrets"), PASSWORD_URLS)
def test_a_password_in_the_db_option_is_refused_without_repeating_it(url: str, secrets: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, ["--db", url, "user", "list"])
    assert result.exit_code == 2 and "process list" in result.stderr and "USERDESK_DB" in result.stderr
    for secret in secrets:
        assert secret not in result.stdout + result.stderr


def test_backup_and_restore_point_to_pg_dump_on_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    url = with_password("postgresql://kim@/userdesk?host=/nonexistent")
    for args in (("backup", "b.tar"), ("restore", "b.tar")):
        result = run_with_env(monkeypatch, url, *args)
        assert result.exit_code == 1 and "pg_dump" in result.stderr and result.stderr.count("\n") == 1
        assert_secret_never_shown(result.stdout, result.stderr)


def broken_urls(maintenance: str) -> dict[str, str]:
    """A URL per way of failing, each with the password in it."""
    return {
        "unreachable": with_password(maintenance, query={"host": "/nonexistent-socket-dir"}),
        "missing database": with_password(maintenance, database=f"ud_pg-suite_missing_{uuid.uuid4().hex[:8]}"),
        "bad port": with_password(maintenance, port=1),
        "not postgres": with_password(maintenance).replace("postgresql", "postgresqlx", 1),
    }


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_failure_is_one_error_line_without_the_password(
    server, command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, logs: pytest.LogCaptureFixture
) -> None:
    for why, url in broken_urls(server.target("postgres")).items():
        result = run_with_env(monkeypatch, url, *command)
        assert result.exit_code == 1, (why, result.exit_code, result.stdout, result.stderr, result.exception)
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, (why, result.stderr)
        assert_secret_never_shown(result.stdout, result.stderr, logs.text)


@pytest.fixture
def password_url(server) -> Iterator[tuple[str, str]]:
    """(URL of a fresh empty database signed in with the right password, the same with a wrong one)."""
    import os

    base = os.environ.get("USERDESK_TEST_PG_PASSWORD_URL")
    if not base:
        pytest.skip("needs USERDESK_TEST_PG_PASSWORD_URL (a role that signs in with a password: tools/pg_cluster.sh)")
    name = server.create()
    right = make_url(base).set(database=name).render_as_string(hide_password=False)
    yield right, with_password(right)
    server.drop(name)


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_a_wrong_password_is_one_error_line_without_it(
    password_url, command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, logs: pytest.LogCaptureFixture
) -> None:
    _, wrong = password_url
    result = run_with_env(monkeypatch, wrong, *command)
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    if command[0] not in ("backup", "restore"):
        assert "password" in result.stderr, result.stderr
    assert_secret_never_shown(result.stdout, result.stderr, logs.text)


async def test_a_working_url_with_a_password_never_shows_it(
    server, monkeypatch: pytest.MonkeyPatch, logs: pytest.LogCaptureFixture
) -> None:
    """init, demo, a refused command and the audit on a database reached with a password (trust auth ignores it:
    what counts is that it is in the URL); then the admin console's whole screen."""
    from tui.admin.app import AdminApp

    name = server.create()
    try:
        url = with_password(server.target(name))
        outputs = [run_with_env(monkeypatch, url, "init"), run_with_env(monkeypatch, url, "demo", "--users", "3")]
        outputs.append(run_with_env(monkeypatch, url, "user", "show", "nobody"))
        outputs.append(run_with_env(monkeypatch, url, "audit", "--json"))
        assert [r.exit_code for r in outputs] == [0, 0, 1, 0], [(r.stdout, r.stderr) for r in outputs]
        assert f"/{name}" in outputs[0].stdout  # init names the database it made a Userdesk one
        assert_secret_never_shown(*(r.stdout + r.stderr for r in outputs), logs.text)
        assert_secret_never_shown(*(str(row) for row in Cli(url).sql("SELECT * FROM audit")))
        db = Database(url)
        try:
            app = AdminApp(db)
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                assert_secret_never_shown(app.export_screenshot(), app.title, app.sub_title)
        finally:
            db.close()
    finally:
        server.drop(name)


def test_init_refuses_a_database_that_does_not_exist(server, monkeypatch: pytest.MonkeyPatch) -> None:
    url = server.target(f"ud_pg-suite_missing_{uuid.uuid4().hex[:8]}")
    result = run_with_env(monkeypatch, url, "init")
    assert result.exit_code == 1 and "does not exist" in result.stderr and result.stderr.count("\n") == 1


def test_init_makes_an_empty_database_a_userdesk_one_and_is_idempotent(db_target: str, backend: str) -> None:
    runner = Cli(db_target)
    first = runner.ok("init").stdout
    assert "self-service app  created" in first and "schema version" in first
    assert "self-service app  present" in runner.ok("init").stdout
    assert [a["name"] for a in runner.json("app", "list")["apps"]] == ["self-service"]
    if backend == "postgresql":
        assert make_url(db_target).database in first


REDACTED_URLS = [
    pytest.param(
        with_password("postgresql+psycopg://kim@db.example.com/userdesk"),
        "postgresql+psycopg://kim:***@db.example.com/userdesk",
        SECRET.replace("%2F", "/"),
        SPELLINGS,
        id="encoded",
    ),
    pytest.param(
        "postgresql://u:se/cret@db.example/app", "postgresql://u:***@db.example/app", "se/cret", ("cret",), id="slash"
    ),
    pytest.param(
        "postgresql://u:se?cret@db.example/app", "postgresql://u:***@db.example/app", "se?cret", ("cret",), id="qmark"
    ),
    pytest.param(
        "postgresql://u@db.example/app?password=secret",
        "postgresql://u@db.example/app?password=***",
        "secret",
        ("secret",),
        id="query",
    ),
]


@pytest.mark.parametrize(("url", "shown", "decoded", "secrets"), REDACTED_URLS)
def test_a_message_quoting_the_url_is_redacted_by_the_cli(
    monkeypatch: pytest.MonkeyPatch, url: str, shown: str, decoded: str, secrets: tuple[str, ...]
) -> None:
    """The safety net: whatever quotes the URL (a driver, a library, a future message), the `error:` line the CLI
    prints has the password blanked out, in a URL and in a libpq connection string."""
    import store
    from store.errors import DatabaseError

    def quoting(target: str, **_: object) -> None:
        raise DatabaseError(f"cannot open {target} (password={decoded})")

    monkeypatch.setattr(store, "Database", quoting)  # the CLI imports it from store when it opens the database
    result = run_with_env(monkeypatch, url, "user", "list")
    assert result.exit_code == 1 and shown in result.stderr, result.stderr
    assert "password=***" in result.stderr
    for secret in secrets:
        assert secret not in result.stdout + result.stderr


def test_redaction_leaves_ordinary_words_alone() -> None:
    from tui.cli.location import redacted

    target = "postgresql://kim:wrong@db/userdesk"
    assert redacted("refused: wrong password or no access", target) == "refused: wrong password or no access"
    assert redacted("at postgresql://kim:wrong@db/userdesk", target) == "at postgresql://kim:***@db/userdesk"
    assert redacted("password='wrong' at /srv/u.db", target) == "password='***' at /srv/u.db"
