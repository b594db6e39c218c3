"""Issue 5's figures in one command: `python -m benchmarks.run [--users 1000000] [--quick] [--rebuild]`.

Builds (or reuses) demo databases under benchmarks/data/, then measures every figure next to its
baseline from the same run, so the ratios hold on a noisy machine. Prints a table, then JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = 1
SMALL = 1000


@dataclass(frozen=True)
class Settings:
    users: int
    quick: bool
    rebuild: bool
    console: bool
    data: Path
    transfer: bool = True

    @property
    def repeats(self) -> int:
        return 5 if self.quick else 30

    @property
    def per_kind(self) -> int:
        return 2 if self.quick else 6


def log(message: str) -> None:
    print(f"· {message}", file=sys.stderr, flush=True)


def isolate(data: Path) -> Path:
    """Keep the benchmark away from the user's own config, data and key; returns the key file."""
    key = data / "secret.key"
    os.environ["USERDESK_CONFIG_DIR"] = str(data / "config")
    os.environ["USERDESK_DATA_DIR"] = str(data / "userdata")
    os.environ["USERDESK_KEY_FILE"] = str(key)
    os.environ.pop("USERDESK_DB", None)
    return key


def dataset(settings: Settings, users: int, key: Path, *, rebuild: bool) -> tuple[Path, Any, dict[str, Any]]:
    """The demo database with `users` users: reused when it matches, else built (and the build timed)."""
    from store import Database
    from store import demo as demo_builder
    from store.db import SCHEMA_VERSION

    path = settings.data / f"demo-{users}.db"
    record = path.with_suffix(".json")
    if path.exists() and record.exists() and not rebuild:
        db = Database(str(path), key_path=key)
        with db.reader.connect() as conn:
            note = conn.exec_driver_sql("SELECT value FROM meta WHERE key = 'demo'").scalar()
        built = json.loads(record.read_text())
        if (
            note
            and json.loads(note).get("users") == users
            and db.schema_version() == SCHEMA_VERSION
            and built.get("schema") == SCHEMA_VERSION
        ):
            log(f"reusing {path.name} (built {built['built_at']} in {built['seconds']:.1f} s)")
            return path, db, {**built, "reused": True}
        db.close()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    log(f"building {path.name} ({users:,} users)")
    db = Database(str(path), create=True, key_path=key)
    load = os.getloadavg()[0]
    summary = demo_builder.build(db, users=users, seed=SEED, progress=lambda m: log(f"  {m}"))
    built = {
        "seconds": summary.seconds,
        "timings": summary.timings,
        "history": summary.history,
        "built_at": time.strftime("%Y-%m-%d %H:%M"),
        "load_average": load,
        "schema": SCHEMA_VERSION,
        "parallel": summary.parallel,
    }
    record.write_text(json.dumps(built, indent=2))
    return path, db, {**built, "reused": False}


