"""Foreign hashes: every fixture is computed by the reference library for a known password."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import bcrypt
import pytest
from argon2 import PasswordHasher
from passlib import hash as libpass

from store import foreign_hashes as fh
from store import passwords

PW = "Tr0ub4dor & the staple, 2026"
WRONG = "Tr0ub4dor & the staple, 2025"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _libpass_cases() -> list[str]:
    return [
        libpass.pbkdf2_sha256.using(rounds=1000).hash(PW),
        libpass.pbkdf2_sha512.using(rounds=1000).hash(PW),
        libpass.ldap_salted_sha1.hash(PW),
        libpass.ldap_salted_sha512.hash(PW),
        libpass.sha512_crypt.using(rounds=5000).hash(PW),
        libpass.md5_crypt.hash(PW),
        libpass.django_pbkdf2_sha256.using(rounds=1000).hash(PW),
        libpass.scrypt.using(rounds=10).hash(PW),
    ]


def stored_hashes() -> dict[str, str]:
    salt = os.urandom(16)
    pb = hashlib.pbkdf2_hmac("sha512", PW.encode(), salt, 1000, 64)
    sc = hashlib.scrypt(PW.encode(), salt=salt, n=1 << 10, r=8, p=1, dklen=32)
    return {
        "bcrypt": fh.from_string(bcrypt.hashpw(PW.encode(), bcrypt.gensalt(4)).decode()),
        "bcrypt-2a": fh.from_string(bcrypt.hashpw(PW.encode(), bcrypt.gensalt(4, prefix=b"2a")).decode()),
        "argon2": fh.from_string(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PW)),
        "pbkdf2-auth0": fh.from_string(f"$pbkdf2-sha512$i=1000,l=64${b64(salt).rstrip('=')}${b64(pb).rstrip('=')}"),
        "pbkdf2-keycloak-256bit": fh.pbkdf2_phc(
            "sha256", 2000, salt, hashlib.pbkdf2_hmac("sha256", PW.encode(), salt, 2000, 32)
        ),
        "pbkdf2-keycloak-sha1-512bit": fh.pbkdf2_phc(
            "sha1", 2000, salt, hashlib.pbkdf2_hmac("sha1", PW.encode(), salt, 2000, 64)
        ),
        "scrypt": fh.scrypt_hash(sc, salt, 10, 8, 1),
        "sha256-prefix": fh.digest_hash("sha256", hashlib.sha256(salt + PW.encode()).digest(), salt, "prefix"),
        "sha1-suffix": fh.digest_hash("sha1", hashlib.sha1(PW.encode() + salt).digest(), salt, "suffix"),
        "md5-utf16": fh.digest_hash("md5", hashlib.md5(PW.encode("utf-16-le")).digest(), b"", "prefix", "utf16le"),
        "hmac-sha256": fh.digest_hash(
            "sha256", hmac.new(b"k3y", PW.encode(), "sha256").digest(), b"", "prefix", hmac_key=b"k3y"
        ),
        **{f"libpass-{n}": fh.from_string(h) for n, h in enumerate(_libpass_cases())},
    }


@pytest.mark.parametrize("name", list(stored_hashes()))
def test_each_scheme_verifies_the_right_password_only(name: str) -> None:
    stored = stored_hashes()[name]
    assert fh.is_foreign(stored)
    assert passwords.verify_password(stored, PW)
    assert not passwords.verify_password(stored, WRONG)
    assert passwords.needs_rehash(stored)


def test_firebase_published_sample_hash() -> None:
    """The sample from github.com/firebase/scrypt (README): project parameters and one user's hash."""
    params = {
        "signer_key": "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
        "separator": "Bw==",
        "rounds": 8,
        "mem_cost": 14,
    }
    stored = fh.firebase_hash(
        "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
        "42xEC+ixf3L2lw==",
        params,
    )
    assert passwords.verify_password(stored, "user1password")
    assert not passwords.verify_password(stored, "user2password")


def test_bcrypt_long_password_is_truncated_as_the_source_did_not_crashed() -> None:
    long_pw = "é" * 50  # 100 bytes in UTF-8
    stored = fh.from_string(bcrypt.hashpw(long_pw.encode()[:72], bcrypt.gensalt(4)).decode())
    assert passwords.verify_password(stored, long_pw)
    assert passwords.verify_password(stored, "é" * 36 + "different tail")  # bcrypt never saw past 72 bytes
    assert not passwords.verify_password(stored, "é" * 35)


