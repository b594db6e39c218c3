"""Small helpers the format readers share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from argon2.low_level import ARGON2_VERSION

from .. import foreign_hashes
from ..passwords import HASHER
from .records import Record


@dataclass(frozen=True)
class ReaderOptions:
    firebase_params: dict[str, Any] = field(default_factory=dict)


_NATIVE_PREFIX = f"$argon2id$v={ARGON2_VERSION}$m={HASHER.memory_cost},t={HASHER.time_cost},p={HASHER.parallelism}$"


def _b64_length(size: int) -> int:
    """Characters of unpadded base64 for `size` bytes (as in PHC strings)."""
    return (4 * size + 2) // 3


def is_native(stored: str) -> bool:
    """Userdesk's own policy hash (argon2id at the current parameters): stored bare, needs no upgrade.

    The same test as HASHER.check_needs_rehash (type, version, costs, salt and hash lengths), read off the
    string's shape instead of parsing it: parsing cost a tenth of an import's time. The caller still checks
    the whole string (foreign_hashes._check_argon2)."""
    if not stored.startswith(_NATIVE_PREFIX):
        return False
    salt, _, digest = stored[len(_NATIVE_PREFIX) :].partition("$")
    return (
        len(salt) == _b64_length(HASHER.salt_len) and len(digest) == _b64_length(HASHER.hash_len) and "$" not in digest
    )


def _checked_native(value: str) -> str:
    """A native hash (is_native) after the rest of foreign_hashes' argon2 check: its salt and hash are base64.
    The parameters need no parsing: is_native matched them character for character."""
    salt, digest = value.rsplit("$", 2)[-2:]
    foreign_hashes.b64decode(salt, "argon2 salt")
    foreign_hashes.b64decode(digest, "argon2 hash")
    return value


def store_hash(record: Record, field_name: str, make: Callable[[], str]) -> None:
    """Set the record's hash from `make()`, or report why it cannot be stored (row error, never a silent loss)."""
    try:
        record.password_hash = make()
    except foreign_hashes.ForeignHashError as exc:
        record.error(field_name, str(exc))
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        record.error(field_name, f"malformed password hash ({exc.__class__.__name__})")


def hash_from_string(record: Record, field_name: str, value: Any) -> None:
    if isinstance(value, str) and is_native(value.strip()):
        store_hash(record, field_name, lambda: _checked_native(value.strip()))
    else:
        store_hash(record, field_name, lambda: foreign_hashes.from_string(value, native=is_native))


def as_dict(value: Any, record: Record, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        record.error(what, f"{what} must be an object")
        return {}
    return value


def as_list(value: Any, record: Record, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        record.error(what, f"{what} must be a list")
        return []
    return value


def seconds(value: Any) -> int | None:
    """Unix seconds from seconds, milliseconds (Firebase) or an ISO 8601 time (Auth0); None when absent or bad."""
    from datetime import datetime

    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = int(value)
        return number // 1000 if number > 10**11 else number
    if isinstance(value, str):
        if value.isdigit():
            return seconds(int(value))
        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
        except ValueError:
            return None
    return None
