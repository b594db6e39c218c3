"""SQLite and PostgreSQL side by side (issue 14 "Speed"): `python -m benchmarks.run --postgresql URL`.

The PostgreSQL database named by URL must exist (create it with `createdb`); a demo directory of the run's size
is built in it (timed) or reused when its demo note matches. Then the same store-level figures are taken on both
backends in one run, each with the same code, and printed as one table:

- search p95 (the search mix of benchmarks/figures.py, first page of 100 rows)        target <= 15 ms on both
- deep page / first page (keyset, by username)                                         target <= 1.5x on both
- sign-ins per second, 2 processes (both cores)                                        PG >= 0.9x SQLite
- demo build                                                                           PG <= 1.5x SQLite
- sign-ins per second from 1, 2 and 4 processes, each process signing in its own user (so PostgreSQL's row
  locks do not serialise them on one row): PostgreSQL runs writers in parallel where SQLite takes one at a time.

Fairness: measure against a server with fsync on (benchmarks/pg_cluster.py starts one; the shared dev server
has fsync off). Each benchmark session sets synchronous_commit=off only where the store itself does; SQLite runs
WAL with synchronous=NORMAL (a commit is durable at the next checkpoint): the durability of the two is alike.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from store import Database, DatabaseError, auth
from store.demo import DEMO_PASSWORD

SEED = 1
SEARCH_TARGET_MS = 15.0
DEEP_TARGET = 1.5
SIGNIN_TARGET = 0.9  # PG sign-ins/s >= 0.9x SQLite
BUILD_TARGET = 1.5  # PG demo build <= 1.5x SQLite
WRITERS = (1, 2, 4)


@dataclass
class Side:
    """The figures of one backend."""

    search_p95: float | None
    deep_ratio: float | None
    signins_2: float
    build_s: float | None
    writers: dict[int, float]
    skipped: dict[str, str]


def log(message: str) -> None:
    print(f"· {message}", flush=True, file=sys.stderr)


def pg_dataset(url: str, users: int, key: Path, *, rebuild: bool, data: Path) -> tuple[Database, dict[str, Any]]:
    """The demo directory in the PostgreSQL database at `url`: reused when its demo note says `users`, else built."""
    from store import demo as demo_builder

    try:
        db = Database(url, create=True, key_path=key)
    except DatabaseError as exc:  # e.g. a database made with another --data-dir's key: say so, no traceback
        raise SystemExit(f"error: {exc} (this run's key is {key}; use a new database or that --data-dir)") from None
    with db.reader.connect() as conn:
        note = conn.exec_driver_sql("SELECT value FROM meta WHERE key = 'demo'").scalar()
    record = data / f"postgresql-{users}.json"
    if note and json.loads(note).get("users") == users and record.exists() and not rebuild:
        built = json.loads(record.read_text())
        log(f"reusing the PostgreSQL demo ({users:,} users, built in {built['seconds']:.1f} s)")
        return db, {**built, "reused": True}
    log(f"building the PostgreSQL demo ({users:,} users)")
    load = os.getloadavg()[0]
    summary = demo_builder.build(db, users=users, seed=SEED, force=True, progress=lambda m: log(f"  {m}"))
    built = {"seconds": summary.seconds, "timings": summary.timings, "load_average": load, "parallel": summary.parallel}
    record.write_text(json.dumps(built, indent=2))
    return db, {**built, "reused": False}


def signable_users(db: Database, n: int) -> list[str]:
    """n users who sign in with the demo password alone (active, not locked, no TOTP, no forced change)."""
    with db.reader.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT username FROM \"user\" WHERE status = 'active' AND mfa_state = 'none' "
                "AND locked_until IS NULL AND password_hash IS NOT NULL AND must_change_password = :no "
                "AND id > 3 ORDER BY id LIMIT :n"
            ),
            {"no": False, "n": n},
        ).all()
    names = [r[0] for r in rows]
    if len(names) < n:
        raise RuntimeError(f"only {len(names)} demo users can sign in with a password alone; {n} needed")
    return names


def _writer(target: str, key: str, username: str, seconds: float, barrier: Any, out: Any) -> None:
    db = Database(target, key_path=Path(key))
    auth.authenticate(db, username, DEMO_PASSWORD)  # connect and warm up before the clock starts
    barrier.wait()
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        auth.authenticate(db, username, DEMO_PASSWORD)
        done += 1
    out.put(done)
    db.close()


def sign_ins_per_second(target: str, key: Path, usernames: list[str], seconds: float) -> float:
    """Full sign-ins (lookup, argon2, session, history row) per second, one process per username."""
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter each: no pooled connection crosses a fork
    barrier, out = ctx.Barrier(len(usernames)), ctx.Queue()
    workers = [
        ctx.Process(target=_writer, args=(target, str(key), name, seconds, barrier, out), daemon=True)
        for name in usernames
    ]
    for w in workers:
        w.start()
    try:
        total = sum(out.get(timeout=seconds + 180) for _ in workers)
    finally:
        for w in workers:
            w.join(timeout=30)
            if w.is_alive():
                w.kill()
    return total / seconds


def _guarded(what: str, measure: Callable[[], Any], skipped: dict[str, str]) -> Any:
    """One figure; a failure (e.g. a store path not yet ported to this backend) is recorded, not fatal."""
    try:
        return measure()
    except Exception as exc:  # the table shows "-" and the JSON says why
        skipped[what] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
        log(f"  {what} failed: {skipped[what]}")
        return None


def side(db: Database, target: str, key: Path, build_s: float | None, *, quick: bool) -> Side:
    """Every figure of one backend."""
    from . import figures as f

    repeats, per_kind = (5, 2) if quick else (30, 6)
    skipped: dict[str, str] = {}
    search = _guarded("search", lambda: f.search_latency(db, f.search_mix(db, per_kind), repeats), skipped)
    pages = _guarded("paging", lambda: f.paging(db, repeats), skipped)
    seconds = 1.0 if quick else 8.0
    names = signable_users(db, max(WRITERS))
    writers = {n: sign_ins_per_second(target, key, names[:n], seconds) for n in WRITERS}
    return Side(
        search_p95=search["p95"] if search else None,
        deep_ratio=pages["deep_ms"] / pages["row0_ms"] if pages else None,
        signins_2=writers[2],
        build_s=build_s,
        writers=writers,
        skipped=skipped,
    )


def compare(
    sqlite_path: Path,
    sqlite_build_s: float | None,
    url: str,
    users: int,
    key: Path,
    data: Path,
    *,
    quick: bool,
    rebuild: bool,
) -> dict[str, Any]:
    """Both backends' figures and their rows for the side-by-side table."""
    pg_db, pg_built = pg_dataset(url, users, key, rebuild=rebuild, data=data)
    sqlite_db = Database(str(sqlite_path), key_path=key)
    try:
        log("backends: SQLite")
        lite = side(sqlite_db, str(sqlite_path), key, sqlite_build_s, quick=quick)
        log("backends: PostgreSQL")
        pg = side(pg_db, url, key, pg_built["seconds"], quick=quick)
    finally:
        sqlite_db.close()
        pg_db.close()
    return {
        "users": users,
        "rows": rows(lite, pg),
        "postgresql_build": pg_built,
        "skipped": {"sqlite": lite.skipped, "postgresql": pg.skipped},
    }


