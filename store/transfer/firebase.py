"""Firebase `auth:export` JSON (`{"users": [...]}`), streamed, with the project's hash parameters.

The parameters (console > Authentication > Users > Password hash parameters) come in a separate file,
either as printed there (`hash_config { algorithm: SCRYPT, base64_signer_key: ..., ... }`) or as JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from .. import foreign_hashes as fh
from .common import ReaderOptions, as_list, seconds, store_hash
from .records import Record, text_or_none
from .streams import CountingFile, json_items

FIELD_MAP = {
    "email": "email",
    "emailVerified": "email_verified",
    "displayName": "name",
    "photoUrl": "photo",
    "phoneNumber": "phone",
    "localId": "external_id",
}
PARAM_KEYS = {
    "base64_signer_key": "signer_key",
    "signerKey": "signer_key",
    "base64_salt_separator": "separator",
    "saltSeparator": "separator",
    "rounds": "rounds",
    "mem_cost": "mem_cost",
    "memoryCost": "mem_cost",
    "algorithm": "algorithm",
}
_PAIR = re.compile(r"(\w+)\s*[:=]\s*\"?([A-Za-z0-9+/=_-]+)\"?")


def parse_params(text: str) -> dict[str, Any]:
    """The project's scrypt parameters from the console's `hash_config {...}` text or a JSON object."""
    try:
        raw = json.loads(text)
        if isinstance(raw, dict) and isinstance(raw.get("hash_config"), dict):
            raw = raw["hash_config"]
    except ValueError:
        raw = dict(_PAIR.findall(text))
    if not isinstance(raw, dict):
        raise fh.ForeignHashError("hash parameters must be hash_config { ... } or a JSON object")
    params = {PARAM_KEYS[k]: v for k, v in raw.items() if k in PARAM_KEYS}
    if str(params.pop("algorithm", "SCRYPT")).upper() != "SCRYPT":
        raise fh.ForeignHashError("only Firebase's SCRYPT hash parameters are supported")
    missing = [k for k in ("signer_key", "rounds", "mem_cost") if k not in params]
    if missing:
        raise fh.ForeignHashError(f"hash parameters lack {', '.join(missing)}")
    try:
        params["rounds"], params["mem_cost"] = int(params["rounds"]), int(params["mem_cost"])
    except (TypeError, ValueError):
        raise fh.ForeignHashError("rounds and mem_cost must be integers") from None
    fh.b64decode(params["signer_key"], "base64_signer_key")
    return params


def read(source: CountingFile, options: ReaderOptions) -> Iterator[Record]:
    for number, obj in json_items(source, "users.item"):
        yield user_record(number, obj, options.firebase_params)


def user_record(number: int, obj: Any, params: dict[str, Any]) -> Record:
    if not isinstance(obj, dict):
        record = Record(number)
        record.error("user", "each element of users must be an object")
        return record
    record = Record(number, fields={dst: text_or_none(obj[src]) for src, dst in FIELD_MAP.items() if src in obj})
    if obj.get("disabled") is True:
        record.status = "disabled"
    record.created_at = seconds(obj.get("createdAt"))
    custom = obj.get("customAttributes")
    if isinstance(custom, str) and custom:
        try:
            parsed = json.loads(custom)
            record.custom = parsed if isinstance(parsed, dict) else {}
        except ValueError:
            record.error("customAttributes", "customAttributes is not a JSON object")
    for info in as_list(obj.get("providerUserInfo"), record, "providerUserInfo"):
        if isinstance(info, dict) and info.get("providerId") not in (None, "password", "phone"):
            record.identities.append((info.get("providerId"), info.get("rawId")))  # type: ignore[arg-type]
    if obj.get("passwordHash"):
        if not params:
            record.error("passwordHash", "Firebase hashes need the project's parameters (--firebase-params FILE)")
        else:
            store_hash(
                record, "passwordHash", lambda: fh.firebase_hash(obj["passwordHash"], obj.get("salt") or "", params)
            )
    return record
