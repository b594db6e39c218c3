"""Database safety: pragmas, permissions, migrations, key file, secrets at rest, layering."""

import subprocess
import sys
from pathlib import Path

import pyotp
import pytest

from store import Database, DatabaseError, auth, mfa, users
from store.crypto import Keys
from store.db import SCHEMA_VERSION

from ..conftest import PASSWORD


@pytest.mark.sqlite_only(reason="SQLite pragmas and the file's mode")
def test_pragmas_and_permissions(db):
    with db.reader.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    assert oct(db.path.stat().st_mode & 0o777) == "0o600"


def test_missing_database_is_refused_unless_created(db_target, tmp_path):
    """A missing file (SQLite) or an empty database (PostgreSQL) is made a directory only by `init`."""
    with pytest.raises(DatabaseError, match="`userdesk init`"):
        Database(db_target, key_path=tmp_path / "k")
    Database(db_target, create=True, key_path=tmp_path / "k").close()
    again = Database(db_target, key_path=tmp_path / "k")
    assert again.schema_version() == SCHEMA_VERSION
    again.close()


def test_newer_schema_refused(db, db_target, tmp_path):
    with db.writer.begin() as conn:
        db._backend.set_schema_version(conn, SCHEMA_VERSION + 1)
    with pytest.raises(DatabaseError, match="newer than this userdesk"):
        Database(db_target, key_path=tmp_path / "test.key")


def test_wrong_key_file_refused(db, db_target, tmp_path):
    other = tmp_path / "other.key"
    Keys.load_or_create(other)  # a valid key, of another database
    with pytest.raises(DatabaseError, match="different key file"):
        Database(db_target, key_path=other)


def test_missing_key_for_an_existing_database_is_refused(db, db_target, tmp_path):
    missing = tmp_path / "elsewhere.key"
    for create in (False, True):  # not even `init` replaces the key of an existing database
        with pytest.raises(DatabaseError, match=r"key file .*elsewhere\.key is missing"):
            Database(db_target, key_path=missing, create=create)
        assert not missing.exists()


@pytest.mark.sqlite_only(reason="sqlite:/// URLs")
def test_sqlite_url_accepted_other_urls_refused(db, tmp_path):
    again = Database(f"sqlite:///{db.path}", key_path=tmp_path / "test.key")
    assert again.schema_version() == SCHEMA_VERSION
    for url in ("mysql://x/y", "oracle://x/y"):
        with pytest.raises(DatabaseError, match="unsupported database"):
            Database(url, key_path=tmp_path / "test.key")
    with pytest.raises(DatabaseError, match="unsupported PostgreSQL driver"):
        Database("postgresql+asyncpg://x/y", key_path=tmp_path / "test.key")


def _stored_bytes(db: Database) -> bytes:
    """Everything the database holds: the SQLite files, or every row of every table as PostgreSQL text."""
    if db.backend == "sqlite":
        return b"".join(p.read_bytes() for p in db.path.parent.glob(db.path.name + "*"))
    with db.reader.connect() as conn:
        tables = conn.exec_driver_sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").scalars().all()
        rows = [conn.exec_driver_sql(f'SELECT t::text FROM "{t}" t').scalars().all() for t in tables]
    return "\n".join(str(row) for table in rows for row in table).encode()


def test_no_plain_secrets_in_database_file(db, actor, clock):
    users.create_user(db, actor, {"username": "sec"}, password=PASSWORD)
    e = mfa.enroll(db, actor, "sec")
    codes = mfa.confirm(db, actor, "sec", pyotp.TOTP(e.secret).at(clock.now))
    clock.advance(30)
    issued = auth.authenticate(db, "sec", PASSWORD, totp=pyotp.TOTP(e.secret).at(clock.now)).session
    blob = _stored_bytes(db)
    assert b"sec" in blob  # the check reads the stored rows
    db.close()
    for secret in (e.secret, issued.token, PASSWORD, codes[0], codes[0].replace("-", "")):
        assert secret.encode() not in blob, secret


def test_store_never_imports_textual():
    code = (
        "import sys, store, store.users, store.auth, store.directory, store.codes, store.mfa, store.custom; "
        "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2]
    ).stdout.strip()
    assert out == "False"


@pytest.mark.parametrize(
    "env,message",
    [
        ({"USERDESK_POLICY_PASSWORD_MIN_LENGTH": "4"}, "must be between 8 and 64"),
        ({"USERDESK_POLICY_LOCKOUT_THRESHOLD": "1000"}, "must be between 1 and 100"),
        ({"USERDESK_POLICY_LOCKOUT_THRESHOLD": "abc"}, "must be a whole number"),
        ({"USERDESK_POLICY_NOPE": "1"}, "unknown setting"),
    ],
)
def test_bad_configuration_is_refused_clearly(monkeypatch, env, message):
    from store.config import ConfigError, load_config

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=message):
        load_config()


def test_unreadable_config_file_is_refused_clearly(tmp_path):
    from store.config import ConfigError, load_config

    bad = tmp_path / "config.toml"
    bad.write_text("[policy\n")
    with pytest.raises(ConfigError, match="invalid configuration"):
        load_config(bad)


def test_times_after_2038_are_stored(db, actor):
    """Times are 64-bit on both backends: PostgreSQL's INTEGER (32-bit) would refuse a lock that ends after 2038."""
    from store.models import User

    user = users.create_user(db, actor, {"username": "future"})
    later = 2**31 + 86_400  # 2038-01-20
    with db.write() as s:
        row = s.get(User, user.id)
        row.locked_until = row.last_login_at = later
    assert users.get_user(db, "future").locked_until == later
