"""`userdesk demo` and store.demo.build: contents, determinism, refusal, and signing in as the demo users."""

from __future__ import annotations

import pathlib
import re
import sqlite3

import pytest

from store import Database, directory
from store import demo as demo_builder
from store.passwords import verify_password
from tests.cli.helpers import OATHTOOL, Cli, totp_code
from tests.conftest import FIXED_NOW

pytestmark = pytest.mark.sqlite_only(
    reason="the SQLite file: FTS5 tables, journal mode, sqlite3 snapshots (both: tests/store/test_demo_backends.py)"
)

USER_COLUMNS = (
    "id, uid, username, email, email_verified, phone, phone_verified, name, gender, birthdate, company, city, "
    "country, locale, zoneinfo, external_id, status, status_changed_at, created_at, updated_at, "
    "password_hash, must_change_password, last_login_at, login_count, last_ip, failed_attempts, "
    "locked_until, mfa_state, totp_last_step, version"
)
DETERMINISTIC = {
    "user": f"SELECT {USER_COLUMNS} FROM user ORDER BY id",
    "login_event": "SELECT * FROM login_event ORDER BY id",
    "session": "SELECT id, sid, user_id, app_id, ip, user_agent, method, created_at, last_seen_at, absolute_expires_at "
    "FROM session ORDER BY id",
    "custom_value": "SELECT * FROM custom_value ORDER BY user_id, field_id",
    "group_member": "SELECT * FROM group_member ORDER BY group_id, user_id",
    "identity": "SELECT * FROM identity ORDER BY id",
    "recovery_code": "SELECT user_id, used_at FROM recovery_code ORDER BY id",
    "app": "SELECT * FROM app ORDER BY id",
    "app_rule": "SELECT * FROM app_rule ORDER BY id",
    "custom_field": "SELECT * FROM custom_field ORDER BY id",
    "user_search_data": "SELECT * FROM user_search_data ORDER BY id",
    "user_search_idx": "SELECT * FROM user_search_idx ORDER BY segid, term",
    "user_search_docsize": "SELECT * FROM user_search_docsize ORDER BY id",
    "user_search_config": "SELECT * FROM user_search_config ORDER BY k",
}


def snapshot(path: pathlib.Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        return {table: conn.execute(sql).fetchall() for table, sql in DETERMINISTIC.items()}


def fixed_db(tmp_path: pathlib.Path, name: str) -> Database:
    return Database(str(tmp_path / name), create=True, key_path=tmp_path / "demo.key", clock=lambda: FIXED_NOW)


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Database, demo_builder.DemoSummary]:
    tmp = tmp_path_factory.mktemp("demo")
    db = fixed_db(tmp, "demo.db")
    summary = demo_builder.build(db, users=300, seed=7)
    yield db, summary
    db.close()


def test_same_seed_and_clock_give_the_same_directory(
    tmp_path: pathlib.Path, small_demo: tuple[Database, demo_builder.DemoSummary]
) -> None:
    db, _ = small_demo
    again = fixed_db(tmp_path, "again.db")
    demo_builder.build(again, users=300, seed=7)
    assert snapshot(db.path) == snapshot(again.path)
    other = fixed_db(tmp_path, "other.db")
    demo_builder.build(other, users=300, seed=8)
    assert snapshot(other.path)["user"] != snapshot(db.path)["user"]


def test_generating_in_a_second_process_gives_the_same_rows(tmp_path: pathlib.Path) -> None:
    inline = fixed_db(tmp_path, "inline.db")
    forked = fixed_db(tmp_path, "forked.db")
    demo_builder.build(inline, users=1200, seed=3, parallel=False, heavy_history=False)
    summary = demo_builder.build(forked, users=1200, seed=3, parallel=True, heavy_history=False)
    if not summary.parallel:
        pytest.skip("no fork here, or the test runner has threads: the builder generated inline")
    assert snapshot(inline.path) == snapshot(forked.path)


