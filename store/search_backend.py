"""The search index's schema on each backend (the hook the migrations call); store/directory.py queries it.

- SQLite: an FTS5 trigram table `user_search` over username, email, phone and name, kept up to date by
  triggers (store/search_index.py suspends them for bulk loads).
- PostgreSQL: a normalised STORED generated column `search_text` (lower-cased username, email, name and phone,
  separated by U+001F, a control character no term holds, so that LIKE '%term%' never matches across two fields,
  as the per-column FTS5 phrase does not) with a GIN `gin_trgm_ops` index (pg_trgm is enabled before the migration
  runs). The column is generated, so every writer keeps it right without triggers (store/search_index.py has
  nothing to suspend there); the ORM models do not declare it.
  Terms of one or two characters match by prefix, through one b-tree range per field (PG_PREFIX_INDEXES).
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
        lower(coalesce(username, '') || chr(31) || coalesce(email, '') || chr(31) || coalesce(name, '') || chr(31)
              || coalesce(phone, ''))) STORED""",
    f'CREATE INDEX IF NOT EXISTS ix_user_search_trgm ON "user" USING gin ({PG_SEARCH_COLUMN} gin_trgm_ops)',
]

# PostgreSQL: one text_pattern_ops index per field that 1-2 character terms match by prefix (LIKE 'ab%', a range
# in byte order whatever the collation), as (name, indexed expression, columns the index also carries).
# INCLUDE makes each range scan index-only: the planner takes an expression index for index-only use only when
# the columns the expression reads are in it, and the id is what the range yields. Without it, counting the
# usernames starting with "la" walked the whole unique username index instead (150 ms at 1M users).
PG_PREFIX_INDEXES = (
    ("username", "lower(coalesce(username, ''))", "username, id"),
    ("email", "email", "id"),
    ("name", "lower(name)", "name, id"),
    ("phone", "phone", "id"),
)


def replace_prefix_indexes(conn: Connection) -> None:
    """(Re)create PostgreSQL's prefix indexes as PG_PREFIX_INDEXES defines them (migration v8)."""
    for name, expr, include in PG_PREFIX_INDEXES:
        index = f"ix_user_{name}_prefix"
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {index}")
        conn.exec_driver_sql(f'CREATE INDEX {index} ON "user" (({expr}) text_pattern_ops) INCLUDE ({include})')


def create_search_schema(conn: Connection, backend: str) -> None:
    """Create the search index for `backend` ("sqlite" or "postgresql"); idempotent."""
    statements = PG_SEARCH_SQL if backend == "postgresql" else SEARCH_SQL + SEARCH_TRIGGERS
    for sql in statements:
        conn.exec_driver_sql(sql)


__all__ = [
    "PG_PREFIX_INDEXES",
    "PG_SEARCH_COLUMN",
    "SEARCH_SQL",
    "SEARCH_TRIGGERS",
    "create_search_schema",
    "replace_prefix_indexes",
]
