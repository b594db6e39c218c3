"""Foreign hashes that crash, hang or can never verify: refused at import, a plain False at sign-in.

Costly hashes are written from real low-cost hashes (computed by the reference libraries) with only their cost
raised, so each is well-formed and refused for its cost alone. Nothing here computes a costly hash: refusals
happen before any key derivation, and `verify` is checked with the computing function replaced by a recorder.
"""

from __future__ import annotations

import base64
import pathlib
from typing import Any

import bcrypt
import pytest
from argon2 import PasswordHasher
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from passlib import hash as libpass
from sqlmodel import select

from store import foreign_hashes as fh
from store import passwords
from store.db import Database
from store.models import LoginEvent, User
from tests.cli.helpers import Cli
from tests.transfer import fixtures as fx

PW = "correct horse battery staple"
SALT = b"saltsalt"
# libpass accepts a pbkdf2_sha512 hash with 4e9 rounds; hashlib then raises OverflowError when verifying it.
OVERFLOWING = "$pbkdf2-sha512$4000000000$c2FsdHNhbHQ$" + "a" * 86


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def raw(scheme: str, payload: str) -> str:
    """A foreign hash as a database written before the limits holds it (no checks on the way in)."""
    return f"{fh.PREFIX}{scheme}${payload}"


def _bcrypt(cost: int) -> str:
    return bcrypt.hashpw(PW.encode(), bcrypt.gensalt(4)).decode().replace("$04$", f"${cost:02d}$", 1)


def _argon2(memory: int, time: int, parallelism: int) -> str:
    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(PW)
    return cheap.replace("m=64,t=1,p=1", f"m={memory},t={time},p={parallelism}", 1)


def _libpass(handler, rounds: int, old: str, new: str) -> str:
    return handler.using(rounds=rounds).hash(PW).replace(old, new, 1)


COSTLY = {
    "bcrypt cost 31": (_bcrypt(31), "bcrypt cost"),
    "bcrypt cost 15": (_bcrypt(15), "bcrypt cost"),
    "argon2 t=4e9": (_argon2(64, 4_000_000_000, 1), "argon2 time"),
    "argon2 m=4 GiB": (_argon2(4 * 1024 * 1024, 1, 1), "argon2 memory"),
    "argon2 m=1 GiB": (_argon2(1024 * 1024, 1, 1), "argon2 memory"),
    "argon2 256 MiB x 3": (_argon2(256 * 1024, 3, 1), "argon2 memory x time"),
    "argon2 p=255": (_argon2(8 * 255, 1, 255), "argon2 parallelism"),
    "auth0 pbkdf2 2^31-1": (f"$pbkdf2-sha256$i=2147483647,l=32${b64(SALT)}${b64(b'k' * 32)}", "pbkdf2-sha256"),
    "libpass pbkdf2_sha512 4e9": (OVERFLOWING, "pbkdf2-sha512 iterations"),
    "libpass pbkdf2_sha256 2^31-1": (
        _libpass(libpass.pbkdf2_sha256, 1000, "$1000$", f"${2**31 - 1}$"),
        "pbkdf2-sha256 iterations",
    ),
    "ldap_pbkdf2_sha1 5M": (
        _libpass(libpass.ldap_pbkdf2_sha1, 1000, "}1000$", "}5000000$"),
        "pbkdf2-sha1 iterations",
    ),
    "sha512_crypt 999999999": (
        _libpass(libpass.sha512_crypt, 6000, "rounds=6000$", "rounds=999999999$"),
        "sha512_crypt rounds",
    ),
    "sha256_crypt 999999999": (
        _libpass(libpass.sha256_crypt, 6000, "rounds=6000$", "rounds=999999999$"),
        "sha256_crypt rounds",
    ),
    "phpass 2^30": (libpass.phpass.using(rounds=8).hash(PW).replace("$P$6", "$P$S", 1), "phpass rounds"),
    "libpass scrypt ln=20": (
        _libpass(libpass.scrypt, 10, "ln=10,", "ln=20,"),
        "scrypt N x r x p",
    ),
}


