"""Admins: SSH keys (formats, fingerprints as OpenSSH prints them), lookup by key, liveness, sign-in, migration."""

from __future__ import annotations

import subprocess

import pyotp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from sqlmodel import select

from store import Actor, AuthFailed, Database, ValidationError, admins, mfa, users
from store.db import SCHEMA_VERSION
from store.errors import PermissionDenied
from store.lockout import THROTTLE_MAX_SECONDS
from store.models import LoginEvent
from tests.conftest import PASSWORD

SETUP = Actor("setup")


def openssh_line(key, comment: str = "me@host") -> str:
    raw = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return f"{raw} {comment}"


def ed25519_line() -> str:
    return openssh_line(ed25519.Ed25519PrivateKey.generate().public_key())


def admin_with_totp(db, name: str = "ada", role: str = "helpdesk") -> str:
    """An admin with a password and confirmed TOTP; returns the TOTP secret."""
    users.create_user(db, SETUP, {"username": name}, password=PASSWORD)
    enrolment = mfa.enroll(db, SETUP, name)
    mfa.confirm(db, SETUP, name, pyotp.TOTP(enrolment.secret).at(db.now()))
    admins.grant(db, SETUP, name, role)
    return enrolment.secret


@pytest.mark.parametrize(
    "make",
    [
        lambda: ed25519.Ed25519PrivateKey.generate().public_key(),
        lambda: ec.generate_private_key(ec.SECP256R1()).public_key(),
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=3072).public_key(),
    ],
    ids=["ed25519", "ecdsa", "rsa-3072"],
)
def test_fingerprint_is_what_ssh_keygen_prints(tmp_path, make) -> None:
    line = openssh_line(make())
    path = tmp_path / "key.pub"
    path.write_text(line + "\n")
    printed = subprocess.run(["ssh-keygen", "-lf", str(path)], capture_output=True, text=True, check=True).stdout
    assert admins.key_fingerprint(line) == printed.split()[1]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "one OpenSSH public key line"),
        ("ssh-ed25519", "expected '<type> <base64>"),
        ("ssh-ed25519 not-base64!!", "Not a usable OpenSSH public key"),
        ("ssh-ed25519 AAAA\nssh-rsa AAAA", "one OpenSSH public key line"),
        ("-----BEGIN PUBLIC KEY----- AAAA", "Not a usable OpenSSH public key"),
    ],
)
def test_bad_keys_are_refused(line, message) -> None:
    with pytest.raises(ValidationError, match=message):
        admins.key_fingerprint(line)


def test_short_rsa_is_refused() -> None:
    line = openssh_line(rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key())
    with pytest.raises(ValidationError, match="at least 3072 bits; this one has 2048"):
        admins.key_fingerprint(line)


def test_keys_belong_to_admins_only_once(db) -> None:
    users.create_user(db, SETUP, {"username": "plain"})
    line = ed25519_line()
    with pytest.raises(ValidationError, match="'plain' is not an admin: grant a role first"):
        admins.add_key(db, SETUP, "plain", line)
    admins.grant(db, SETUP, "plain", "auditor")
    view = admins.add_key(db, SETUP, "plain", line)
    assert view.fingerprint == admins.key_fingerprint(line) and view.comment == "me@host"
    with pytest.raises(ValidationError, match="already registered"):
        admins.add_key(db, SETUP, "plain", line)
    assert [k.fingerprint for k in admins.list_keys(db, "plain")] == [view.fingerprint]
    admins.remove_key(db, SETUP, "plain", view.fingerprint)
    assert admins.list_keys(db) == []


def test_find_admin_by_key_and_liveness(db, clock) -> None:
    users.create_user(db, SETUP, {"username": "kai"})
    admins.grant(db, SETUP, "kai", "user_admin")
    line = ed25519_line()
    admins.add_key(db, SETUP, "kai", line)
    assert admins.find_admin_by_key(db, ed25519_line()) is None
    assert admins.find_admin_by_key(db, "garbage") is None
    clock.advance(60)
    found = admins.find_admin_by_key(db, line)
    assert found is not None and (found.username, found.role) == ("kai", "user_admin")
    assert admins.list_keys(db, "kai")[0].last_used_at is None  # a look-up (a key merely offered) writes nothing
    assert admins.mark_key_used(db, line) == found  # the key was proven: now it counts as used
    assert admins.list_keys(db, "kai")[0].last_used_at == db.now()
    assert admins.admin_is_current(db, found.user_id, "user_admin")
    assert not admins.admin_is_current(db, found.user_id, "owner")
    users.disable_user(db, SETUP, "kai")
    assert admins.find_admin_by_key(db, line) is None
    assert not admins.admin_is_current(db, found.user_id, "user_admin")
    users.enable_user(db, SETUP, "kai")
    admins.revoke(db, SETUP, "kai")
    assert admins.find_admin_by_key(db, line) is None
    assert not admins.admin_is_current(db, found.user_id, "user_admin")


