"""Password policy (NIST 800-63B) and argon2id hashing (RFC 9106 / OWASP)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from . import foreign_hashes
from .config import Policy
from .errors import ValidationError

# RFC 9106 "second recommended option" (argon2-cffi's default profile): t=3, m=64 MiB, p=4,
# 16-byte salt, 32-byte tag. Above the OWASP floor (m=19456, t=2, p=1).
HASHER = PasswordHasher()
BLOCKLIST_SIZE = 30_000
# A valid hash of a random password, verified against when the user is unknown, so that
# unknown users cost the same time as known ones. Precomputed (hashing it at import added
# ~0.13 s to every start of the consoles and the CLI); made afresh only if HASHER's parameters change.
_PRECOMPUTED_DUMMY = "$argon2id$v=19$m=65536,t=3,p=4$ot43sA/7UmB0NSmXjzW8kw$/ehxRAggxSUp7vgVDe5Dc3xmDaCOL/8auMBU1rjlNAQ"
_DUMMY_HASH = (
    _PRECOMPUTED_DUMMY
    if not HASHER.check_needs_rehash(_PRECOMPUTED_DUMMY)
    else HASHER.hash("userdesk-dummy-password-for-timing")
)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords (zxcvbn's list, from leaked password corpora)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"][:BLOCKLIST_SIZE])


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


# NFKC can shrink text (e.g. Hangul jamo compose 3:1), so a typed password longer than this factor
# times the maximum is refused without normalising it: it bounds the work an attacker can ask for.
INPUT_FACTOR = 4


def within_limit(password: str, max_length: int) -> str | None:
    """THE length rule, the same for setting and for checking a password: normalise (NFKC) first, then
    at most `max_length` code points. Returns the normalised password, or None when it is too long
    (or cannot be encoded: lone surrogates). Never truncates: a longer password is refused when it is
    set (check_policy) and simply fails when it is tried (auth.check_password)."""
    if len(password) > max_length * INPUT_FACTOR:
        return None
    pw = normalise(password)
    if len(pw) > max_length:
        return None
    try:
        pw.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return pw


_SEQUENCES = ("0123456789" * 4, "abcdefghijklmnopqrstuvwxyz" * 2, "qwertyuiopasdfghjklzxcvbnm" * 2)


def is_predictable(folded: str) -> bool:
    """Repetitions ('abcabc'), runs ('1234567890123'), or a blocklisted word padded with digits/symbols."""
    n = len(folded)
    if any(n % k == 0 and folded == folded[:k] * (n // k) for k in range(1, n // 2 + 1)):
        return True
    if any(folded in seq or folded in seq[::-1] for seq in _SEQUENCES):
        return True
    core = folded.strip("0123456789!@#$%^&*()_+-=.,?~ ")
    return len(core) >= 4 and core != folded and (core in common_passwords() or is_predictable(core))


def check_policy(password: str, policy: Policy, context: tuple[str | None, ...] = ()) -> str:
    """Return the normalised password, or raise ValidationError saying why it is refused."""
    if not isinstance(password, str) or not password:
        raise ValidationError("Password is empty.", "password")
    if "\x00" in password:
        raise ValidationError("Password must not contain a NUL character.", "password")
    checked = within_limit(password, policy.password_max_length)
    if checked is None:
        if len(password) <= policy.password_max_length * INPUT_FACTOR and _unencodable(password):
            raise ValidationError("Password contains characters that are not valid text.", "password")
        raise ValidationError(f"Password is too long: at most {policy.password_max_length} characters.", "password")
    pw = checked
    length = len(pw)  # code points, after NFKC
    if length < policy.password_min_length:
        raise ValidationError(
            f"Password is too short: {length} characters; at least {policy.password_min_length} are required.",
            "password",
        )
    folded = pw.casefold()
    if folded in common_passwords():
        raise ValidationError("Password is too common: it appears in lists of leaked passwords.", "password")
    if is_predictable(folded):
        raise ValidationError(
            "Password is too common: it is a repeated or sequential pattern, or a common "
            "password with digits or symbols added.",
            "password",
        )
    for word in context:
        if not word:
            continue
        word = normalise(word).casefold()
        if len(word) >= 4 and (folded == word or word in folded):
            raise ValidationError("Password must not contain your username, email address or name.", "password")
    if folded in ("userdesk", "userdeskuserdesk") or (
        folded.startswith("userdesk") and len(folded) < policy.password_min_length + 4
    ):
        raise ValidationError("Password must not be based on the application's name.", "password")
    return pw


def _unencodable(password: str) -> bool:
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def hash_password(password: str) -> str:
    return HASHER.hash(normalise(password))


def verify_password(stored: str | None, password: str) -> bool:
    """Constant-cost check; an absent hash still costs one argon2 verification."""
    if foreign_hashes.is_foreign(stored):  # imported from another system: verified by its own scheme,
        ok = foreign_hashes.verify(stored, password)  # plus one argon2 verification so that a fast foreign
        verify_password(None, password)  # scheme (a salted SHA-256) never tells a known user by its speed
        return ok
    try:
        return HASHER.verify(stored or _DUMMY_HASH, normalise(password)) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """A foreign hash is always replaced by the policy's argon2id hash at the first successful sign-in."""
    return foreign_hashes.is_foreign(stored) or HASHER.check_needs_rehash(stored)