def test_native_argon2id_stays_bare() -> None:
    native = passwords.hash_password(PW)
    assert fh.from_string(native, native=lambda h: not passwords.HASHER.check_needs_rehash(h)) == native
    assert not passwords.needs_rehash(native)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("$md4$whatever", "unknown"),
        ("plaintext-password", "unknown"),
        ("$2b$12$tooshort", "bcrypt"),
        ("$pbkdf2-sha256$i=1000,l=32$c2FsdA$!!notbase64!!", "unknown"),
        ("$pbkdf2-sha256$i=1000,l=64$c2FsdA$c2FsdA", "does not match"),
        ("$argon2id$v=19$m=65536,t=3,p=4$%%%$%%%", "argon2"),
        ("", "non-empty"),
        (12345, "non-empty"),
        ("$userdesk-foreign$rot13$abc", "unknown hash scheme"),
    ],
)
def test_malformed_or_unknown_hashes_are_refused(value: object, reason: str) -> None:
    with pytest.raises(fh.ForeignHashError, match=reason):
        fh.from_string(value)


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(fh.ForeignHashError, match="base64"):
        fh.firebase_hash("not base64!", "c2FsdA==", {"signer_key": "a2V5", "rounds": 8, "mem_cost": 14})
    with pytest.raises(fh.ForeignHashError, match="out of range"):
        fh.firebase_hash("a2V5", "c2FsdA==", {"signer_key": "a2V5", "rounds": 8, "mem_cost": 40})
    with pytest.raises(fh.ForeignHashError, match="32 bytes"):
        fh.digest_hash("sha256", b"short", b"", "prefix")
    with pytest.raises(fh.ForeignHashError, match="unsupported"):
        fh.digest_hash("md4", b"x" * 16, b"", "prefix")


def test_a_tampered_stored_hash_fails_closed() -> None:
    assert not passwords.verify_password("$userdesk-foreign$digest${not json", PW)
    assert not passwords.verify_password("$userdesk-foreign$nosuch$x", PW)


def test_sign_in_with_a_foreign_hash_upgrades_it_to_argon2id(db, actor) -> None:
    from store import auth, users
    from store.models import User

    user = users.create_user(db, actor, {"username": "imported"})
    stored = fh.from_string(bcrypt.hashpw(PW.encode(), bcrypt.gensalt(4)).decode())
    with db.write() as s:
        s.get(User, user.id).password_hash = stored
    from store.errors import AuthFailed

    with pytest.raises(AuthFailed):
        auth.authenticate(db, "imported", WRONG)
    assert users.get_user(db, "imported").password_hash == stored  # a failure changes nothing
    assert auth.authenticate(db, "imported", PW).session.token
    upgraded = users.get_user(db, "imported").password_hash
    assert upgraded is not None and upgraded.startswith("$argon2id$") and not passwords.needs_rehash(upgraded)
    assert auth.authenticate(db, "imported", PW).session.token


def test_a_fast_foreign_scheme_still_costs_one_argon2_verification(monkeypatch) -> None:
    """A known user with a salted SHA-256 hash must not answer faster than an unknown user (enumeration)."""
    calls = []

    class Counting:
        def verify(self, stored: str, password: str) -> bool:
            calls.append(stored)
            return PasswordHasher().verify(stored, password)

    monkeypatch.setattr(passwords, "HASHER", Counting())
    stored = fh.digest_hash("sha256", hashlib.sha256(PW.encode()).digest(), b"", "prefix")
    assert passwords.verify_password(stored, PW) and not passwords.verify_password(stored, WRONG)
    assert len(calls) == 2


def test_is_native_agrees_with_the_hashers_own_rehash_check() -> None:
    from argon2 import PasswordHasher

    from store.passwords import HASHER
    from store.transfer.common import is_native

    native = HASHER.hash("x")
    others = [
        PasswordHasher(time_cost=2).hash("x"),
        PasswordHasher(memory_cost=32768).hash("x"),
        PasswordHasher(salt_len=17).hash("x"),
        PasswordHasher(hash_len=31).hash("x"),
        native.replace("$argon2id$", "$argon2i$"),
        native + "A",
    ]
    assert is_native(native)
    for other in others:
        assert not is_native(other), other
        if other.startswith("$argon2id$") and not other.endswith("A"):
            assert HASHER.check_needs_rehash(other)