def measure(settings: Settings) -> tuple[list, dict[str, Any]]:
    from . import figures as f

    key = isolate(settings.data)
    small_path, small_db, small_built = dataset(settings, SMALL, key, rebuild=True)
    big_path, big_db, big_built = dataset(settings, settings.users, key, rebuild=settings.rebuild)
    n = f"{settings.users:,}"
    out: list[f.Figure] = []

    log("demo build")
    out.append(
        f.Figure(
            "demo_build",
            f"demo build, {n} users",
            big_built["seconds"],
            "s",
            small_built["seconds"],
            f"{SMALL:,} users",
            "<= 90 s at 1M (issue 15)",
            90.0,
            details={
                "reused": big_built["reused"],
                "built_at": big_built["built_at"],
                "load_average_at_build": big_built["load_average"],
                **{f"{k}_s": v for k, v in big_built["timings"].items()},
            },
        )
    )

    log("search")
    mix = f.search_mix(big_db, settings.per_kind)
    big_search = f.search_latency(big_db, mix, settings.repeats)
    small_search = f.search_latency(small_db, f.search_mix(small_db, settings.per_kind), settings.repeats)
    out.append(
        f.Figure(
            "search_p50",
            f"search p50, {n} users (store)",
            big_search["p50"],
            "ms",
            small_search["p50"],
            f"{SMALL:,} users",
            details={"terms": [t for _, t in mix]},
        )
    )
    out.append(
        f.Figure(
            "search_p95",
            f"search p95, {n} users (store)",
            big_search["p95"],
            "ms",
            small_search["p95"],
            f"{SMALL:,} users",
            "p95 <= 10 ms",
            10.0,
            details={k: v for k, v in big_search.items() if k.startswith("p95 ") or k == "count_p95"},
        )
    )

    log("filters")
    from . import filters

    out += filters.figures(big_db, settings.users, settings.repeats, small_db, f"{SMALL:,} users")

    log("paging")
    pages = f.paging(big_db, settings.repeats)
    out.append(
        f.Figure(
            "paging",
            f"page at row {pages['deep_row']:,} (keyset)",
            pages["deep_ms"],
            "ms",
            pages["row0_ms"],
            "page at row 0",
            "<= 1.5x row 0",
            1.5,
            ratio_target=True,
            details={"deep_p95_ms": pages["deep_p95_ms"]},
        )
    )

    log("login history")
    heavy = f.history_pages(big_db, f.HEAVY, settings.repeats)
    light = f.history_pages(big_db, "demo.user", settings.repeats)
    out.append(
        f.Figure(
            "history_p95",
            f"history page, user with {heavy['rows']:,} rows",
            heavy["p95"],
            "ms",
            light["p95"],
            f"user with {light['rows']:,} rows",
            "p95 <= 5 ms",
            5.0,
            details={"p50": heavy["p50"]},
        )
    )

    log("sign-in")
    signin = f.sign_in(big_db, max(3, settings.repeats // 2))
    out.append(
        f.Figure(
            "signin",
            "authenticate() wall time",
            signin["authenticate_ms"],
            "ms",
            signin["argon2_ms"],
            "bare argon2 verify",
            "<= 1.2x argon2",
            1.2,
            ratio_target=True,
            details={"authenticate_p95_ms": signin["authenticate_p95_ms"]},
        )
    )
    seconds = 1.0 if settings.quick else 8.0
    per_s = f.sign_ins_per_second(big_path, key, seconds, bare=False)
    bare_per_s = f.sign_ins_per_second(big_path, key, seconds, bare=True)
    out.append(
        f.Figure(
            "signins_per_s",
            "sign-ins per second, 2 processes",
            per_s,
            "/s",
            bare_per_s,
            "bare argon2 verifies/s, 2 processes",
        )
    )

    if settings.transfer:
        from . import transfer

        out += transfer.figures(settings.users, settings.data, settings.quick)
    if settings.console:
        out += console_figures(settings, {"small": (small_path, small_db), "big": (big_path, big_db)}, mix)
    return out, {"small_built": small_built, "big_built": big_built}


def console_figures(settings: Settings, dbs: dict[str, tuple[Path, Any]], mix: list[tuple[str, str]]) -> list:
    from . import account, memory
    from . import console as c
    from . import figures as f

    n = f"{settings.users:,}"
    if not c.available():
        log("tmux not found: console figures skipped")
        return [
            f.Figure(key, label, None, "", details={"skipped": "tmux not found"})
            for key, label in (
                ("cold_start", "cold start"),
                ("help_start", "userdesk --help"),
                ("session_check_start", "userdesk session check"),
                ("keystroke_p95", "keystroke to results"),
                ("peak_rss", "peak RSS"),
                ("memory_cycles", "RSS after open/close cycles"),
                ("open_account_p95", "open account"),
                ("tab_switch_p95", "account tab switch"),
            )
        ]
    console = c.Console(
        env={k: os.environ[k] for k in ("USERDESK_CONFIG_DIR", "USERDESK_DATA_DIR", "USERDESK_KEY_FILE")}
        | {"TERM": "xterm-256color", "PATH": os.environ.get("PATH", "")}
    )
    log("console cold start")
    starts = c.cold_starts(console, dbs, runs=1 if settings.quick else 5)
    log("command start-up (--help, session check)")
    commands = c.command_starts(console, dbs["big"][0], runs=3 if settings.quick else 10)
    terms = [t for kind, t in mix if kind in ("prefix", "infix", "email", "phone", "name", "no match")]
    terms = [t for t in terms if t and not t.startswith("zqxj")][: 1 if settings.quick else 10]
    log("console keystrokes and memory")
    big = c.keystrokes(console, *dbs["big"], terms)
    small = c.keystrokes(console, *dbs["small"], terms)
    floor = c.echo_floor(console, terms)
    log("console memory over open/close cycles")
    cycles = memory.open_close_rss(console, dbs["small"][0], memory.QUICK if settings.quick else memory.FULL)
    log("console: opening accounts and switching tabs")
    opened = account.figures(console, dbs["big"][0], settings.users, opens=5 if settings.quick else 20)
    return [
        f.Figure(
            "cold_start",
            f"cold start to painted page, {n} users",
            starts["big"],
            "s",
            starts["bare"],
            "bare Textual app",
            "<= 1.3x bare app",
            1.3,
            ratio_target=True,
        ),
        f.Figure(
            "help_start",
            "userdesk --help, whole process",
            commands["help"],
            "s",
            commands["python"],
            "python -c pass",
            "<= 0.2 s",
            0.2,
        ),
        f.Figure(
            "session_check_start",
            f"userdesk session check, whole process, {n} users",
            commands["session_check"],
            "s",
            commands["python"],
            "python -c pass",
            "<= 0.2 s",
            0.2,
        ),
        f.Figure(
            "cold_start_scale",
            f"cold start, {n} vs {SMALL:,} users",
            starts["big"],
            "s",
            starts["small"],
            f"{SMALL:,} users",
            "<= 1.2x",
            1.2,
            ratio_target=True,
        ),
        f.Figure(
            "keystroke_p95",
            f"keystroke to results p95, {n} users",
            big["typed_p95"],
            "ms",
            small["typed_p95"],
            f"{SMALL:,} users",
            "p95 <= 60 ms (issue 15)",
            60.0,
            details={
                "typed_p50": big["typed_p50"],
                "terms": terms,
                "search_debounce_ms": _debounce_ms(),
                "bare_app_echo_p95": floor,
            },
        ),
        f.Figure(
            "enter_p95",
            f"Enter to results p95, {n} users",
            big["enter_p95"],
            "ms",
            small["enter_p95"],
            f"{SMALL:,} users",
            "p95 <= 60 ms (issue 15)",
            60.0,
            details={"enter_p50": big["enter_p50"], "bare_app_echo_p95": floor},
        ),
        f.Figure(
            "peak_rss",
            f"peak RSS of the admin console, {n} users",
            big["peak_rss_mb"],
            "MB",
            small["peak_rss_mb"],
            f"{SMALL:,} users",
            "<= 1.3x",
            1.3,
            ratio_target=True,
        ),
        f.Figure(
            "memory_cycles",
            f"RSS after {cycles['late_cycles']} account open/close cycles",
            cycles["late_mb"],
            "MB",
            cycles["early_mb"],
            f"after {cycles['early_cycles']} cycles",
            f"<= {memory.LIMIT}x",
            memory.LIMIT,
            ratio_target=True,
            details={"seconds_per_cycle": cycles["seconds_per_cycle"], "enter_resent": cycles["enter_resent"]},
        ),
        *opened,
    ]


def _debounce_ms() -> float | None:
    """How long the console waits for more of a burst that is still arriving before it searches (a term typed or sent
    in one burst searches as soon as all of it is in: tui/admin/directory.py)."""
    try:
        from tui.admin.directory import SEARCH_DEBOUNCE
    except ImportError:
        return None
    return SEARCH_DEBOUNCE * 1000


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
    return f"{text} {unit}".strip()


def report(
    settings: Settings,
    results: list,
    extra: dict[str, Any],
    started: float,
    write: Callable[[str], None] = print,
    backends: dict[str, Any] | None = None,
) -> dict[str, Any]:
    rows = [("Figure", "Measured", "Baseline (same run)", "Ratio", "Target", "OK")]
    for fig in results:
        ok = "-" if fig.ok is None else ("yes" if fig.ok else "NO")
        baseline = f"{_fmt(fig.baseline, fig.unit)} ({fig.baseline_label})" if fig.baseline is not None else "-"
        rows.append(
            (
                fig.label,
                _fmt(fig.value, fig.unit),
                baseline,
                "-" if fig.ratio is None else f"{fig.ratio:.2f}x",
                fig.target or "-",
                ok,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            write("  ".join("-" * w for w in widths))
    if backends is not None:
        from .backends import table

        table(backends, write)
    data = {
        "users": settings.users,
        "quick": settings.quick,
        "seconds": round(time.perf_counter() - started, 1),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average": os.getloadavg()},
        "figures": {fig.key: fig.as_json() for fig in results},
    }
    if backends is not None:
        data["backends"] = backends
    write("")
    write("JSON:")
    write(json.dumps(data, indent=2))
    (settings.data / "last-run.json").write_text(json.dumps(data, indent=2))
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=1_000_000, help="directory size (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (for smoke runs)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the big database even if it can be reused")
    parser.add_argument("--no-console", action="store_true", help="skip the console figures (they need tmux)")
    parser.add_argument("--no-transfer", action="store_true", help="skip the import/export figures")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / "data")
    parser.add_argument(
        "--postgresql",
        "--db",
        metavar="URL",
        help="also measure PostgreSQL (an existing database, postgresql://...) beside SQLite (benchmarks/backends.py)",
    )
    args = parser.parse_args(argv)
    if args.postgresql and not args.postgresql.startswith("postgresql"):
        parser.error("--postgresql/--db takes a postgresql:// URL")
    if args.users < SMALL:
        parser.error(f"--users must be at least {SMALL}")
    args.data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        users=args.users,
        quick=args.quick,
        rebuild=args.rebuild,
        console=not args.no_console,
        data=args.data_dir.resolve(),
        transfer=not args.no_transfer,
    )
    started = time.perf_counter()
    results, extra = measure(settings)
    backends = None
    if args.postgresql:
        from .backends import compare

        big = settings.data / f"demo-{settings.users}.db"
        sqlite_build = extra["big_built"]["seconds"]
        backends = compare(
            big,
            sqlite_build,
            args.postgresql,
            settings.users,
            settings.data / "secret.key",
            settings.data,
            quick=settings.quick,
            rebuild=settings.rebuild,
        )
    report(settings, results, extra, started, backends=backends)
    return 0


if __name__ == "__main__":
    sys.exit(main())