@pytest.mark.parametrize("name", COSTLY)
def test_a_costly_hash_is_refused_at_import_naming_the_limit(name: str) -> None:
    value, limit = COSTLY[name]
    with pytest.raises(fh.ForeignHashError, match=f"{limit}.* out of range: the limit is"):
        fh.from_string(value)


def _stored(value: str) -> str:
    """The stored form `from_string` would have produced before the limits (scheme chosen the same way)."""
    if value.startswith("$2"):
        return raw("bcrypt", value)
    if value.startswith("$argon2"):
        return raw("argon2", value)
    if value.startswith("$pbkdf2-sha256$i="):
        return raw("pbkdf2", value)
    return raw("libpass", value)


@pytest.mark.parametrize("name", COSTLY)
def test_a_costly_stored_hash_fails_at_sign_in_without_computing(name: str, monkeypatch) -> None:
    stored = _stored(COSTLY[name][0])
    scheme, _ = fh.unwrap(stored)
    computed: list[str] = []
    check, _compute = fh.SCHEMES[scheme]

    def recording(payload: str, password: str) -> bool:
        computed.append(payload)
        return True

    monkeypatch.setitem(fh.SCHEMES, scheme, (check, recording))
    assert fh.verify(stored, PW) is False
    assert computed == []


def test_verify_never_raises_on_an_overflowing_stored_hash() -> None:
    stored = raw("libpass", OVERFLOWING)
    assert fh.verify(stored, PW) is False
    assert passwords.verify_password(stored, PW) is False


def test_verify_never_raises_whatever_the_verifier_raises(monkeypatch) -> None:
    stored = fh.from_string(bcrypt.hashpw(PW.encode(), bcrypt.gensalt(4)).decode())

    def overflowing(*args: object) -> bool:
        raise OverflowError("iteration value is too great")

    monkeypatch.setattr(bcrypt, "checkpw", overflowing)
    assert fh.verify(stored, PW) is False


@pytest.mark.parametrize(
    "make",
    [
        lambda: fh.pbkdf2_phc("sha256", 27_500, SALT, b"k" * 32),  # Keycloak's old default
        lambda: fh.pbkdf2_phc("sha512", 210_000, SALT, b"k" * 64),  # Keycloak's current default
        lambda: fh.pbkdf2_phc("sha256", 600_000, SALT, b"k" * 32),  # OWASP 2023
        lambda: fh.pbkdf2_phc("sha1", 1_300_000, SALT, b"k" * 20),  # OWASP 2023
        lambda: fh.from_string(_bcrypt(10)),  # Auth0
        lambda: fh.from_string(_bcrypt(13)),
        lambda: fh.argon2_phc("id", 19, 19_456, 2, 1, SALT, b"k" * 32),  # OWASP
        lambda: fh.argon2_phc("id", 19, 65_536, 3, 4, SALT, b"k" * 32),  # RFC 9106, second choice
        lambda: fh.argon2_phc("id", 19, 7_168, 5, 1, SALT, b"k" * 32),  # Keycloak
        lambda: fh.firebase_hash(
            b64(b"k" * 32), b64(SALT), {"signer_key": b64(b"s" * 64), "rounds": 8, "mem_cost": 14}
        ),
        lambda: fh.scrypt_hash(b"k" * 32, SALT, 14, 8, 1),  # Auth0's scrypt default
        lambda: fh.from_string(libpass.sha512_crypt.using(rounds=656_000).hash(PW)),  # libpass default
        lambda: fh.from_string(libpass.phpass.using(rounds=8).hash(PW)),  # WordPress
    ],
)
def test_real_world_costs_are_accepted(make) -> None:
    assert fh.is_foreign(make())


