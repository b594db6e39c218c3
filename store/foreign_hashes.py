"""Password hashes brought in from other systems: recognised, stored as they are, verified at sign-in.

Representation (no schema change): a foreign hash lives in `user.password_hash` as

    $userdesk-foreign$<scheme>$<payload>

`scheme` names the verifier; `payload` is the hash as the source system wrote it (bcrypt, argon2,
pbkdf2 in Auth0's PHC form, any libpass-recognised MCF/PHC/LDAP string) or, for schemes whose
parameters live outside the hash (Auth0 digests and scrypt, Firebase's modified scrypt), a compact
JSON object with base64 fields. Userdesk's own argon2id hashes stay bare, so `passwords` only needs a
prefix test to dispatch. A foreign hash always "needs rehash": the first successful sign-in replaces
it with the policy's argon2id hash (store.auth does that).

Every constructor here parses and checks what it is given (base64, parameters, lengths), so a hash
that could never verify is refused at import as a row error, never stored as a user who silently
cannot sign in. The same checks include COST_LIMITS (one table, one line of reasons per limit): an
imported hash whose cost would make one sign-in run for minutes or hours (bcrypt cost 31, argon2
t=4e9, pbkdf2 with 2^31 rounds) is refused at import naming the limit, and `verify` re-runs the
checks before computing, so such a hash already stored is a plain False at once. Verification
never raises, whatever is stored: any error is False.

Libraries: libpass (the maintained passlib fork, import name `passlib`) for the MCF/PHC/LDAP families,
`bcrypt`, `argon2-cffi`, and the standard library's pbkdf2_hmac and scrypt. Auth0's `$pbkdf2-<alg>$i=,l=`
form and Firebase's modified scrypt (scrypt, then AES-256-CTR over the project's signer key) are small
verifiers written here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeGuard

PREFIX = "$userdesk-foreign$"
MAX_HASH = 4096  # characters of a stored hash (payload included)
BCRYPT_MAX_BYTES = 72
DIGESTS = ("md5", "sha1", "sha256", "sha512")
PBKDF2_DIGESTS = ("sha1", "sha256", "sha512")
PASSWORD_ENCODINGS = {"utf8": "utf-8", "utf-8": "utf-8", "utf16le": "utf-16-le", "latin1": "latin-1", "ascii": "ascii"}


@dataclass(frozen=True)
class CostLimit:
    """The most a foreign hash may cost. Limits sit well above what real systems emit, and low enough that one
    verification stays under about a second on a small shared server (measured on the 2-core dev machine;
    a password that NFKC-normalisation changes is tried twice)."""

    maximum: int
    why: str


# The one table of cost limits. Keys are the names used in row errors ("bcrypt cost 31 is above the limit of 14").
COST_LIMITS: dict[str, CostLimit] = {
    "bcrypt cost": CostLimit(14, "Auth0 and most systems use 10-12; cost 14 is ~1 s here and each step doubles it"),
    "argon2 memory (KiB)": CostLimit(262_144, "256 MiB; OWASP 19-46 MiB, Keycloak 7 MiB, RFC 9106's 64 MiB"),
    "argon2 time": CostLimit(10, "passes; OWASP 1-5, Keycloak 5, RFC 9106 3"),
    "argon2 memory x time (KiB)": CostLimit(524_288, "512 MiB of passes in all (~1.1 s here); 64 MiB x 3 = 192 MiB"),
    "argon2 parallelism": CostLimit(16, "lanes, one thread each; real systems use 1-4"),
    "pbkdf2-sha1 iterations": CostLimit(2_000_000, "OWASP 1,300,000; 2M is ~0.5 s here"),
    "pbkdf2-sha256 iterations": CostLimit(2_000_000, "Keycloak 27,500-600,000, OWASP 600,000; 2M is ~0.7 s"),
    "pbkdf2-sha512 iterations": CostLimit(1_000_000, "Keycloak 210,000, OWASP 210,000; 1M is ~0.6 s"),
    "sha256_crypt rounds": CostLimit(1_000_000, "glibc default 5,000, libpass 535,000; 1M is ~0.8 s"),
    "sha512_crypt rounds": CostLimit(1_000_000, "glibc default 5,000, libpass 656,000; 1M is ~0.8 s"),
    "phpass rounds (log2)": CostLimit(20, "WordPress and phpBB use 8; 2^20 MD5 rounds is ~1 s"),
    "scrypt N x r x p": CostLimit(1 << 21, "Firebase 2^14 x 8, Auth0 2^14 x 8; 2^18 x 8 x 1 is ~1 s here"),
    "scrypt block size r": CostLimit(32, "real systems use 8"),
    "scrypt parallelization p": CostLimit(16, "real systems use 1"),
    # hashlib.scrypt refuses maxmem >= 2^31; the work limit above already keeps memory far below this.
    "scrypt memory (bytes)": CostLimit(512 * 1024 * 1024, "128*r*(N+p+2); 2^18 x 8 needs 256 MiB"),
}
# libpass schemes whose cost is their `rounds`, and the limit that applies (the rest have a fixed cost;
# libpass's scrypt is checked with the scrypt limits).
LIBPASS_COSTS = {
    "pbkdf2_sha1": "pbkdf2-sha1 iterations",
    "pbkdf2_sha256": "pbkdf2-sha256 iterations",
    "pbkdf2_sha512": "pbkdf2-sha512 iterations",
    "ldap_pbkdf2_sha1": "pbkdf2-sha1 iterations",
    "ldap_pbkdf2_sha256": "pbkdf2-sha256 iterations",
    "ldap_pbkdf2_sha512": "pbkdf2-sha512 iterations",
    "django_pbkdf2_sha1": "pbkdf2-sha1 iterations",
    "django_pbkdf2_sha256": "pbkdf2-sha256 iterations",
    "grub_pbkdf2_sha512": "pbkdf2-sha512 iterations",
    "sha256_crypt": "sha256_crypt rounds",
    "sha512_crypt": "sha512_crypt rounds",
    "bcrypt_sha256": "bcrypt cost",
    "django_bcrypt_sha256": "bcrypt cost",
    "phpass": "phpass rounds (log2)",
}

_BCRYPT = re.compile(r"^\$2[abxy]\$(\d\d)\$[./A-Za-z0-9]{53}$")
_AUTH0_PBKDF2 = re.compile(
    r"^\$pbkdf2-(sha1|sha256|sha512)\$i=(\d+),l=(\d+)\$([A-Za-z0-9+/._-]+={0,2})\$([A-Za-z0-9+/._-]+={0,2})$"
)
_ARGON2 = re.compile(r"^\$argon2(id|i|d)\$")
# libpass schemes accepted as stored hashes: salted or standard MCF/PHC/LDAP formats. Plaintext and
# "disabled" markers are not hashes and are never accepted.
LIBPASS_SCHEMES = (
    "pbkdf2_sha1",
    "pbkdf2_sha256",
    "pbkdf2_sha512",
    "scrypt",
    "sha256_crypt",
    "sha512_crypt",
    "md5_crypt",
    "apr_md5_crypt",
    "bcrypt_sha256",
    "phpass",
    "ldap_salted_sha1",
    "ldap_salted_sha256",
    "ldap_salted_sha512",
    "ldap_salted_md5",
    "ldap_sha1",
    "ldap_md5",
    "ldap_pbkdf2_sha1",
    "ldap_pbkdf2_sha256",
    "ldap_pbkdf2_sha512",
    "django_pbkdf2_sha256",
    "django_pbkdf2_sha1",
    "django_bcrypt_sha256",
    "atlassian_pbkdf2_sha1",
    "grub_pbkdf2_sha512",
)


class ForeignHashError(ValueError):
    """A hash that cannot be stored: unknown scheme, bad encoding, impossible parameters."""


class CostLimitError(ForeignHashError):
    """A recognised hash whose cost is above COST_LIMITS: its message names the limit, so it is never replaced
    by a vaguer "unknown scheme" message."""


def check_cost(name: str, value: int) -> None:
    """Refuse `value` above COST_LIMITS[name] (a row error at import, False at verify)."""
    limit = COST_LIMITS[name].maximum
    if value > limit:
        raise CostLimitError(f"{name} {value} is out of range: the limit is {limit} (a sign-in would take too long)")


# -- encoding helpers ---------------------------------------------------------------------------------------------------


def b64decode(value: Any, what: str = "value") -> bytes:
    """Strict base64 (standard or URL-safe alphabet, padding optional); a clear error otherwise."""
    if not isinstance(value, str) or not value:
        raise ForeignHashError(f"{what} must be a non-empty base64 string")
    text = value.strip().replace("-", "+").replace("_", "/").replace(".", "+")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ForeignHashError(f"{what} is not valid base64") from None


def decode(value: Any, encoding: str | None, what: str) -> bytes:
    """A hash or salt in one of the encodings import formats use: base64 (default), hex or utf8."""
    encoding = (encoding or "base64").lower()
    if encoding in ("base64", "b64"):
        return b64decode(value, what)
    if not isinstance(value, str) or not value:
        raise ForeignHashError(f"{what} must be a non-empty string")
    if encoding == "hex":
        try:
            return bytes.fromhex(value)
        except ValueError:
            raise ForeignHashError(f"{what} is not valid hex") from None
    if encoding in ("utf8", "utf-8"):
        return value.encode()
    raise ForeignHashError(f"{what}: unknown encoding '{encoding}' (expected base64, hex or utf8)")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# -- schemes ------------------------------------------------------------------------------------------------------------


def _candidates(password: str) -> list[str]:
    """The password as typed, and NFKC-normalised if that differs (Userdesk normalises; the source may not have)."""
    norm = unicodedata.normalize("NFKC", password)
    return [password] if norm == password else [password, norm]


def _check_bcrypt(payload: str) -> None:
    match = _BCRYPT.match(payload)
    if not match or not 4 <= int(match.group(1)) <= 31:
        raise ForeignHashError("not a bcrypt hash ($2a$/$2b$/$2y$, cost 04-31, 53 characters)")
    check_cost("bcrypt cost", int(match.group(1)))


def _verify_bcrypt(payload: str, password: str) -> bool:
    import bcrypt

    stored = payload.replace("$2y$", "$2b$", 1).replace("$2x$", "$2a$", 1).encode()
    # bcrypt only ever used the first 72 bytes; bcrypt 5 refuses longer input instead of truncating.
    # The source system truncated, so truncating here accepts exactly the passwords it accepted.
    return any(bcrypt.checkpw(c.encode()[:BCRYPT_MAX_BYTES], stored) for c in _candidates(password))


def _check_argon2(payload: str) -> None:
    from argon2 import extract_parameters
    from argon2.exceptions import InvalidHashError
    from argon2.low_level import Type

    if not _ARGON2.match(payload):
        raise ForeignHashError("not an argon2 PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash)")
    try:
        params = extract_parameters(payload)
    except (InvalidHashError, ValueError):
        raise ForeignHashError("malformed argon2 PHC string") from None
    parts = payload.split("$")
    b64decode(parts[-2], "argon2 salt")
    b64decode(parts[-1], "argon2 hash")
    if params.type not in (Type.ID, Type.I, Type.D):
        raise ForeignHashError("argon2 parameters out of range")
    check_cost("argon2 memory (KiB)", params.memory_cost)
    check_cost("argon2 time", params.time_cost)
    check_cost("argon2 parallelism", params.parallelism)
    check_cost("argon2 memory x time (KiB)", params.memory_cost * params.time_cost)


def _verify_argon2(payload: str, password: str) -> bool:
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = PasswordHasher()
    for candidate in _candidates(password):
        try:
            if hasher.verify(payload, candidate):
                return True
        except (VerificationError, InvalidHashError):
            continue
    return False


def _parse_pbkdf2(payload: str) -> tuple[str, int, int, bytes, bytes]:
    match = _AUTH0_PBKDF2.match(payload)
    if not match:
        raise ForeignHashError("not a pbkdf2 PHC string ($pbkdf2-sha256$i=ITERATIONS,l=LENGTH$salt$hash)")
    digest, iterations, length = match.group(1), int(match.group(2)), int(match.group(3))
    salt, key = b64decode(match.group(4), "pbkdf2 salt"), b64decode(match.group(5), "pbkdf2 hash")
    if iterations < 1:
        raise ForeignHashError(f"pbkdf2 iterations out of range: {iterations}")
    check_cost(f"pbkdf2-{digest} iterations", iterations)
    if length != len(key):
        raise ForeignHashError(f"pbkdf2 length l={length} does not match the hash ({len(key)} bytes)")
    return digest, iterations, length, salt, key


def _verify_pbkdf2(payload: str, password: str) -> bool:
    digest, iterations, length, salt, key = _parse_pbkdf2(payload)
    return any(
        hmac.compare_digest(hashlib.pbkdf2_hmac(digest, c.encode(), salt, iterations, length), key)
        for c in _candidates(password)
    )


def _check_pbkdf2(payload: str) -> None:
    _parse_pbkdf2(payload)


@lru_cache(maxsize=1)
def _libpass_context():
    from passlib.context import CryptContext

    return CryptContext(schemes=list(LIBPASS_SCHEMES))


def _check_libpass(payload: str) -> None:
    context = _libpass_context()
    try:
        scheme = context.identify(payload)
        handler = context.handler(scheme)
        if hasattr(handler, "wrapped"):  # PrefixWrapper (ldap_pbkdf2_*): parse the wrapped hash
            parsed = handler.wrapped.from_string(handler._unwrap_hash(payload))
        else:
            parsed = handler.from_string(payload)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ForeignHashError("not a recognised hash (MCF, PHC or LDAP form known to libpass)") from None
    if scheme == "scrypt":
        _check_scrypt_cost(int(parsed.rounds), int(parsed.block_size), int(parsed.parallelism))
    elif scheme in LIBPASS_COSTS:
        check_cost(LIBPASS_COSTS[scheme], int(parsed.rounds))


def _verify_libpass(payload: str, password: str) -> bool:
    context = _libpass_context()
    for candidate in _candidates(password):
        try:
            if context.verify(candidate, payload):
                return True
        except (ValueError, TypeError):
            return False
    return False


def _json_payload(payload: str) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except ValueError:
        raise ForeignHashError("malformed parameters") from None
    if not isinstance(data, dict):
        raise ForeignHashError("malformed parameters")
    return data


def _password_bytes(password: str, encoding: str) -> bytes | None:
    try:
        return password.encode(PASSWORD_ENCODINGS[encoding])
    except UnicodeEncodeError:
        return None


def _check_digest(payload: str) -> None:
    data = _json_payload(payload)
    if data.get("alg") not in DIGESTS:
        raise ForeignHashError(f"unsupported digest '{data.get('alg')}' (supported: {', '.join(DIGESTS)})")
    if data.get("pos") not in ("prefix", "suffix"):
        raise ForeignHashError("salt position must be prefix or suffix")
    if data.get("enc", "utf8") not in PASSWORD_ENCODINGS:
        raise ForeignHashError(f"unknown password encoding '{data.get('enc')}'")
    key = b64decode(data.get("hash"), "hash")
    if len(key) != hashlib.new(data["alg"]).digest_size:
        raise ForeignHashError(f"a {data['alg']} hash is {hashlib.new(data['alg']).digest_size} bytes, not {len(key)}")
    if data.get("salt"):
        b64decode(data["salt"], "salt")
    if data.get("key"):
        b64decode(data["key"], "hmac key")


def _verify_digest(payload: str, password: str) -> bool:
    data = _json_payload(payload)
    salt = b64decode(data["salt"], "salt") if data.get("salt") else b""
    expected = b64decode(data["hash"], "hash")
    for candidate in _candidates(password):
        raw = _password_bytes(candidate, data.get("enc", "utf8"))
        if raw is None:
            continue
        message = salt + raw if data["pos"] == "prefix" else raw + salt
        if data.get("key"):
            got = hmac.new(b64decode(data["key"], "hmac key"), message, data["alg"]).digest()
        else:
            got = hashlib.new(data["alg"], message).digest()
        if hmac.compare_digest(got, expected):
            return True
    return False


def _scrypt_params(data: dict[str, Any]) -> tuple[int, int, int]:
    try:
        log_n, r, p = int(data["ln"]), int(data["r"]), int(data["p"])
    except (KeyError, TypeError, ValueError):
        raise ForeignHashError("scrypt needs integer cost, block size and parallelization") from None
    if not (1 <= log_n <= 63 and r >= 1 and p >= 1):
        raise ForeignHashError("scrypt parameters out of range")
    _check_scrypt_cost(log_n, r, p)
    return log_n, r, p


def scrypt_memory(log_n: int, r: int, p: int) -> int:
    """Bytes scrypt needs, as OpenSSL counts them against maxmem: 128*r*p for B plus 128*r*(N+2) for V."""
    return 128 * r * ((1 << log_n) + p + 2)


def _check_scrypt_cost(log_n: int, r: int, p: int) -> None:
    """Refuse parameters that would take too long or need more memory than verification may use, so an
    accepted scrypt hash can always verify (hashlib.scrypt refuses maxmem >= 2^31)."""
    check_cost("scrypt block size r", r)
    check_cost("scrypt parallelization p", p)
    check_cost("scrypt N x r x p", (1 << log_n) * r * p)
    check_cost("scrypt memory (bytes)", scrypt_memory(log_n, r, p))


def _scrypt(password: bytes, salt: bytes, log_n: int, r: int, p: int, length: int) -> bytes:
    maxmem = scrypt_memory(log_n, r, p) + (1 << 20)
    return hashlib.scrypt(password, salt=salt, n=1 << log_n, r=r, p=p, dklen=length, maxmem=maxmem)


def _check_scrypt(payload: str) -> None:
    data = _json_payload(payload)
    _scrypt_params(data)
    b64decode(data.get("salt"), "salt")
    if not 1 <= len(b64decode(data.get("hash"), "hash")) <= 1024:
        raise ForeignHashError("scrypt hash length out of range")


def _verify_scrypt(payload: str, password: str) -> bool:
    data = _json_payload(payload)
    log_n, r, p = _scrypt_params(data)
    salt, expected = b64decode(data["salt"]), b64decode(data["hash"])
    return any(
        hmac.compare_digest(_scrypt(c.encode(), salt, log_n, r, p, len(expected)), expected)
        for c in _candidates(password)
    )


def firebase_scrypt(
    password: bytes, salt: bytes, separator: bytes, signer_key: bytes, rounds: int, mem_cost: int
) -> bytes:
    """Firebase's modified scrypt: scrypt(password, salt||separator, N=2^mem_cost, r=rounds, p=1, 64 bytes),
    whose first 32 bytes key AES-256-CTR (zero counter) over the project's signer key."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    derived = _scrypt(password, salt + separator, mem_cost, rounds, 1, 64)
    encryptor = Cipher(algorithms.AES(derived[:32]), modes.CTR(b"\x00" * 16)).encryptor()
    return encryptor.update(signer_key) + encryptor.finalize()


