"""Auth0 bulk-import JSON (an array of users), streamed.

Hashes: `password_hash` (bcrypt) or `custom_password_hash {algorithm, hash{value, encoding, digest},
salt{value, encoding, position}, password{encoding}, key{value, encoding}, keylen, cost, blockSize,
parallelization}` (https://auth0.com/docs/manage-users/user-migration/bulk-user-import-database-schema-and-examples).
`app_metadata` and `user_metadata` keys go to the custom fields of the same name when defined; others
are reported as warnings and left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import foreign_hashes as fh
from .common import ReaderOptions, as_dict, seconds, store_hash
from .records import Record, text_or_none
from .streams import CountingFile, json_items

FIELD_MAP = {
    "email": "email",
    "email_verified": "email_verified",
    "username": "username",
    "given_name": "given_name",
    "family_name": "family_name",
    "name": "name",
    "nickname": "nickname",
    "picture": "photo",
    "phone_number": "phone",
    "phone_verified": "phone_verified",
    "user_id": "external_id",
}
KNOWN = set(FIELD_MAP) | {"blocked", "password_hash", "custom_password_hash", "app_metadata", "user_metadata"}
KNOWN |= {"created_at", "mfa_factors"}


def read(source: CountingFile, options: ReaderOptions) -> Iterator[Record]:
    for number, obj in json_items(source, "item"):
        yield user_record(number, obj)


def user_record(number: int, obj: Any) -> Record:
    if not isinstance(obj, dict):
        record = Record(number)
        record.error("user", "each array element must be a user object")
        return record
    record = Record(number, fields={dst: text_or_none(obj[src]) for src, dst in FIELD_MAP.items() if src in obj})
    for key in sorted(set(obj) - KNOWN):
        record.warn(key, f"unknown key '{key}' left out")
    blocked = obj.get("blocked")
    if blocked not in (None, True, False):
        record.error("blocked", "blocked must be true or false")
    record.status = "disabled" if blocked is True else None
    record.created_at = seconds(obj.get("created_at"))
    for bag in ("app_metadata", "user_metadata"):
        record.custom.update(as_dict(obj.get(bag), record, bag))
    if "password_hash" in obj and "custom_password_hash" in obj:
        record.error("password_hash", "a user has either password_hash or custom_password_hash, not both")
    elif obj.get("password_hash") is not None:
        store_hash(record, "password_hash", lambda: fh.wrap("bcrypt", obj["password_hash"]))
    elif obj.get("custom_password_hash") is not None:
        store_hash(record, "custom_password_hash", lambda: custom_hash(obj["custom_password_hash"]))
    return record


def _part(spec: dict[str, Any], name: str, required: bool = True) -> bytes:
    part = spec.get(name)
    if part is None and not required:
        return b""
    if not isinstance(part, dict):
        raise fh.ForeignHashError(f"custom_password_hash.{name} must be an object {{value, encoding}}")
    return fh.decode(part.get("value"), part.get("encoding"), f"{name}.value")


def custom_hash(spec: Any) -> str:
    """The stored form of an Auth0 custom_password_hash."""
    if not isinstance(spec, dict):
        raise fh.ForeignHashError("custom_password_hash must be an object")
    algorithm = spec.get("algorithm")
    hash_part: dict[str, Any] = spec["hash"] if isinstance(spec.get("hash"), dict) else {}
    value = hash_part.get("value")
    if algorithm in ("argon2", "bcrypt", "pbkdf2"):
        return fh.wrap(algorithm, value if isinstance(value, str) else "")
    if algorithm == "ldap":
        return fh.wrap("libpass", value if isinstance(value, str) else "")
    salt_spec: dict[str, Any] = spec["salt"] if isinstance(spec.get("salt"), dict) else {}
    salt = _part(spec, "salt", required=False)
    if algorithm == "scrypt":
        cost = spec.get("cost", 16384)
        if not isinstance(cost, int) or cost < 2 or cost & (cost - 1):
            raise fh.ForeignHashError("scrypt cost must be a power of two")
        key = _part(spec, "hash")
        if spec.get("keylen", len(key)) != len(key):
            raise fh.ForeignHashError(f"scrypt keylen {spec.get('keylen')} does not match the hash ({len(key)} bytes)")
        return fh.scrypt_hash(
            key, salt, cost.bit_length() - 1, spec.get("blockSize", 8), spec.get("parallelization", 1)
        )
    encoding = spec["password"].get("encoding", "utf8") if isinstance(spec.get("password"), dict) else "utf8"
    position = salt_spec.get("position", "prefix")
    if algorithm == "hmac":
        return fh.digest_hash(
            hash_part.get("digest", ""), _part(spec, "hash"), salt, position, encoding, hmac_key=_part(spec, "key")
        )
    if algorithm in fh.DIGESTS:
        return fh.digest_hash(algorithm, _part(spec, "hash"), salt, position, encoding)
    raise fh.ForeignHashError(f"unknown or unsupported hash algorithm '{algorithm}'")