def test_an_ldap_pbkdf2_hash_imports_and_verifies() -> None:
    """libpass's PrefixWrapper schemes have no from_string: the import check parses the wrapped hash."""
    stored = fh.from_string(libpass.ldap_pbkdf2_sha256.using(rounds=1000).hash(PW))
    assert fh.verify(stored, PW) and not fh.verify(stored, PW + "!")


def test_scrypt_that_hashlib_cannot_compute_is_refused_at_import() -> None:
    """ln=20, r=8 needs 1 GiB; it was accepted, and hashlib.scrypt then refused to verify the right password."""
    with pytest.raises(fh.ForeignHashError, match=r"scrypt .* out of range: the limit is"):
        fh.scrypt_hash(b"k" * 32, SALT, 20, 8, 1)
    with pytest.raises(fh.ForeignHashError, match=r"scrypt .* out of range"):
        fh.firebase_hash(b64(b"k" * 32), b64(SALT), {"signer_key": b64(b"s" * 8), "rounds": 8, "mem_cost": 20})


@pytest.mark.parametrize(("log_n", "r", "p"), [(18, 8, 1), (13, 16, 16)])
def test_the_costliest_accepted_scrypt_verifies_the_right_password(log_n: int, r: int, p: int) -> None:
    """At the limits, the key (computed by cryptography's Scrypt, not hashlib) still verifies: the memory an
    accepted hash needs is always within what hashlib.scrypt is given."""
    key = Scrypt(salt=SALT, length=32, n=1 << log_n, r=r, p=p).derive(PW.encode())
    stored = fh.scrypt_hash(key, SALT, log_n, r, p)
    assert fh.verify(stored, PW) is True


def test_every_limit_is_documented() -> None:
    assert all(limit.maximum > 0 and limit.why for limit in fh.COST_LIMITS.values())
    assert set(fh.LIBPASS_COSTS.values()) <= set(fh.COST_LIMITS)
    assert set(fh.LIBPASS_COSTS) <= set(fh.LIBPASS_SCHEMES)


# -- through the CLI ----------------------------------------------------------------------------------------------------


@pytest.fixture
def run(tmp_path: pathlib.Path, cli_target: Any) -> Cli:
    runner = Cli(cli_target("cli.db"))
    runner.ok("init")
    return runner


def test_csv_import_reports_costly_hashes_as_row_errors(run: Cli, tmp_path: pathlib.Path) -> None:
    rows = [["fine", bcrypt.hashpw(PW.encode(), bcrypt.gensalt(4)).decode()], ["slow", _bcrypt(31)]]
    rows.append(["overflow", OVERFLOWING])
    path = fx.write_csv(tmp_path / "users.csv", ["username", "password_hash"], rows)
    out = run.refused("import", str(path), "--format", "csv", "--apply").stdout
    assert any("line 3" in line and "bcrypt cost 31 is out of range" in line for line in out.splitlines()), out
    assert any("line 4" in line and "pbkdf2-sha512 iterations" in line for line in out.splitlines()), out
    run.ok("login", "fine", "--password-stdin", input=PW + "\n")


def test_login_with_an_overflowing_stored_hash_is_a_logged_failure(run: Cli) -> None:
    run.ok("user", "create", "--username", "imported", "--password-stdin", input=PW + "\n")
    db = Database(str(run.target))
    try:
        with db.write() as s:
            user = s.exec(select(User).where(User.username == "imported")).one()
            user.password_hash = raw("libpass", OVERFLOWING)
    finally:
        db.close()
    result = run.refused("login", "imported", "--password-stdin", input=PW + "\n")
    assert "Traceback" not in result.output and "Overflow" not in result.output
    db = Database(str(run.target))
    try:
        with db.read() as s:
            events = s.exec(select(LoginEvent).where(LoginEvent.identifier == "imported")).all()
    finally:
        db.close()
    assert [event.success for event in events] == [False]
