"""`userdesk serve` figures, side by side in one run (small scale: 10k users by default):

- connect-to-first-paint of the self-service console over SSH (OpenSSH client in tmux) vs the same console started
  locally in tmux (target ≤ 1.3×);
- keystroke-to-paint p95 with 20 concurrent SSH sessions typing vs one session alone (target ≤ 2×): the time from
  a keystroke sent by an asyncssh client to the first bytes of the console's redraw;
- memory per extra session: RSS and PSS (shared pages split between processes) of each console process, and the
  server's own growth (target ≤ 40 MB).

The self-service sign-in field is what the sessions type into: the admin console's search needs the admin roles
feature (a registered key and a TOTP gate), so this measures the serving path (SSH, PTY, a Textual redraw) rather
than the directory query, which `python -m benchmarks.run` measures on its own.

Usage: `python -m benchmarks.serve [--users 10000] [--sessions 20] [--runs 5] [--data-dir DIR]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .console import Terminal
from .figures import percentile
from .run import ROOT, Settings, dataset, isolate, log

READY = "sign in to your account"


class ServeProcess:
    """`userdesk serve` on a free port, with limits wide enough for the benchmark's own connections."""

    def __init__(self, db_path: Path, data: Path) -> None:
        command = [
            sys.executable, "-m", "tui", "--db", str(db_path), "serve", "--listen", "127.0.0.1:0",
            "--host-key", str(data / "bench_host_key"), "--rate", "10000", "--max-per-ip", "1000",
            "--max-sessions", "1000",
        ]  # fmt: skip
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("listening on "):
                self.port = int(line.rsplit(":", 1)[1])
                return
        raise RuntimeError("userdesk serve did not start")

    def ssh_command(self) -> list[str]:
        return [
            "ssh", "-tt", "-p", str(self.port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", "-o", "PubkeyAuthentication=no", "-F", "/dev/null", "self@127.0.0.1",
        ]  # fmt: skip

    def console_pids(self) -> list[int]:
        pids: list[int] = []
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            pids += [int(p) for p in (task / "children").read_text().split()]
        return pids

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def first_paint(command: list[str], env: dict[str, str], runs: int) -> float:
    """Median seconds from starting `command` in tmux to the sign-in screen."""
    times = []
    for _ in range(runs):
        terminal = Terminal(command, env)
        try:
            terminal.wait_for(lambda screen: READY in screen)
            times.append(time.perf_counter() - terminal.started)
        finally:
            terminal.close()
    return statistics.median(times)


async def keystroke_latencies(port: int, sessions: int, keys: int) -> list[float]:
    """Open `sessions` consoles at once; each types `keys` characters with a human-ish pause; ms to first redraw."""
    import asyncssh

    from tests.serve.helpers import open_console

    opened = await asyncio.gather(*(open_console(port, size=(120, 40)) for _ in range(sessions)))
    await asyncio.gather(*(screen.wait_for(READY, timeout=120) for _, _, screen in opened))
    await asyncio.sleep(1.0)

    async def type_into(process: asyncssh.SSHClientProcess) -> list[float]:
        samples = []
        for i in range(keys):
            await asyncio.sleep(random.uniform(0.05, 0.15))
            while True:  # drop anything still arriving from the previous key
                try:
                    await asyncio.wait_for(process.stdout.read(65536), 0.01)
                except TimeoutError:
                    break
            start = time.perf_counter()
            process.stdin.write(b"abcdefghij"[i % 10 : i % 10 + 1])
            await asyncio.wait_for(process.stdout.read(65536), 30)
            samples.append((time.perf_counter() - start) * 1000)
        return samples

    results = await asyncio.gather(*(type_into(process) for _, process, _ in opened))
    for conn, _, _ in opened:
        conn.close()
    return [ms for samples in results for ms in samples]


def memory(server: ServeProcess, port: int, sessions: int) -> dict[str, float]:
    """Per console process: RSS and PSS (MB); the server's RSS growth per session."""

    async def hold() -> dict[str, float]:
        from tests.serve.helpers import open_console

        before = _kb(server.proc.pid, "status", "VmRSS:")
        opened = await asyncio.gather(*(open_console(port) for _ in range(sessions)))
        await asyncio.gather(*(screen.wait_for(READY, timeout=120) for _, _, screen in opened))
        await asyncio.sleep(1.0)
        pids = server.console_pids()
        rss = [_kb(pid, "status", "VmRSS:") for pid in pids]
        pss = [_kb(pid, "smaps_rollup", "Pss:") for pid in pids]
        after = _kb(server.proc.pid, "status", "VmRSS:")
        for conn, _, _ in opened:
            conn.close()
        return {
            "consoles": len(pids),
            "rss_mb": statistics.mean(rss) / 1024,
            "pss_mb": statistics.mean(pss) / 1024,
            "server_growth_mb": (after - before) / 1024 / max(1, sessions),
        }

    return asyncio.run(hold())


def _kb(pid: int, file: str, field: str) -> float:
    for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
        if line.startswith(field):
            return float(line.split()[1])
    return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serve")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=30)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / "data")
    args = parser.parse_args(argv)
    if not (shutil.which("tmux") and shutil.which("ssh")):
        print("error: needs tmux and the OpenSSH client", file=sys.stderr)
        return 1
    args.data_dir.mkdir(parents=True, exist_ok=True)
    key = isolate(args.data_dir)
    settings = Settings(users=args.users, quick=True, rebuild=False, console=True, data=args.data_dir)
    db_path, db, _ = dataset(settings, args.users, key, rebuild=False)
    db.close()
    env = {k: v for k, v in os.environ.items() if k.startswith("USERDESK_")} | {"TERM": "xterm-256color"}
    server = ServeProcess(db_path, args.data_dir)
    try:
        log("first paint: local, then over SSH")
        local = first_paint([sys.executable, "-m", "tui", "--db", str(db_path), "self-service"], env, args.runs)
        over_ssh = first_paint(server.ssh_command(), env, args.runs)
        log("keystrokes: one session, then all at once")
        alone = asyncio.run(keystroke_latencies(server.port, 1, args.keys))
        crowd = asyncio.run(keystroke_latencies(server.port, args.sessions, args.keys))
        log("memory")
        mem = memory(server, server.port, args.sessions)
    finally:
        server.stop()
    figures: dict[str, Any] = {
        "users": args.users,
        "load_average": os.getloadavg()[0],
        "first_paint_local_s": round(local, 3),
        "first_paint_ssh_s": round(over_ssh, 3),
        "first_paint_ratio": round(over_ssh / local, 2),
        "keystroke_p95_alone_ms": round(percentile(alone, 95), 1),
        f"keystroke_p95_{args.sessions}_sessions_ms": round(percentile(crowd, 95), 1),
        "keystroke_ratio": round(percentile(crowd, 95) / percentile(alone, 95), 2),
        "console_rss_mb": round(mem["rss_mb"], 1),
        "console_pss_mb": round(mem["pss_mb"], 1),
        "server_growth_per_session_mb": round(mem["server_growth_mb"], 2),
    }
    width = max(map(len, figures))
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")
    print("JSON:")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
