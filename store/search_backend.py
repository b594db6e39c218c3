"""The search index's schema on each backend (the hook the migrations call; pg-search refines it).

- SQLite: an FTS5 trigram table `user_search` over username, email, phone and name, kept up to date by
  triggers (store/search_index.py suspends them for bulk loads).
- PostgreSQL: a normalised STORED generated column `search_text` (lower-cased username, email, name and phone,
  space-separated) with a GIN `gin_trgm_ops` index (pg_trgm is enabled before the migration runs). The column is
  generated, so every writer keeps it right without triggers; the ORM models do not declare it.
"""

from __future__ import annotations

from sqlalchemy import Connection

SEARCH_SQL = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS user_search USING fts5(
        username, email, phone, name, content='user', content_rowid='id', tokenize='trigram')""",
]
SEARCH_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS user_search_ai AFTER INSERT ON "user" BEGIN
        INSERT INTO user_search(rowid, username, email, phone, name)
        VALUES (new.id, new.username, new.email, new.phone, new.name); END""",
    """CREATE TRIGGER IF NOT EXISTS user_search_ad AFTER DELETE ON "user" BEGIN
        INSERT INTO user_search(user_search, rowid, username, email, phone, name)
        VALUES ('delete', old.id, old.username, old.email, old.phone, old.name); END""",
    """CREATE TRIGGER IF NOT EXISTS user_search_au AFTER UPDATE OF username, email, phone, name ON "user" BEGIN
        INSERT INTO user_search(user_search, rowid, username, email, phone, name)
        VALUES ('delete', old.id, old.username, old.email, old.phone, old.name);
        INSERT INTO user_search(rowid, username, email, phone, name)
        VALUES (new.id, new.username, new.email, new.phone, new.name); END""",
]

PG_SEARCH_COLUMN = "search_text"
PG_SEARCH_SQL = [
    f"""ALTER TABLE "user" ADD COLUMN IF NOT EXISTS {PG_SEARCH_COLUMN} text GENERATED ALWAYS AS (
        lower(coalesce(username, '') || ' ' || coalesce(email, '') || ' ' || coalesce(name, '') || ' '
              || coalesce(phone, ''))) STORED""",
    f'CREATE INDEX IF NOT EXISTS ix_user_search_trgm ON "user" USING gin ({PG_SEARCH_COLUMN} gin_trgm_ops)',
]


def create_search_schema(conn: Connection, backend: str) -> None:
    """Create the search index for `backend` ("sqlite" or "postgresql"); idempotent."""
    statements = PG_SEARCH_SQL if backend == "postgresql" else SEARCH_SQL + SEARCH_TRIGGERS
    for sql in statements:
        conn.exec_driver_sql(sql)


__all__ = ["PG_SEARCH_COLUMN", "SEARCH_SQL", "SEARCH_TRIGGERS", "create_search_schema"]