def _check_firebase(payload: str) -> None:
    data = _json_payload(payload)
    _scrypt_params({"ln": data.get("mem_cost"), "r": data.get("rounds"), "p": 1})
    for key in ("hash", "salt", "signer_key"):
        b64decode(data.get(key), f"firebase {key.replace('_', ' ')}")
    if data.get("separator"):
        b64decode(data["separator"], "firebase salt separator")


def _verify_firebase(payload: str, password: str) -> bool:
    data = _json_payload(payload)
    separator = b64decode(data["separator"]) if data.get("separator") else b""
    salt, key, expected = b64decode(data["salt"]), b64decode(data["signer_key"]), b64decode(data["hash"])
    return any(
        hmac.compare_digest(
            firebase_scrypt(c.encode(), salt, separator, key, int(data["rounds"]), int(data["mem_cost"])), expected
        )
        for c in _candidates(password)
    )


SCHEMES: dict[str, tuple[Callable[[str], None], Callable[[str, str], bool]]] = {
    "bcrypt": (_check_bcrypt, _verify_bcrypt),
    "argon2": (_check_argon2, _verify_argon2),
    "pbkdf2": (_check_pbkdf2, _verify_pbkdf2),
    "libpass": (_check_libpass, _verify_libpass),
    "digest": (_check_digest, _verify_digest),
    "scrypt": (_check_scrypt, _verify_scrypt),
    "firebase-scrypt": (_check_firebase, _verify_firebase),
}


