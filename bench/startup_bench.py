"""Whole ``antena`` processes timed as a user sees them, against ``python -c pass`` in the same run:
``.venv/bin/python -m bench.startup_bench``.

Each command is started as its own process (interpreter start, imports, settings, database,
work, exit) several times and the median is compared with its goal: ``antena --help`` and
``antena tasks list`` (an empty SQLite database) ≤ 0.4 s, ``antena clients suspend <one>``
≤ 0.8 s, ``antena invoice pdf`` ≤ 1.5 s. The suspension goes to a RouterOS API emulator
(``antena emulate-router``) with no added latency, so the router's round trip on a real network
is excluded; the client is re-activated between runs, untimed. Last, ``antena demo`` is started
in a pseudo-terminal and timed until its chat has answered ``/ayuda`` (goal ≤ 15 s), twice in one
data directory: the first run seeds the ISP and saves the day's snapshot, the second starts from it
(the goal is judged on the second; the first is printed).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANTENA = str(Path(sys.executable).with_name("antena"))
GOALS = {"help": 0.4, "tasks": 0.4, "suspend": 0.8, "pdf": 1.5, "demo": 15.0}
CLIENT = "Ana Banco Uno"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(data: Path) -> dict[str, str]:
    """A clean environment: nothing from the caller's ANTENA_* settings or .env leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTENA_")}
    return env | {
        "ANTENA_DATA_DIR": str(data),
        "ANTENA_DATABASE_URL": f"sqlite+aiosqlite:///{data / 'antena.db'}",
        "ANTENA_SECRET_KEY": "bench",
        "ANTENA_AUTO_TASKS": "off",
    }


def antena(env: dict[str, str], *args: str, cwd: Path) -> str:
    """Run a set-up command that must succeed; its standard output."""
    done = subprocess.run([ANTENA, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"antena {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def timed(argv: Sequence[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"nothing answers on port {port}")


def set_up(env: dict[str, str], cwd: Path, port: int) -> str:
    """A zone, a router on the emulator, a plan, one client and one invoice; the invoice's number."""
    antena(env, "db", "upgrade", cwd=cwd)
    antena(env, "zone", "add", "--name", "Centro", "--issue-day", "28", "--notice-day", "30",
           "--pay-day", "1", "--cutoff-day", "5", cwd=cwd)  # fmt: skip
    antena(env, "router", "add", "--name", "RB-Bench", "--host", "127.0.0.1", "--port", str(port),
           "--username", "admin", "--zone", "Centro", cwd=cwd)  # fmt: skip
    antena(env, "plan", "add", "--name", "Hogar 10M", "--type", "simple-queue", "--price", "350",
           "--download", "10M", "--upload", "5M", cwd=cwd)  # fmt: skip
    antena(env, "clients", "add", "--name", CLIENT, "--zone", "Centro", "--router", "RB-Bench",
           "--plan", "Hogar 10M", "--ip", "10.9.0.2", "--phone", "5512345678", cwd=cwd)  # fmt: skip
    antena(env, "invoice", "issue", CLIENT, cwd=cwd)
    rows = list(csv.DictReader(io.StringIO(antena(env, "invoices", "list", "--csv", cwd=cwd))))
    return rows[0]["number"]


def measure_commands(runs: int) -> dict[str, float]:
    """Median seconds of each command, and of ``python -c pass`` as ``baseline``."""
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        empty_env = environment(cwd / "empty")
        (cwd / "empty").mkdir()
        antena(empty_env, "db", "upgrade", cwd=cwd)
        env = environment(cwd / "isp")
        (cwd / "isp").mkdir()
        port = free_port()
        emulator = subprocess.Popen(
            [ANTENA, "emulate-router", "--port", str(port), "--latency", "0"],
            env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for_port(port)
            number = set_up(env, cwd, port)
            times: dict[str, list[float]] = {k: [] for k in ("baseline", "help", "tasks", "suspend", "pdf")}
            for _ in range(runs):  # interleaved, so a busy moment colours every command alike
                times["baseline"].append(timed([sys.executable, "-c", "pass"], env, cwd))
                times["help"].append(timed([ANTENA, "--help"], empty_env, cwd))
                times["tasks"].append(timed([ANTENA, "tasks", "list"], empty_env, cwd))
                times["suspend"].append(timed([ANTENA, "clients", "suspend", CLIENT], env, cwd))
                antena(env, "clients", "activate", CLIENT, cwd=cwd)
                out = cwd / "factura.pdf"
                times["pdf"].append(timed([ANTENA, "invoice", "pdf", number, "--out", str(out)], env, cwd))
        finally:
            emulator.terminate()
            emulator.wait(10)
    return {k: statistics.median(v) for k, v in times.items()}


def demo_ready(data: Path, portal_port: int) -> float:
    """Seconds from starting ``antena demo`` until its terminal chat has answered a first message.

    Both runs serve the portal on the same port, as a user's settings stay put between runs: the
    portal's address is in what the seed stores (links in messages, the routers' redirect to the
    portal), so the day's snapshot is kept per address and a new one would seed afresh."""
    import pexpect

    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTENA_")}
    env |= {"ANTENA_DATA_DIR": str(data), "ANTENA_PORTAL_BIND": f"127.0.0.1:{portal_port}"}
    started = time.perf_counter()
    child = pexpect.spawn(ANTENA, ["demo"], env=env, cwd=str(data), encoding="utf-8", timeout=300)
    try:
        child.expect("Ctrl-C")  # the chat's help, printed when it listens
        child.sendline("/ayuda")
        child.expect("▸")  # the bot's answer (through the Bot API double and the dispatcher)
        return time.perf_counter() - started
    finally:
        child.sendcontrol("c")
        try:
            child.expect(pexpect.EOF, timeout=30)
        finally:
            child.terminate(force=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (median)")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo's readiness")
    args = parser.parse_args(argv)
    medians = measure_commands(args.runs)
    base = medians["baseline"]
    print(f"python -c pass: {base:.3f} s (median of {args.runs}); router emulator with no added latency")
    labels = {
        "help": "antena --help",
        "tasks": "antena tasks list (empty SQLite)",
        "suspend": "antena clients suspend <one>",
        "pdf": "antena invoice pdf",
    }
    met = True
    for key, label in labels.items():
        ok = medians[key] <= GOALS[key]
        met &= ok
        print(
            f"{label}: {medians[key]:.3f} s = {medians[key] / base:.0f}× python -c pass; "
            f"goal ≤ {GOALS[key]:g} s: {'met' if ok else 'NOT met'}"
        )
    if not args.no_demo:
        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            first = demo_ready(Path(tmp), port)
            second = demo_ready(Path(tmp), port)
        ok = second <= GOALS["demo"]
        met &= ok
        print(
            f"antena demo ready to chat: first run {first:.1f} s (makes the snapshot), then {second:.1f} s; "
            f"goal ≤ {GOALS['demo']:g} s: {'met' if ok else 'NOT met'}"
        )
    raise SystemExit(0 if met else 1)


if __name__ == "__main__":
    main()
