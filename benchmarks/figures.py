"""Store-level figures: search, paging, sign-in and login history, each with its baseline from the same run."""

from __future__ import annotations

import math
import multiprocessing
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import text

from store import Database, auth, directory, history
from store.demo import DEMO_PASSWORD, DEMO_PASSWORD_HASH, DEMO_USER, HEAVY_USER
from store.passwords import HASHER


@dataclass
class Figure:
    """One line of the report: a measurement, its baseline from the same run, and the target."""

    key: str
    label: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    target: str = ""
    limit: float | None = None  # the target's bound, on the ratio when ratio_target, else on the value
    ratio_target: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def ok(self) -> bool | None:
        if self.limit is None or self.value is None:
            return None
        measured = self.ratio if self.ratio_target else self.value
        return measured is not None and measured <= self.limit

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value": _round(self.value),
            "unit": self.unit,
            "baseline": _round(self.baseline),
            "baseline_label": self.baseline_label,
            "ratio": _round(self.ratio),
            "target": self.target,
            "ok": self.ok,
            "details": {k: _round(v) for k, v in self.details.items()},
        }


def _round(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def timed_ms(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


# -- search -------------------------------------------------------------------------------------------------------


def search_mix(db: Database, per_kind: int, seed: int = 5) -> list[tuple[str, str]]:
    """A fixed mix of what admins type: prefixes, infixes, emails, phones, names, broad terms, and no match."""
    rng = random.Random(seed)
    with db.reader.connect() as conn:
        top = conn.execute(text('SELECT max(id) FROM "user"')).scalar_one()
        rows = conn.execute(
            text(
                'SELECT username, email, phone, family_name, name FROM "user" WHERE id IN '
                f"({', '.join(str(rng.randint(4, top)) for _ in range(per_kind * 8))}) AND username IS NOT NULL "
                "AND email IS NOT NULL AND family_name IS NOT NULL"
            )
        ).all()
        phones = [
            r[0]
            for r in conn.execute(
                text('SELECT phone FROM "user" WHERE phone IS NOT NULL AND id > :start LIMIT :n'),
                {"start": rng.randint(4, max(5, top - 100)), "n": per_kind},
            )
        ]
    rows = rows[:per_kind]
    mix = [("prefix", r.username[:6]) for r in rows]
    mix += [("short prefix", r.username[:2]) for r in rows[: max(1, per_kind // 2)]]
    mix += [("infix", r.family_name.lower()[1:5]) for r in rows]
    mix += [("email", r.email) for r in rows]
    mix += [("phone", p[-7:]) for p in phones]
    mix += [("name", r.name) for r in rows]
    mix += [("broad", "example.org"), ("broad", "son")][: max(1, per_kind // 2)]
    mix += [("no match", f"zqxj{n}wv") for n in range(max(1, per_kind // 2))]
    return mix


def search_latency(db: Database, mix: list[tuple[str, str]], repeats: int) -> dict[str, Any]:
    """The first page (100 rows, as the console asks) for each term; plus the status-line count."""
    samples: list[float] = []
    by_kind: dict[str, list[float]] = {}
    counts: list[float] = []
    for kind, term in mix:
        q = directory.DirectoryQuery(search=term)
        directory.page(db, q, limit=100)  # warm the statement and page cache once
        for _ in range(repeats):
            ms = timed_ms(lambda q=q: directory.page(db, q, limit=100))
            samples.append(ms)
            by_kind.setdefault(kind, []).append(ms)
        counts.append(timed_ms(lambda q=q: directory.count_and_order(db, q)))
    result: dict[str, Any] = {
        "p50": percentile(samples, 50),
        "p95": percentile(samples, 95),
        "count_p95": percentile(counts, 95),
        "queries": len(mix),
    }
    result.update({f"p95 {kind}": percentile(v, 95) for kind, v in by_kind.items()})
    return result


# -- paging -------------------------------------------------------------------------------------------------------


def paging(db: Database, repeats: int) -> dict[str, float]:
    """Keyset page (100 rows, by username) at row 0 vs 1,000 rows from the end (row 999,000 of 1M)."""
    with db.reader.connect() as conn:
        users = conn.execute(text('SELECT count(*) FROM "user"')).scalar_one()
    deep = max(1, users - 1000)
    cursor = directory.cursor_at(db, "username", deep - 1)
    q = directory.DirectoryQuery()
    first, far = [], []
    for _ in range(repeats + 1):
        first.append(timed_ms(lambda: directory.page(db, q, limit=100)))
        far.append(timed_ms(lambda: directory.page(db, q, after=(cursor[0], cursor[1]), limit=100)))
    first, far = first[1:], far[1:]  # the first round warms the cache
    return {
        "row0_ms": statistics.median(first),
        "deep_ms": statistics.median(far),
        "deep_row": deep,
        "deep_p95_ms": percentile(far, 95),
    }


# -- sign-in ------------------------------------------------------------------------------------------------------


def sign_in(db: Database, repeats: int) -> dict[str, float]:
    """`authenticate` (lookup, verify, session, history row) vs a bare argon2 verify with the same parameters."""
    hasher = PasswordHasher.from_parameters(HASHER._parameters)  # the store's parameters
    assert not hasher.check_needs_rehash(DEMO_PASSWORD_HASH), "demo hash parameters differ from the store's"
    auth.authenticate(db, DEMO_USER, DEMO_PASSWORD)  # warm up
    full, bare = [], []
    for _ in range(repeats):
        full.append(timed_ms(lambda: auth.authenticate(db, DEMO_USER, DEMO_PASSWORD)))
        bare.append(timed_ms(lambda: hasher.verify(DEMO_PASSWORD_HASH, DEMO_PASSWORD)))
    return {
        "authenticate_ms": statistics.median(full),
        "argon2_ms": statistics.median(bare),
        "authenticate_p95_ms": percentile(full, 95),
    }


def _sign_in_worker(path: str, key_path: str, seconds: float, bare: bool, barrier: Any, out: Any) -> None:
    db = Database(path, key_path=Path(key_path))
    hasher = PasswordHasher.from_parameters(HASHER._parameters)
    barrier.wait()
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if bare:
            hasher.verify(DEMO_PASSWORD_HASH, DEMO_PASSWORD)
        else:
            auth.authenticate(db, DEMO_USER, DEMO_PASSWORD)
        done += 1
    out.put(done)
    db.close()


def sign_ins_per_second(path: Path, key_path: Path, seconds: float, bare: bool, processes: int = 2) -> float:
    """Throughput with one process per core (each verify is CPU-bound argon2)."""
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(processes), ctx.Queue()
    workers = [
        ctx.Process(target=_sign_in_worker, args=(str(path), str(key_path), seconds, bare, barrier, out))
        for _ in range(processes)
    ]
    for w in workers:
        w.start()
    total = sum(out.get(timeout=seconds + 120) for _ in workers)
    for w in workers:
        w.join()
    return total / seconds


# -- login history ------------------------------------------------------------------------------------------------


def _user_id(db: Database, username: str) -> int:
    with db.reader.connect() as conn:
        return conn.execute(text('SELECT id FROM "user" WHERE username = :u'), {"u": username}).scalar_one()


def history_pages(db: Database, username: str, repeats: int) -> dict[str, float]:
    """A 50-row page of one user's history: newest, mid-way, near the end, failures only, one app only."""
    uid = _user_id(db, username)
    with db.reader.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM login_event WHERE user_id = :u"), {"u": uid}).scalar_one()
        cursors = [
            tuple(
                conn.execute(
                    text(
                        "SELECT ts, id FROM login_event WHERE user_id = :u ORDER BY ts DESC, id DESC LIMIT 1 OFFSET :o"
                    ),
                    {"u": uid, "o": offset},
                ).one()
            )
            for offset in sorted({rows // 2, max(0, rows - 50)})
        ]
    cases: list[tuple[history.HistoryFilter, tuple[int, int] | None]] = [(history.HistoryFilter(), None)]
    cases += [(history.HistoryFilter(), c) for c in cursors]
    cases += [(history.HistoryFilter(success=False), None), (history.HistoryFilter(app="billing"), None)]
    samples = []
    for flt, before in cases:
        history.login_history(db, uid, flt, before=before, limit=50)
        for _ in range(repeats):
            samples.append(
                timed_ms(lambda flt=flt, before=before: history.login_history(db, uid, flt, before=before, limit=50))
            )
    return {"p50": percentile(samples, 50), "p95": percentile(samples, 95), "rows": rows}


HEAVY = HEAVY_USER