# -- public API ---------------------------------------------------------------------------------------------------------


def is_foreign(stored: str | None) -> TypeGuard[str]:
    return stored is not None and stored.startswith(PREFIX)


def wrap(scheme: str, payload: str | dict[str, Any]) -> str:
    """The stored form of a foreign hash, after checking it could verify; ForeignHashError otherwise."""
    if scheme not in SCHEMES:
        raise ForeignHashError(f"unknown hash scheme '{scheme}'")
    text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"), sort_keys=True)
    if not text or len(text) > MAX_HASH or any(ord(c) < 32 for c in text):
        raise ForeignHashError("hash is empty, too long or contains control characters")
    SCHEMES[scheme][0](text)
    return f"{PREFIX}{scheme}${text}"


def unwrap(stored: str) -> tuple[str, str]:
    """(scheme, payload) of a stored foreign hash."""
    scheme, _, payload = stored[len(PREFIX) :].partition("$")
    return scheme, payload


def scheme_of(stored: str) -> str:
    return unwrap(stored)[0] if is_foreign(stored) else "argon2id"


def verify(stored: str, password: str) -> bool:
    """True when `password` matches the foreign hash; False for a wrong password or an unusable hash."""
    scheme, payload = unwrap(stored)
    entry = SCHEMES.get(scheme)
    if entry is None:
        return False
    check, compute = entry
    try:
        check(payload)  # the import checks, limits included: a too costly hash is refused without computing
        return compute(payload, password)
    except Exception:  # whatever was stored (OverflowError, a library's own error): never raise, a sign-in
        return False  # with an unusable hash is a plain failure, logged like any other


