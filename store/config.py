"""Configuration: paths, policy knobs and delivery settings.

Order of precedence: explicit arguments > environment (USERDESK_*) > config.toml > defaults.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
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


# Allowed ranges of the numeric settings (the policy's are its security floors and sane ceilings).
RANGES: dict[str, dict[str, tuple[int, int]]] = {
    "policy": {
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
    },
    "delivery": {"smtp_port": (1, 65535)},
}
CHOICES: dict[str, dict[str, tuple[str, ...]]] = {"delivery": {"channel": ("outbox", "smtp", "command")}}
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


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
        for name, (low, high) in RANGES["policy"].items():
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


SECTIONS: dict[str, type] = {"policy": Policy, "delivery": Delivery}


class _Invalid(ValueError):
    """One bad setting; `where` (the file or $VARIABLE) is added by the loader."""


def _parse(value: Any, kind: type, from_env: bool) -> Any:
    """`value` as `kind`, strictly: TOML types must match (2.7 and true are not whole numbers);
    environment strings are parsed (whole numbers, true/false words)."""
    if kind is bool:
        if isinstance(value, bool):
            return value
        if from_env and value.strip().lower() in TRUE_WORDS + FALSE_WORDS:
            return value.strip().lower() in TRUE_WORDS
        raise _Invalid(f"must be true or false (got {value!r})")
    if kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if from_env and re.fullmatch(r"\s*[+-]?\d{1,12}\s*", value):
            return int(value)
        raise _Invalid(f"must be a whole number (got {value!r})")
    if not isinstance(value, str):
        raise _Invalid(f"must be text (got {value!r})")
    return value


def _check(section: str, name: str, value: Any) -> None:
    low_high = RANGES.get(section, {}).get(name)
    if low_high and not low_high[0] <= value <= low_high[1]:
        raise _Invalid(f"must be between {low_high[0]} and {low_high[1]} (got {value})")
    choices = CHOICES.get(section, {}).get(name)
    if choices and value not in choices:
        raise _Invalid(f"must be one of {', '.join(choices)} (got {value!r})")


def _setting(section: str, name: str, value: Any, from_env: bool) -> Any:
    defaults = SECTIONS[section]()
    if name not in {f.name for f in fields(defaults)}:
        known = ", ".join(f.name for f in fields(defaults))
        raise _Invalid(f"unknown setting (known in [{section}]: {known})")
    parsed = _parse(value, type(getattr(defaults, name)), from_env)
    _check(section, name, parsed)
    return parsed


def load_config(path: Path | None = None) -> Config:
    """Read config.toml (if present) and USERDESK_POLICY_*/USERDESK_DELIVERY_* overrides.

    Every value is checked at load (type, range, choice; unknown sections and keys refused). A bad one
    raises ConfigError naming where it came from and the key: "invalid configuration: FILE: policy.x: why".
    """
    path = path or Path(os.environ.get("USERDESK_CONFIG") or config_dir() / "config.toml")
    values: dict[str, dict[str, Any]] = {section: {} for section in SECTIONS}
    sources: dict[tuple[str, str], str] = {}
    for where, section, name, value, from_env in _settings(path):
        try:
            values[section][name] = _setting(section, name, value, from_env)
        except _Invalid as exc:
            raise ConfigError(f"invalid configuration: {where}: {section}.{name}: {exc}") from None
        sources[section, name] = where
    delivery = values["delivery"]
    if delivery.get("channel") == "command" and not delivery.get("command"):
        where = sources.get(("delivery", "command")) or sources["delivery", "channel"]
        raise ConfigError(f'invalid configuration: {where}: delivery.command: required when channel = "command"')
    return Config(policy=Policy(**values["policy"]), delivery=Delivery(**values["delivery"]))


def _settings(path: Path) -> Iterator[tuple[str, str, str, Any, bool]]:
    """(where, section, name, value, from_env) for every setting: the file's first, then the environment's."""
    for section, table in _read_file(path).items():
        if section not in SECTIONS:
            raise ConfigError(
                f"invalid configuration: {path}: {section}: unknown section (known: {', '.join(SECTIONS)})"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"invalid configuration: {path}: {section}: must be a table ([{section}])")
        for name, value in table.items():
            yield str(path), section, name, value, False
    for variable, value in sorted(os.environ.items()):
        for section in SECTIONS:
            prefix = f"USERDESK_{section.upper()}_"
            if variable.startswith(prefix):
                yield f"${variable}", section, variable[len(prefix) :].lower(), value, True


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"invalid configuration: {path}: cannot read it: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid configuration: {path}: {exc}") from None
