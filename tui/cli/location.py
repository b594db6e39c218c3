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
from urllib.parse import unquote, unquote_plus

if TYPE_CHECKING:
    from store import Database

SERVER_SCHEMES = ("postgresql", "postgres")
MASK = "***"


def is_server_url(target: str) -> bool:
    """True for a PostgreSQL URL (postgresql://, postgresql+psycopg://, postgres://); False for a SQLite path/URL."""
    scheme, sep, _ = target.partition("://")
    return bool(sep) and scheme.split("+", 1)[0].lower() in SERVER_SCHEMES


def has_password(target: str) -> bool:
    """True for a server URL that carries a password (in the user part or as a `password` query parameter)."""
    return bool(_passwords(target))


# The user part as SQLAlchemy's URL parser reads it (user: no ':' or '/'; password: up to the first '@'), and, for
# a URL it cannot parse, the fallback that takes the password greedily up to the LAST '@'.
_USERINFO = re.compile(r"^[\w+]+://[^:/]*:([^@]*)@")
_USERINFO_GREEDY = re.compile(r"^[\w+]+://[^:/@]*:(.*)@")
_QUERY_PASSWORD = re.compile(r"[?&]password=([^&#]*)", re.IGNORECASE)


def _passwords(target: str) -> set[str]:
    """Every spelling of the password a server URL carries: as typed (possibly percent-encoded) and as the driver
    will read it (SQLAlchemy's make_url: the user part's password and the `password` query parameter, decoded).

    A password may hold '/', '?' or '@' (SQLAlchemy accepts them), so the URL is not cut at the first '/' or '?'.
    SQLAlchemy is imported only here, once a server URL is actually given (`--help` and SQLite paths never are);
    a URL it cannot parse still has its password found by the regular expressions."""
    if not is_server_url(target):
        return set()
    parsed = _parsed_passwords(target)
    patterns = (_USERINFO,) if parsed is not None else (_USERINFO, _USERINFO_GREEDY)
    found = {m.group(1) for pattern in patterns if (m := pattern.match(target))}
    found |= set(_QUERY_PASSWORD.findall(target)) | (parsed or set())
    spellings = found | {unquote(s) for s in found} | {unquote_plus(s) for s in found}
    return {s for s in spellings if s}


def _parsed_passwords(target: str) -> set[str] | None:
    """The passwords SQLAlchemy will hand to the driver (decoded), or None when it cannot parse the URL."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(target)
    except Exception:  # any parse failure: the regular expressions still apply
        return None
    query = url.query.get("password")
    values = [query] if isinstance(query, str) else list(query or ())
    return {v for v in [url.password, *values] if isinstance(v, str) and v}


def redacted(text: str, target: str | None) -> str:
    """`text` with the password of `target` (when it is a server URL with one) replaced by *** where a library
    could quote it: inside a URL (`:PASSWORD@`) or a libpq connection string or query (`password=PASSWORD`, quoted
    or not). Only there: a password that is also an ordinary word ("wrong") must not blank out the message."""
    for spelling in sorted(_passwords(target or ""), key=len, reverse=True):
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