def from_string(value: Any, *, native: Callable[[str], bool] | None = None) -> str:
    """Store form of a hash written as one string (CSV / Userdesk column, Auth0 `password_hash`).

    Accepts a stored foreign hash as is (re-checked), bcrypt, argon2, Auth0's pbkdf2 form, and every
    MCF/PHC/LDAP form libpass knows. `native(value)` says whether the string is already Userdesk's own
    policy hash (stored bare, no wrapper).
    """
    if not isinstance(value, str) or not value.strip():
        raise ForeignHashError("password hash must be a non-empty string")
    value = value.strip()
    if value.startswith(PREFIX):
        scheme, payload = unwrap(value)
        return wrap(scheme, payload)
    if _ARGON2.match(value):
        if native is not None and native(value):
            _check_argon2(value)
            return value
        return wrap("argon2", value)
    if value.startswith("$2"):
        return wrap("bcrypt", value)
    if _AUTH0_PBKDF2.match(value):
        return wrap("pbkdf2", value)
    try:
        return wrap("libpass", value)
    except CostLimitError:
        raise
    except ForeignHashError:
        raise ForeignHashError("unknown or malformed password hash scheme") from None


def pbkdf2_phc(digest: str, iterations: int, salt: bytes, key: bytes) -> str:
    """Auth0's PHC form for a pbkdf2 hash (also how Keycloak's pbkdf2 credentials are stored)."""
    if digest not in PBKDF2_DIGESTS:
        raise ForeignHashError(f"unsupported pbkdf2 digest '{digest}'")
    strip = lambda b: _b64(b).rstrip("=")  # noqa: E731
    return wrap("pbkdf2", f"$pbkdf2-{digest}$i={iterations},l={len(key)}${strip(salt)}${strip(key)}")


