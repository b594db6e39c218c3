"""The Userdesk directory: domain rules and persistence on SQLite. Never imports textual."""

from .audit import Actor
from .config import Config, Delivery, Policy, load_config
from .db import Database, open_db
from .errors import AuthFailed, Conflict, DatabaseError, NotFound, SecondFactorRequired, StoreError, ValidationError

__all__ = [
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