def test_small_demo_covers_every_state_and_feature(small_demo: tuple[Database, demo_builder.DemoSummary]) -> None:
    db, summary = small_demo
    assert summary.users == 300 and sum(summary.states.values()) == 300
    assert all(summary.states[s] > 0 for s in ("active", "disabled", "archived", "locked"))
    with sqlite3.connect(db.path) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        assert one("SELECT count(*) FROM user") == 300
        assert one("SELECT count(DISTINCT status) FROM user") == 3
        assert (
            one(f"SELECT count(*) FROM user WHERE locked_until > {FIXED_NOW} AND failed_attempts >= 5")
            == summary.states["locked"]
        )
        mfa = one("SELECT count(*) FROM user WHERE mfa_state = 'active'")
        assert mfa == summary.mfa and 0.1 * 300 < mfa < 0.3 * 300
        assert one("SELECT count(*) FROM user WHERE mfa_state = 'active' AND totp_secret IS NULL") == 0
        assert one("SELECT count(DISTINCT user_id) FROM recovery_code") == mfa
        assert one("SELECT count(*) FROM user WHERE phone IS NOT NULL AND phone NOT GLOB '+[1-9]*'") == 0
        assert one("SELECT count(DISTINCT password_hash) FROM user") == 1
        assert one("SELECT count(*) FROM login_event WHERE success = 0 AND reason IS NOT NULL") > 0
        assert one("SELECT count(*) FROM login_event WHERE success = 1") > 0
        assert one("SELECT count(DISTINCT method) FROM login_event") >= 3
        assert one("SELECT count(*) FROM login_event WHERE user_id IS NULL AND reason = 'unknown user'") > 0
        assert (
            one(f"SELECT count(*) FROM session WHERE revoked_at IS NULL AND absolute_expires_at > {FIXED_NOW}")
            == summary.sessions
            > 0
        )
        assert one("SELECT count(*) FROM session WHERE length(token_hash) != 64") == 0
        assert {r[0] for r in conn.execute("SELECT provider FROM identity")} == {"github", "google"}
        assert {r[0] for r in conn.execute("SELECT name FROM app")} == {
            "crm",
            "billing",
            "wiki",
            "self-service",
            "hr-portal",
        }
        assert one("SELECT default_policy FROM app WHERE name = 'billing'") == "deny"
        assert one("SELECT count(*) FROM grp") == 7 and one("SELECT count(*) FROM group_member") > 100
        assert one("SELECT count(*) FROM custom_field WHERE user_editable") >= 1
        assert one("SELECT count(DISTINCT field_id) FROM custom_value") == 6
        assert one("SELECT count(*) FROM audit WHERE action = 'demo.build'") == 1
        assert one("SELECT count(*) FROM user WHERE username = 'demo.heavy'") == 0  # only from 1,000 users
        assert one("PRAGMA journal_mode") == "wal"
        assert one("PRAGMA integrity_check") == "ok"
    assert verify_password(demo_builder.DEMO_PASSWORD_HASH, demo_builder.DEMO_PASSWORD)


def test_search_index_and_triggers_are_live_after_the_build(
    small_demo: tuple[Database, demo_builder.DemoSummary], tmp_path: pathlib.Path
) -> None:
    db, _ = small_demo
    rows = directory.search(db, "demo.tot")
    assert [r.username for r in rows] == ["demo.totp"]
    with sqlite3.connect(db.path) as conn:
        triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        indexes = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        }
    assert triggers == {"user_search_ai", "user_search_ad", "user_search_au"}
    fresh = Database(str(tmp_path / "fresh.db"), create=True, key_path=tmp_path / "fresh.key")
    with sqlite3.connect(fresh.path) as conn:
        assert indexes == {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        }


def test_demo_command_prints_credentials_refuses_a_full_database_and_signs_in(tmp_path: pathlib.Path) -> None:
    run = Cli(tmp_path / "demo.db")
    run.ok("init")  # the self-service app from init does not count as content
    out = run.ok("demo", "--users", "300", "--seed", "5").stdout
    assert re.search(r"users\s+300 \(\d+ active, \d+ disabled, \d+ archived, \d+ locked\)", out)
    assert f"Every demo user's password is: {demo_builder.DEMO_PASSWORD}" in out
    uri = re.search(r"(otpauth://totp/Userdesk:demo\.totp\?secret=([A-Z2-7]+)&issuer=Userdesk)", out)
    assert uri and re.search(r"time\s+\d+\.\d s", out)

    refused = run.refused("demo", "--users", "300")
    assert "already holds a directory" in refused.stderr and "--force" in refused.stderr
    assert run.json("user", "list", "--limit", "1")["count"] == 300  # untouched

    summary = run.json("demo", "--users", "400", "--seed", "6", "--force")
    assert summary["users"] == 400 and "password" not in summary and "totp_secret" not in summary
    assert run.json("user", "list")["count"] == 400
    audit = [e["action"] for e in run.json("audit", "--limit", "100")["audit"]]
    assert "demo.wipe" in audit and "demo.build" in audit

    password = demo_builder.DEMO_PASSWORD + "\n"
    assert run.json("login", "demo.user", "--password-stdin", "--app", "self-service", input=password)
    shown = run.json("user", "show", "demo.totp")
    assert shown["mfa"] == {"state": "active", "recovery_codes_left": 10}
    run.refused("demo", "--users", "2", code=2)


@pytest.mark.skipif(OATHTOOL is None, reason="oathtool is not installed")
def test_demo_totp_user_signs_in_with_the_printed_secret(tmp_path: pathlib.Path) -> None:
    run = Cli(tmp_path / "totp.db")
    out = run.ok("demo", "--users", "50").stdout
    secret = re.search(r"secret: ([A-Z2-7]+)", out).group(1)
    codes = [line.strip() for line in out.splitlines() if re.fullmatch(r"\s+([a-z2-7]{4}-){5}[a-z2-7]{4}", line)]
    password = demo_builder.DEMO_PASSWORD + "\n"
    code = totp_code(secret)
    assert run.json("login", "demo.totp", "--password-stdin", "--totp-stdin", input=password + code)["method"] == "totp"
    run.refused("login", "demo.totp", "--password-stdin", "--totp-stdin", input=password + code)  # replay
    assert len(codes) == 10
    assert (
        run.json("login", "demo.totp", "--password-stdin", "--recovery-code-stdin", input=password + codes[3])["method"]
        == "recovery_code"
    )