def test_list_admins_shows_roles_keys_and_totp(db) -> None:
    admin_with_totp(db, "ada", "owner")
    users.create_user(db, SETUP, {"username": "bo"})
    admins.grant(db, SETUP, "bo", "auditor", reason="quarterly review")
    admins.add_key(db, SETUP, "bo", ed25519_line())
    listed = admins.list_admins(db)
    assert [(a.username, a.role, a.has_totp, len(a.keys)) for a in listed] == [
        ("ada", "owner", True, 0),
        ("bo", "auditor", False, 1),
    ]
    assert listed[1].reason == "quarterly review" and listed[1].granted_by == "setup"


def test_sign_in_needs_an_admin_role_and_totp(db, clock) -> None:
    secret = admin_with_totp(db, "ada", "helpdesk")
    clock.advance(60)
    identity, signed = admins.sign_in(db, "ada", PASSWORD, pyotp.TOTP(secret).at(db.now()))
    assert (identity.username, identity.role) == ("ada", "helpdesk") and signed.method == "totp"
    clock.advance(60)
    with pytest.raises(AuthFailed):
        admins.sign_in(db, "ada", PASSWORD, "000000")
    users.create_user(db, SETUP, {"username": "notadmin"}, password=PASSWORD)
    with pytest.raises(AuthFailed):
        admins.sign_in(db, "notadmin", PASSWORD, "123456")
    users.create_user(db, SETUP, {"username": "nototp"}, password=PASSWORD)
    admins.grant(db, SETUP, "nototp", "auditor")
    with pytest.raises(PermissionDenied, match="admins must have TOTP"):
        admins.sign_in(db, "nototp", PASSWORD, "123456")
    with db.read() as s:
        reasons = [e.reason for e in s.exec(select(LoginEvent).order_by(LoginEvent.id)).all()]
    assert reasons[-3:] == ["wrong or replayed TOTP code", "not an admin", "admin without TOTP"]


def test_sign_in_goes_through_the_lockout(db, clock) -> None:
    secret = admin_with_totp(db, "ada", "owner")
    for _ in range(db.policy.lockout_threshold):
        with pytest.raises(AuthFailed):
            admins.sign_in(db, "ada", "wrong password entirely", "000000")
        clock.advance(THROTTLE_MAX_SECONDS)  # past the progressive delay, so each failure counts
    clock.advance(60)
    with pytest.raises(AuthFailed):
        admins.sign_in(db, "ada", PASSWORD, pyotp.TOTP(secret).at(db.now()))


def test_schema_v4_database_is_migrated_to_admins(db_target, tmp_path, config, clock) -> None:
    """The v4 -> v5 step on either backend (one migration path: SQLAlchemy inspection, no PRAGMA)."""
    key = tmp_path / "old.key"
    old = Database(db_target, create=True, config=config, key_path=key, clock=clock)
    with old.writer.begin() as conn:
        for column in ("actor_kind", "actor_role", "actor_key"):
            conn.exec_driver_sql(f"ALTER TABLE audit DROP COLUMN {column}")
        conn.exec_driver_sql("DROP TABLE admin_key")
        conn.exec_driver_sql("DROP TABLE admin_role")
        old._backend.set_schema_version(conn, 4)
    old.close()
    db = Database(db_target, config=config, key_path=key, clock=clock)
    try:
        assert db.schema_version() == SCHEMA_VERSION == 5
        users.create_user(db, Actor.local(), {"username": "after"})
        admins.grant(db, Actor.local(), "after", "owner")
        assert [a.username for a in admins.list_admins(db)] == ["after"]
    finally:
        db.close()


def test_ssh_totp_gate_is_throttled_and_locked_like_sign_in(db, clock) -> None:
    """verify_totp reserves the attempt first (store/lockout.py): quick failures are throttled, the right code too."""
    secret = admin_with_totp(db, "ada", "owner")
    identity = admins.identity_of(db, "ada")
    clock.advance(60)
    for _ in range(2):
        with pytest.raises(AuthFailed):
            admins.verify_totp(db, identity, "000000")
    with pytest.raises(AuthFailed) as refused:  # a 2 s wait after the 2nd failure: not even the right code
        admins.verify_totp(db, identity, pyotp.TOTP(secret).at(db.now()))
    assert refused.value.reason == "throttled"
    for _ in range(db.policy.lockout_threshold - 2):
        clock.advance(THROTTLE_MAX_SECONDS)
        with pytest.raises(AuthFailed):
            admins.verify_totp(db, identity, "000000")  # the last one the threshold allows locks the account
    clock.advance(THROTTLE_MAX_SECONDS)
    with pytest.raises(AuthFailed) as refused:
        admins.verify_totp(db, identity, pyotp.TOTP(secret).at(db.now()))
    assert refused.value.reason == "account locked"
    assert users.is_locked(users.get_user(db, "ada"), db.now())


def test_ssh_totp_gate_accepts_the_right_code_and_resets_nothing_it_should_not(db, clock) -> None:
    secret = admin_with_totp(db, "ada", "owner")
    identity = admins.identity_of(db, "ada")
    clock.advance(60)
    with pytest.raises(AuthFailed):
        admins.verify_totp(db, identity, "000000")
    admins.verify_totp(db, identity, pyotp.TOTP(secret).at(db.now()))  # one typo: no wait
    assert users.get_user(db, "ada").failed_attempts == 1  # the reservation was given back, the failure stays
