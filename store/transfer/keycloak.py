"""Keycloak realm or partial export (`users` array), streamed.

Password credentials carry two JSON strings: `secretData {"value", "salt"}` (base64) and `credentialData
{"hashIterations", "algorithm", "additionalParameters"}`; pbkdf2 (SHA-1), pbkdf2-sha256 and pbkdf2-sha512
with any key length (verified with dklen = length of the stored value) and argon2. TOTP credentials
(`type: otp`, SHA-1, 6 digits, 30 s) come along; other OTP settings are reported and left out.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

from .. import foreign_hashes as fh
from .common import ReaderOptions, as_dict, as_list, seconds, store_hash
from .records import Record, text_or_none
from .streams import CountingFile, json_items

PBKDF2 = {"pbkdf2": "sha1", "pbkdf2-sha1": "sha1", "pbkdf2-sha256": "sha256", "pbkdf2-sha512": "sha512"}
ARGON2_VERSIONS = {"1.3": 19, "1.0": 16}


def read(source: CountingFile, options: ReaderOptions) -> Iterator[Record]:
    for number, obj in json_items(source, "users.item"):
        yield user_record(number, obj)


def user_record(number: int, obj: Any) -> Record:
    if not isinstance(obj, dict):
        record = Record(number)
        record.error("user", "each element of users must be an object")
        return record
    first, last = obj.get("firstName"), obj.get("lastName")
    fields = {
        "username": obj.get("username"),
        "email": obj.get("email"),
        "email_verified": obj.get("emailVerified", False),
        "given_name": first,
        "family_name": last,
        "external_id": obj.get("id"),
    }
    if isinstance(first, str) and isinstance(last, str):
        fields["name"] = f"{first} {last}".strip()
    record = Record(number, fields={k: text_or_none(v) for k, v in fields.items() if v is not None})
    if obj.get("enabled") is False:
        record.status = "disabled"
    record.created_at = seconds(obj.get("createdTimestamp"))
    record.must_change_password = "UPDATE_PASSWORD" in as_list(obj.get("requiredActions"), record, "requiredActions")
    for key, values in as_dict(obj.get("attributes"), record, "attributes").items():
        record.custom[key] = values[0] if isinstance(values, list) and len(values) == 1 else values
    record.groups = [g.strip("/") if isinstance(g, str) else g for g in as_list(obj.get("groups"), record, "groups")]
    for link in as_list(obj.get("federatedIdentities"), record, "federatedIdentities"):
        if isinstance(link, dict):
            record.identities.append((link.get("identityProvider"), link.get("userId")))  # type: ignore[arg-type]
        else:
            record.error("federatedIdentities", "each federated identity must be an object")
    for credential in as_list(obj.get("credentials"), record, "credentials"):
        _credential(record, credential)
    return record


def _json_string(value: Any, what: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        data = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise fh.ForeignHashError(f"{what} must be a JSON object (as a string)")
    return data


def _param(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    return str(value[0] if isinstance(value, list) and value else value)


def password_hash(secret: dict[str, Any], data: dict[str, Any]) -> str:
    algorithm = data.get("algorithm") or "pbkdf2-sha256"
    iterations = data.get("hashIterations")
    if not isinstance(iterations, int):
        raise fh.ForeignHashError("credentialData.hashIterations must be an integer")
    salt, key = fh.b64decode(secret.get("salt"), "salt"), fh.b64decode(secret.get("value"), "value")
    if algorithm in PBKDF2:
        return fh.pbkdf2_phc(PBKDF2[algorithm], iterations, salt, key)
    if algorithm == "argon2":
        params = data.get("additionalParameters") or {}
        try:
            return fh.argon2_phc(
                _param(params, "type") if params.get("type") else "id",
                ARGON2_VERSIONS[_param(params, "version") if params.get("version") else "1.3"],
                int(_param(params, "memory")),
                iterations,
                int(_param(params, "parallelism")),
                salt,
                key,
            )
        except (KeyError, ValueError):
            raise fh.ForeignHashError("argon2 credential needs memory, parallelism, version 1.3 or 1.0") from None
    raise fh.ForeignHashError(f"unknown or unsupported hash algorithm '{algorithm}'")


def _credential(record: Record, credential: Any) -> None:
    if not isinstance(credential, dict):
        record.error("credentials", "each credential must be an object")
        return
    kind = credential.get("type")
    if kind == "password":
        if record.password_hash is not None:
            record.warn("credentials", "more than one password credential; the first is kept")
            return
        store_hash(
            record,
            "credentials",
            lambda: password_hash(
                _json_string(credential.get("secretData"), "secretData"),
                _json_string(credential.get("credentialData"), "credentialData"),
            ),
        )
    elif kind == "otp":
        _otp(record, credential)
    else:
        record.warn("credentials", f"credential type '{kind}' left out")


def _otp(record: Record, credential: dict[str, Any]) -> None:
    try:
        secret = _json_string(credential.get("secretData"), "secretData")
        data = _json_string(credential.get("credentialData"), "credentialData")
    except fh.ForeignHashError as exc:
        record.error("credentials", f"OTP credential: {exc}")
        return
    settings = (data.get("subType", "totp"), data.get("digits", 6), data.get("period", 30), data.get("algorithm"))
    if settings not in (("totp", 6, 30, "HmacSHA1"), ("totp", 6, 30, None)):
        record.warn("credentials", "OTP credential is not TOTP/SHA-1/6 digits/30 s; left out (re-enrol)")
        return
    value = secret.get("value")
    if not isinstance(value, str) or not value:
        record.error("credentials", "OTP credential has no secret")
        return
    if data.get("secretEncoding") == "BASE32":
        record.totp_secret = value
    else:  # Keycloak's default: the secret is the key's characters; authenticator apps get their base32
        record.totp_secret = base64.b32encode(value.encode()).decode().rstrip("=")
