"""Configuration: paths, policy knobs and delivery settings.

Order of precedence: explicit arguments > environment (USERDESK_*) > config.toml > defaults.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from .errors import StoreError

APP = "userdesk"


def config_dir() -> Path:
    return Path(os.environ.get("USERDESK_CONFIG_DIR") or platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    return Path(os.environ.get("USERDESK_DATA_DIR") or platformdirs.user_data_dir(APP))


def default_db() -> str:
    return os.environ.get("USERDESK_DB") or str(data_dir() / "userdesk.db")


def key_file() -> Path:
    return Path(os.environ.get("USERDESK_KEY_FILE") or config_dir() / "secret.key")


class ConfigError(StoreError):
    """config.toml or a USERDESK_* setting is invalid."""


@dataclass(frozen=True)
class Policy:
    """Security policy. Defaults follow NIST 800-63B / OWASP ASVS 5 (see README)."""

    password_min_length: int = 15
    password_max_length: int = 1024  # DoS cap on hashing input; far above the 64 we must accept
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    session_idle_minutes: int = 60
    session_absolute_hours: int = 24
    selfservice_idle_minutes: int = 15
    code_ttl_minutes: int = 10
    code_max_attempts: int = 5
    code_resend_seconds: int = 60

    def __post_init__(self) -> None:
        """Refuse settings below the security floor (NIST 800-63B / ASVS), whatever the config says."""
        floors = {
            "password_min_length": (8, 64),
            "password_max_length": (64, 4096),
            "lockout_threshold": (1, 100),
            "lockout_minutes": (1, 24 * 60),
            "session_idle_minutes": (1, 24 * 60),
            "session_absolute_hours": (1, 24 * 30),
            "selfservice_idle_minutes": (1, 24 * 60),
            "code_ttl_minutes": (1, 60),
            "code_max_attempts": (1, 10),
            "code_resend_seconds": (0, 3600),
        }
        for name, (low, high) in floors.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"policy.{name} = {value} is outside the allowed range {low}..{high}")


@dataclass(frozen=True)
class Delivery:
    """Where one-time codes go: 'outbox' (a directory), 'smtp' or 'command'."""

    channel: str = "outbox"
    outbox_dir: str = ""
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_sender: str = "userdesk@localhost"
    command: str = ""

    def outbox(self) -> Path:
        return Path(self.outbox_dir) if self.outbox_dir else data_dir() / "outbox"


@dataclass(frozen=True)
class Config:
    policy: Policy = field(default_factory=Policy)
    delivery: Delivery = field(default_factory=Delivery)


def _coerce(cls: type, values: dict[str, Any]) -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"unknown setting(s) in [{cls.__name__.lower()}]: {', '.join(sorted(unknown))}")
    out = {}
    for name, value in values.items():
        kind = type(getattr(cls(), name))
        if kind is bool and isinstance(value, str):
            value = value.lower() in ("1", "true", "yes", "on")
        out[name] = kind(value)
    return replace(cls(), **out)


def load_config(path: Path | None = None) -> Config:
    """Read config.toml (if present) and USERDESK_POLICY_*/USERDESK_DELIVERY_* overrides.

    A bad file or value raises ConfigError with a message naming it.
    """
    try:
        return _load_config(path)
    except (OSError, ValueError, TypeError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise ConfigError(f"invalid configuration: {exc}") from None


def _load_config(path: Path | None = None) -> Config:
    path = path or Path(os.environ.get("USERDESK_CONFIG") or config_dir() / "config.toml")
    raw: dict[str, Any] = {}
    if path.exists():
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    sections: dict[str, dict[str, Any]] = {
        "policy": dict(raw.get("policy", {})),
        "delivery": dict(raw.get("delivery", {})),
    }
    for key, value in os.environ.items():
        for section in sections:
            prefix = f"USERDESK_{section.upper()}_"
            if key.startswith(prefix):
                sections[section][key[len(prefix) :].lower()] = value
    return Config(policy=_coerce(Policy, sections["policy"]), delivery=_coerce(Delivery, sections["delivery"]))
