"""How the directory screen queries the store: the keyset page source, sort names and the filter summary."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from store.directory_sql import DirectoryQuery, Row

if TYPE_CHECKING:
    from store import Database

# store.directory (SQLAlchemy) is imported by the first call, in a worker: the first page is painted without it.


SORT_LABELS = {"username": "username", "created": "created", "last_login": "last sign-in"}


SORT_ORDER = ("username", "created", "last_login")


class DirectorySource:
    """`store.directory.page` as a WindowSource for one query (runs in worker threads)."""

    def __init__(self, db: Database, query: DirectoryQuery) -> None:
        self.db = db
        self.query = query

    def held_first(self, limit: int) -> list[Row] | None:
        return None  # every page is read from the store, in a worker

    def first(self, limit: int) -> list[Row]:
        from store import directory as store_directory

        return store_directory.page(self.db, self.query, limit=limit)

    def last(self, limit: int) -> list[Row]:
        from store import directory as store_directory

        flipped = replace(self.query, descending=not self.query.descending)
        return store_directory.page(self.db, flipped, limit=limit)[::-1]

    def after(self, row: Row, limit: int) -> list[Row]:
        from store import directory as store_directory

        return store_directory.page(self.db, self.query, after=store_directory.cursor_of(row), limit=limit)

    def before(self, row: Row, limit: int) -> list[Row]:
        from store import directory as store_directory

        return store_directory.page(self.db, self.query, before=store_directory.cursor_of(row), limit=limit)


def describe_filters(q: DirectoryQuery) -> str:
    parts = []
    if q.status:
        parts.append(f"status {q.status}")
    if q.mfa is not None:
        parts.append("MFA on" if q.mfa else "MFA off")
    if q.never_signed_in:
        parts.append("never signed in")
    if q.dormant_days is not None:
        parts.append(f"no sign-in for {q.dormant_days}d")
    if q.group:
        parts.append(f"group {q.group}")
    if q.field_key:
        parts.append(f"{q.field_key} = {q.field_value or ''}")
    return ", ".join(parts)
