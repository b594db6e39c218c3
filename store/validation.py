"""Field rules for user records: what each field accepts and how it is normalised."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from .errors import ValidationError

MAX_TEXT = 255
MAX_URL = 2048

LABELS = {
    "username": "Username",
    "email": "Email",
    "phone": "Phone",
    "name": "Name",
    "nickname": "Nickname",
    "given_name": "Given name",
    "family_name": "Family name",
    "photo": "Photo URL",
    "gender": "Gender",
    "birthdate": "Birthdate",
    "company": "Company",
    "street_address": "Street address",
    "city": "City",
    "province": "Province",
    "postal_code": "Postal code",
    "country": "Country",
    "locale": "Locale",
    "zoneinfo": "Time zone",
    "external_id": "External ID",
    "email_verified": "Email verified",
    "phone_verified": "Phone verified",
}
# Fields an admin may set (GenAuth "A"); in display order.
PROFILE_FIELDS = tuple(LABELS)
# Fields the user may set freely in self-service (GenAuth "U"); email and phone need a verified flow.
USER_EDITABLE = (
    "username",
    "name",
    "nickname",
    "photo",
    "gender",
    "birthdate",
    "company",
    "street_address",
    "city",
    "province",
    "postal_code",
    "country",
    "external_id",
)
BOOL_FIELDS = ("email_verified", "phone_verified")

# Zero-width and bidi override/isolate characters: they make one identifier look like another.
INVISIBLE = frozenset("\u200b\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_STRIP = re.compile(r"[\s\-().]")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_UID_SHAPE = re.compile(r"^[0-9a-f]{24}$")
_LOCALE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # exactly Unicode category Cc (C0, DEL, C1)


def _control_chars(value: str) -> list[str]:
    return _CONTROL.findall(value)  # a regex: a per-character category lookup was a tenth of an import's time


def clean_text(field: str, value: Any, max_len: int = MAX_TEXT) -> str | None:
    """Trimmed text or None; refuses control characters (NUL, ESC...) and over-long values."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{LABELS.get(field, field)} must be text.", field)
    value = value.strip()
    if value == "":
        return None
    bad = _control_chars(value)
    if bad:
        raise ValidationError(
            f"{LABELS.get(field, field)} must not contain control characters (found U+{ord(bad[0]):04X}).", field
        )
    if len(value) > max_len:
        raise ValidationError(
            f"{LABELS.get(field, field)} is too long: {len(value)} characters (at most {max_len}).", field
        )
    return value


def norm_username(value: Any) -> str | None:
    value = clean_text("username", value, 64)
    if value is None:
        return None
    if any(c.isspace() for c in value):
        raise ValidationError("Username must not contain spaces.", "username")
    if "@" in value:
        raise ValidationError("Username must not contain '@' (it would be confused with an email address).", "username")
    if value.startswith("+") or _looks_like_phone(value):
        raise ValidationError(
            "Username must not start with '+' or be a phone number (it would be confused with one).", "username"
        )
    if any(c in INVISIBLE for c in value):
        raise ValidationError("Username must not contain invisible or text-direction characters.", "username")
    if _UID_SHAPE.match(value):
        raise ValidationError(
            "Username must not be 24 hexadecimal characters (it would be confused with a user id).", "username"
        )
    return value


def _looks_like_phone(value: str) -> bool:
    try:
        norm_phone(value)
    except ValidationError:
        return False
    return True


def _unsafe_email(value: str) -> bool:
    """A local part starting with '-', or a domain label starting or ending with '-'.

    RFC 5321 allows '-' and '=' anywhere in a local part (both are atext), but an address that starts
    with '-' reads as an option to any program it is handed to (a delivery command, a mailer), and no
    mail provider hands such addresses out: refused. '=' is kept: it is harmless once destinations
    follow '--', and real addresses use it (SRS and VERP forms). Domain labels may not start or end
    with '-' at all (RFC 1035/5321 sub-domain syntax).
    """
    local, _, domain = value.rpartition("@")
    return local.startswith("-") or any(label.startswith("-") or label.endswith("-") for label in domain.split("."))


def norm_email(value: Any) -> str | None:
    value = clean_text("email", value, 254)
    if value is None:
        return None
    if not _EMAIL.match(value) or any(c in INVISIBLE for c in value) or _unsafe_email(value):
        raise ValidationError(f"Email '{value}' is not a valid address (expected name@example.com).", "email")
    return value.lower()


def norm_phone(value: Any) -> str | None:
    value = clean_text("phone", value, 32)
    if value is None:
        return None
    compact = _PHONE_STRIP.sub("", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if value.startswith("-") or not _E164.match(compact):  # a leading '-' would read as an option
        raise ValidationError(f"Phone '{value}' is not in international E.164 form (e.g. +14155550123).", "phone")
    return compact


def norm_gender(value: Any) -> str:
    value = (clean_text("gender", value, 1) or "U").upper()
    if value not in ("M", "F", "U"):
        raise ValidationError("Gender must be M, F or U (unknown).", "gender")
    return value


def norm_birthdate(value: Any) -> str | None:
    value = clean_text("birthdate", value, 10)
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"Birthdate '{value}' is not a date in the form YYYY-MM-DD.", "birthdate") from None
    if day > date.today() or day.year < 1900:
        raise ValidationError("Birthdate must be between 1900-01-01 and today.", "birthdate")
    return day.isoformat()


def norm_locale(value: Any) -> str | None:
    value = clean_text("locale", value, 35)
    if value is not None and not _LOCALE.match(value):
        raise ValidationError(f"Locale '{value}' is not a language tag such as en or en-US.", "locale")
    return value


def norm_zoneinfo(value: Any) -> str | None:
    import zoneinfo  # here: the console's first paint imports this module (tui.text), and checks no time zone

    value = clean_text("zoneinfo", value, 64)
    if value is None:
        return None
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"Time zone '{value}' is not an IANA zone such as Europe/Paris.", "zoneinfo") from None
    return value


def norm_photo(value: Any) -> str | None:
    value = clean_text("photo", value, MAX_URL)
    if value is not None and not re.match(r"^https?://\S+$", value):
        raise ValidationError("Photo URL must start with http:// or https:// and contain no spaces.", "photo")
    return value


def norm_bool(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on", "y"):
        return True
    if text in ("0", "false", "no", "off", "n", ""):
        return False
    raise ValidationError(f"{LABELS[field]} must be true or false.", field)


NORMALISERS: dict[str, Callable[[Any], Any]] = {
    "username": norm_username,
    "email": norm_email,
    "phone": norm_phone,
    "gender": norm_gender,
    "birthdate": norm_birthdate,
    "locale": norm_locale,
    "zoneinfo": norm_zoneinfo,
    "photo": norm_photo,
    "email_verified": lambda v: norm_bool("email_verified", v),
    "phone_verified": lambda v: norm_bool("phone_verified", v),
}


def normalise_field(field: str, value: Any) -> Any:
    if field not in LABELS:
        raise ValidationError(f"Unknown field '{field}'. Known fields: {', '.join(PROFILE_FIELDS)}.", field)
    norm = NORMALISERS.get(field)
    return norm(value) if norm else clean_text(field, value)