def argon2_phc(
    variant: str, version: int, memory: int, iterations: int, parallelism: int, salt: bytes, key: bytes
) -> str:
    """A PHC argon2 string from separate parameters (Keycloak keeps them in credentialData)."""
    if variant not in ("id", "i", "d"):
        raise ForeignHashError(f"unknown argon2 type '{variant}'")
    strip = lambda b: _b64(b).rstrip("=")  # noqa: E731
    phc = f"$argon2{variant}$v={version}$m={memory},t={iterations},p={parallelism}${strip(salt)}${strip(key)}"
    return wrap("argon2", phc)


def digest_hash(alg: str, key: bytes, salt: bytes, position: str, encoding: str = "utf8", hmac_key: bytes = b"") -> str:
    data: dict[str, Any] = {"alg": alg, "hash": _b64(key), "pos": position, "enc": encoding}
    if salt:
        data["salt"] = _b64(salt)
    if hmac_key:
        data["key"] = _b64(hmac_key)
    return wrap("digest", data)


def scrypt_hash(key: bytes, salt: bytes, log_n: int, r: int, p: int) -> str:
    return wrap("scrypt", {"hash": _b64(key), "salt": _b64(salt), "ln": log_n, "r": r, "p": p})


def firebase_hash(key_b64: str, salt_b64: str, params: dict[str, Any]) -> str:
    """A Firebase account's passwordHash and salt with the project's hash parameters."""
    data = {
        "hash": key_b64,
        "salt": salt_b64,
        "signer_key": params.get("signer_key"),
        "separator": params.get("separator") or "",
        "rounds": params.get("rounds"),
        "mem_cost": params.get("mem_cost"),
    }
    return wrap("firebase-scrypt", data)
