"""What every reader produces: one Record per user, field definitions, and problems found on the way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One line of the per-row report: where (line/row/item number), who, which field, why."""

    line: int
    identifier: str
    field: str
    reason: str
    level: str = "error"  # error (row not imported) or warning (row imported, this part left out)


class FileProblem(Exception):
    """The file itself cannot be read further (truncated JSON, bad CSV header): reported, then the import stops."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


@dataclass
class FieldDef:
    """A custom field definition carried in the file (Userdesk format): defined when missing."""

    line: int
    key: str
    type: str
    label: str | None = None
    options: list[str] | None = None
    unique: bool = False
    user_editable: bool = False


@dataclass
class Record:
    """One user as read from a file, before validation by the store's rules."""

    line: int
    fields: dict[str, Any] = field(default_factory=dict)  # profile fields (validation.LABELS keys), raw
    uid: str | None = None
    status: str | None = None
    created_at: int | None = None
    password_hash: str | None = None  # stored form (native argon2id or a tagged foreign hash)
    must_change_password: bool = False
    password_set_at: int | None = None
    custom: dict[str, Any] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)
    identities: list[tuple[str, str]] = field(default_factory=list)
    linked_at: dict[tuple[str, str], int] = field(default_factory=dict)  # when each identity was linked, if known
    totp_secret: str | None = None  # base32
    totp_last_step: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def identifier(self) -> str:
        for key in ("username", "email", "phone", "external_id"):
            value = self.fields.get(key)
            if isinstance(value, str) and value:
                return value[:80]
        return self.uid or f"line {self.line}"

    def error(self, field_name: str, reason: str) -> None:
        self.errors.append(Issue(self.line, self.identifier, field_name, reason))

    def warn(self, field_name: str, reason: str) -> None:
        self.warnings.append(Issue(self.line, self.identifier, field_name, reason, "warning"))


def text_or_none(value: Any) -> Any:
    """Empty strings mean 'not set' in every format."""
    return None if value == "" else value
