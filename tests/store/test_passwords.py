"""Password policy (NIST 800-63B) and storage (argon2id, RFC 9106)."""

import re
import unicodedata

import pytest
from argon2 import PasswordHasher

from store import ValidationError, auth, passwords, users
from store.config import Policy

pytestmark = pytest.mark.real_argon2  # the policy's real profile: its parameters and cost are what is tested

POLICY = Policy()


def test_min_length_in_code_points_default_15():
    with pytest.raises(ValidationError, match="too short: 14 characters; at least 15"):
        passwords.check_policy("abcdefghijklmn", POLICY)
    assert passwords.check_policy("naïve café über", POLICY)  # 15 code points
    with pytest.raises(ValidationError, match="too short: 14"):
        passwords.check_policy("naïve café übe", POLICY)


def test_min_length_configurable_but_not_below_policy():
    assert passwords.check_policy("tulip-galaxy", Policy(password_min_length=8))


def test_long_passwords_accepted_and_not_truncated():
    pw = "a long passphrase that keeps going " * 3  # > 64 chars
    assert len(pw) > 64
    stored = passwords.hash_password(pw)
    changed = pw[:63] + ("X" if pw[63] != "X" else "Y") + pw[64:]
    assert passwords.verify_password(stored, pw)
    assert not passwords.verify_password(stored, changed)


def test_nfkc_normalisation_composed_and_decomposed_verify():
    composed = "caf\u00e9 au lait sans sucre"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert passwords.verify_password(passwords.hash_password(composed), decomposed)


def test_no_composition_rules():
    assert passwords.check_policy("purple monkey dishwasher tonight", POLICY)


@pytest.mark.parametrize("pw", ["passwordpassword", "123456789012345", "aaaaaaaaaaaaaaaaa"])
def test_common_passwords_refused_with_reason(pw):
    with pytest.raises(ValidationError, match=r"too common|appears"):
        passwords.check_policy(pw, Policy(password_min_length=8))


def test_context_words_refused():
    with pytest.raises(ValidationError, match="must not contain your username"):
        passwords.check_policy("margaret.h-secret-thing", POLICY, ("margaret.h", "maggie"))


def test_nul_refused():
    with pytest.raises(ValidationError, match="NUL"):
        passwords.check_policy("abc\x00defghijklmnopq", POLICY)


def test_hash_is_argon2id_above_owasp_floor_with_random_salt():
    a, b = passwords.hash_password("same password here!"), passwords.hash_password("same password here!")
    assert a != b
    m, t, _p = map(int, re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", a).groups())
    assert (m >= 19456 and t >= 2) or (m >= 47104 and t >= 1)
    salt, tag = a.split("$")[-2:]
    assert len(salt) >= 22 and len(tag) >= 43  # 16-byte salt, 32-byte tag in base64


def test_rehash_on_sign_in_when_below_policy(db, actor):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("correct horse battery staple")
    user = users.create_user(db, actor, {"username": "old"})
    with db.write() as s:
        s.get(type(user), user.id).password_hash = weak
    auth.authenticate(db, "old", "correct horse battery staple")
    stored = users.get_user(db, "old").password_hash
    assert stored != weak and "m=65536,t=3,p=4" in stored


def test_admin_temporary_password_must_change(db, actor):
    users.create_user(db, actor, {"username": "tmp"})
    users.set_password(db, actor, "tmp", "temporary but long enough", must_change=True)
    signed = auth.authenticate(db, "tmp", "temporary but long enough")
    assert signed.must_change_password is True
