"""A throwaway PostgreSQL cluster for fair measurements: `python -m benchmarks.pg_cluster start|stop DIR`.

`start` makes DIR/data with initdb (trust auth, Unix socket DIR/sock only, no TCP), starts it with fsync on (the
durability SQLite's WAL gives; a dev server often runs with fsync off), creates the database `userdesk_bench` and
prints its URL. `stop` stops the server and removes DIR. initdb refuses root: run as root, the server runs as the
`postgres` account (runuser). The server binaries are the distribution's (/usr/lib/postgresql/*/bin).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

DATABASE = "userdesk_bench"
SETTINGS = ("fsync=on", "synchronous_commit=on", "shared_buffers=256MB", "max_wal_size=4GB", "listen_addresses=")


def bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        sys.exit("error: no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)")
    return Path(found[-1]).parent


def _as_server(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def url(folder: Path) -> str:
    return f"postgresql+psycopg://postgres@/{DATABASE}?host={folder / 'sock'}"


def start(folder: Path) -> str:
    bins = bindir()
    data, sock = folder / "data", folder / "sock"
    sock.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        shutil.chown(sock, "postgres", "postgres")
    if not (data / "PG_VERSION").exists():
        subprocess.run(
            _as_server([str(bins / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    options = " ".join(f"-c {setting}" for setting in SETTINGS) + f" -c unix_socket_directories={sock}"
    subprocess.run(
        _as_server(
            [str(bins / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w", "start"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [str(bins / "createdb"), "-h", str(sock), "-U", "postgres", DATABASE], check=False, stderr=subprocess.DEVNULL
    )
    return url(folder)


def stop(folder: Path) -> None:
    data = folder / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(
            _as_server([str(bindir() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ("start", "stop"):
        sys.exit("usage: python -m benchmarks.pg_cluster start|stop DIR")
    folder = Path(args[1]).resolve()
    if args[0] == "start":
        print(start(folder))
    else:
        stop(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
