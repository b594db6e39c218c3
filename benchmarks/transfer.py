"""Import and export figures: `python -m benchmarks.transfer --users 100000` (also part of benchmarks.run).

Each import runs in a fresh process on a fresh database (so its peak RSS is its own), from a generated file:
Userdesk NDJSON with argon2id hashes, and Auth0 JSON with bcrypt hashes. The baseline is the same run at
SMALL users, scaled linearly: a ratio near 1 means the import does not slow down with size. Memory: peak RSS at
N users against SMALL (target <= 1.2x). Export: N users to Userdesk NDJSON with hashes from the imported database.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .figures import Figure

SMALL = 10_000
QUICK_SMALL = 1_000
BCRYPT_COST = 10
CHILD = """
import json, resource, sys, time
from pathlib import Path
from store import Actor, Database
from store.transfer.core import ImportOptions, run_import
from store.transfer.export import run_export
mode, db_path, file, fmt = sys.argv[1:5]
db = Database(db_path, create=mode == "import", key_path=Path(db_path).with_suffix(".key"))
started = time.perf_counter()
if mode == "import":
    summary = run_import(db, Actor("bench"), file, ImportOptions(format=fmt, apply=True))
    assert summary.ok and summary.created > 0, summary
    count = summary.created
else:
    count = run_export(db, Actor("bench"), file, fmt, include_hashes=True).users
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "count": count, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def log(message: str) -> None:
    print(f"· {message}", file=sys.stderr, flush=True)


def write_ndjson(path: Path, users: int) -> None:
    from store.demo import DEMO_PASSWORD_HASH

    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"type": "userdesk-export", "version": 1}) + "\n")
        for i in range(users):
            user = {
                "type": "user",
                "username": f"user{i:07d}",
                "email": f"user{i:07d}@example.com",
                "name": f"User {i}",
                "password_hash": DEMO_PASSWORD_HASH,
            }
            out.write(json.dumps(user) + "\n")


def write_auth0(path: Path, users: int) -> None:
    import bcrypt

    shared = bcrypt.hashpw(b"a benchmark password", bcrypt.gensalt(BCRYPT_COST)).decode()
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for i in range(users):
            user = {"email": f"a{i:07d}@example.com", "email_verified": True, "password_hash": shared}
            out.write(("\n" if i == 0 else ",\n") + json.dumps(user))
        out.write("\n]\n")


def child(mode: str, db_path: Path, file: Path, fmt: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(db_path), str(file), fmt],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{mode} {fmt} failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", ".key"):
        Path(f"{path}{suffix}" if suffix != ".key" else path.with_suffix(".key")).unlink(missing_ok=True)
    return path


def run_import(data: Path, fmt: str, users: int) -> dict[str, Any]:
    source = data / f"import-{fmt}-{users}.{'ndjson' if fmt == 'userdesk' else 'json'}"
    if not source.exists():
        (write_ndjson if fmt == "userdesk" else write_auth0)(source, users)
    db_path = _fresh(data / f"import-{fmt}-{users}.db")
    return child("import", db_path, source, fmt) | {"db": db_path, "file_mb": source.stat().st_size / 1e6}


def run_export(db_path: Path) -> dict[str, Any]:
    dest = db_path.with_suffix(".export.ndjson")
    dest.unlink(missing_ok=True)
    try:
        return child("export", db_path, dest, "userdesk")
    finally:
        dest.unlink(missing_ok=True)


def figures(users: int, data: Path, quick: bool = False) -> list[Figure]:
    small = min(QUICK_SMALL if quick else SMALL, users)
    n = f"{users:,}"
    out: list[Figure] = []
    exports: dict[str, Any] = {}
    for fmt, label in (("userdesk", "Userdesk NDJSON"), ("auth0", "Auth0 JSON, bcrypt")):
        log(f"import {label}: {small:,} then {n} users")
        base = run_import(data, fmt, small)
        big = run_import(data, fmt, users)
        out.append(
            Figure(
                f"import_{fmt}",
                f"import {n} users, {label}",
                big["seconds"],
                "s",
                base["seconds"] * users / small,
                f"{small:,} users, scaled",
                "<= 90 s at 1M",
                90.0 if users >= 1_000_000 else None,
                details={
                    "users_per_s": big["count"] / big["seconds"],
                    "peak_rss_mb": big["rss_mb"],
                    f"peak_rss_mb_at_{small}": base["rss_mb"],
                    "rss_ratio": big["rss_mb"] / base["rss_mb"],
                    "file_mb": big["file_mb"],
                },
            )
        )
        if fmt == "userdesk":
            exports = {"small": base["db"], "big": big["db"]}
    log(f"export {small:,} then {n} users")
    base_export, big_export = run_export(exports["small"]), run_export(exports["big"])
    out.append(
        Figure(
            "export",
            f"export {n} users (NDJSON, with hashes)",
            big_export["seconds"],
            "s",
            base_export["seconds"] * users / small,
            f"{small:,} users, scaled",
            "<= 30 s at 1M",
            30.0 if users >= 1_000_000 else None,
            details={"users_per_s": big_export["count"] / big_export["seconds"], "peak_rss_mb": big_export["rss_mb"]},
        )
    )
    rss = max(f.details["rss_ratio"] for f in out if "rss_ratio" in f.details)
    out.append(
        Figure(
            "import_rss",
            f"import peak RSS, {n} vs {small:,} users (worst format)",
            rss,
            "x",
            1.0,
            "flat memory",
            "<= 1.2x",
            1.2,
        )
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.transfer", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help=f"baseline at {QUICK_SMALL:,} users instead of {SMALL:,}")
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parent / "data")
    args = parser.parse_args(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results = figures(args.users, args.data_dir.resolve(), args.quick)
    data = {
        "users": args.users,
        "seconds": round(time.perf_counter() - started, 1),
        "figures": {f.key: f.as_json() for f in results},
    }
    for fig in results:
        print(f"{fig.label}: {fig.value:.2f} {fig.unit} (baseline {fig.baseline:.2f}, {fig.baseline_label})")
    print("JSON:")
    print(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
