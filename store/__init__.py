"""The Userdesk directory: domain rules and persistence on SQLite. Never imports textual.

The names below are exported lazily (PEP 562): `from store import config` or `from store.directory_sql
import Row` must not import SQLAlchemy, SQLModel and pydantic (most of a cold start) for a command or a first
page that needs none of them; each name loads its module when first asked for.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .audit import Actor
    from .config import Config, Delivery, Policy, load_config
    from .db import Database, open_db
    from .errors import (
        AuthFailed,
        Conflict,
        DatabaseError,
        NotFound,
        SecondFactorRequired,
        StoreError,
        ValidationError,
    )

_EXPORTS = {
    "Actor": ".audit",
    "Config": ".config",
    "Delivery": ".config",
    "Policy": ".config",
    "load_config": ".config",
    "Database": ".db",
    "open_db": ".db",
    "AuthFailed": ".errors",
    "Conflict": ".errors",
    "DatabaseError": ".errors",
    "NotFound": ".errors",
    "SecondFactorRequired": ".errors",
    "StoreError": ".errors",
    "ValidationError": ".errors",
}

__all__ = [  # the names of _EXPORTS
    "Actor",
    "AuthFailed",
    "Config",
    "Conflict",
    "Database",
    "DatabaseError",
    "Delivery",
    "NotFound",
    "Policy",
    "SecondFactorRequired",
    "StoreError",
    "ValidationError",
    "load_config",
    "open_db",
]


def __getattr__(name: str) -> Any:
    """Load an exported name's module on first use; any other name is a submodule (AttributeError lets
    `from store import access` import it)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'store' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value
