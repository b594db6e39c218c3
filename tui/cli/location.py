"""Where the database is, said safely: a SQLite file's path, or a PostgreSQL URL without its password.

`--db` (and `$USERDESK_DB`) is a path, a `sqlite:///` URL or a `postgresql://…` / `postgresql+psycopg://…` URL.
A server URL may carry a password (`postgresql://role:secret@host/db`); it must never reach a terminal, a log,
a console's title or the audit. So the CLI names the database only through `where()` (the store's label), and every
`error:` line goes through `redacted()`, which also catches the password when a driver or a library quotes the
URL back in its message (in either spelling: as typed, percent-encoded, or decoded).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from store import Database

SERVER_SCHEMES = ("postgresql", "postgres")
MASK = "***"


def is_server_url(target: str) -> bool:
    """True for a PostgreSQL URL (postgresql://, postgresql+psycopg://, postgres://); False for a SQLite path/URL."""
    scheme, sep, _ = target.partition("://")
    return bool(sep) and scheme.split("+", 1)[0].lower() in SERVER_SCHEMES


def has_password(target: str) -> bool:
    """True for a server URL that carries a password."""
    return _password(target) is not None


def _password(target: str) -> str | None:
    """The password written in a server URL, as typed (possibly percent-encoded), or None."""
    if not is_server_url(target):
        return None
    netloc = target.partition("://")[2].split("/", 1)[0].split("?", 1)[0]
    userinfo, at, _ = netloc.rpartition("@")
    if not at:
        return None
    _, colon, password = userinfo.partition(":")
    return password if colon and password else None


def redacted(text: str, target: str | None) -> str:
    """`text` with the password of `target` (when it is a server URL with one) replaced by *** where a library
    could quote it: inside a URL (`:PASSWORD@`) or a libpq connection string (`password=PASSWORD`, quoted or
    not). Only there: a password that is also an ordinary word ("wrong") must not blank out the message."""
    password = _password(target or "")
    if password is None:
        return text
    for spelling in sorted({password, unquote(password)}, key=len, reverse=True):
        secret = re.escape(spelling)
        text = re.sub(f":{secret}@", f":{MASK}@", text)
        text = re.sub(f"(password\\s*=\\s*)(['\"]?){secret}\\2", f"\\g<1>\\g<2>{MASK}\\g<2>", text)
    return text


def where(db: Database, target: str) -> str:
    """The database of an open `db`, for people: the resolved file path on SQLite, the store's label (user, host
    and database name: never a password) on a server."""
    return str(db.path.resolve()) if db.backend == "sqlite" else db.label


def child_target(db: Database, target: str) -> str:
    """What a child process (a served console) opens: the same server URL (handed over on a pipe, never argv or
    the environment), or the resolved SQLite path (the child may start in another directory)."""
    return str(db.path.resolve()) if db.backend == "sqlite" else target