def _within(limit: float, *values: float | None) -> bool:
    """Every value measured and at most `limit` (a figure that could not be measured is not a pass)."""
    return all(v is not None and v <= limit for v in values)


def _ok(value: bool) -> str:
    return "yes" if value else "NO"


def rows(lite: Side, pg: Side) -> list[dict[str, Any]]:
    """One dict per line: figure, unit, sqlite, postgresql, pg/sqlite ratio, target, ok."""
    out: list[dict[str, Any]] = []

    def add(figure: str, unit: str, a: float | None, b: float | None, target: str, ok: bool | None) -> None:
        ratio = b / a if a and b is not None else None  # PG / SQLite
        out.append(
            {"figure": figure, "unit": unit, "sqlite": a, "postgresql": b, "ratio": ratio, "target": target, "ok": ok}
        )

    add(
        "search p95 (store)",
        "ms",
        lite.search_p95,
        pg.search_p95,
        f"<= {SEARCH_TARGET_MS:.0f} ms",
        _within(SEARCH_TARGET_MS, lite.search_p95, pg.search_p95),
    )
    add(
        "deep page / first page",
        "x",
        lite.deep_ratio,
        pg.deep_ratio,
        f"<= {DEEP_TARGET}x",
        _within(DEEP_TARGET, lite.deep_ratio, pg.deep_ratio),
    )
    add(
        "sign-ins/s, 2 processes",
        "/s",
        lite.signins_2,
        pg.signins_2,
        f"PG >= {SIGNIN_TARGET}x SQLite",
        pg.signins_2 >= SIGNIN_TARGET * lite.signins_2,
    )
    build_ok = None if lite.build_s is None or pg.build_s is None else pg.build_s <= BUILD_TARGET * lite.build_s
    add("demo build", "s", lite.build_s, pg.build_s, f"PG <= {BUILD_TARGET}x SQLite", build_ok)
    for n in WRITERS:
        add(f"sign-ins/s, {n} process{'es' if n > 1 else ''}", "/s", lite.writers[n], pg.writers[n], "-", None)
    return out


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    text_ = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
    return text_ if unit == "x" else f"{text_} {unit}"


def table(result: dict[str, Any], write: Callable[[str], None] = print) -> None:
    """The side-by-side table."""
    lines = [("Backends, " + f"{result['users']:,} users", "SQLite", "PostgreSQL", "PG/SQLite", "Target", "OK")]
    for r in result["rows"]:
        lines.append(
            (
                r["figure"],
                _fmt(r["sqlite"], r["unit"]),
                _fmt(r["postgresql"], r["unit"]),
                "-" if r["ratio"] is None else f"{r['ratio']:.2f}x",
                r["target"],
                "-" if r["ok"] is None else _ok(r["ok"]),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    write("")
    for i, line in enumerate(lines):
        write("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if i == 0:
            write("  ".join("-" * w for w in widths))
