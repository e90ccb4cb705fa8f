"""Every benchmark scenario in one command: ``.venv/bin/python -m bench`` (about 17 minutes).

On a 2-core machine; the PostgreSQL invoice run of ``bench.billing_bench`` is most of it.

Runs each ``bench/*_bench.py`` as its own process (so one scenario's caches and memory do not
colour the next), shows its output as it goes, and rewrites the "Latest run" section at the top of
BENCHMARKS.md with the machine, the date and every scenario's printed figures. The explanations
below that section are kept by hand; ``--no-write`` only prints.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = (
    "import_bench", "cutoff_bench", "billing_bench", "notify_bench", "bot_bench", "reconcile_bench",
    "usage_bench", "usage_table_bench", "startup_bench", "cutoff_scale_bench", "workers_pg_bench",
    "memory_bench",
)  # fmt: skip
START, END = "<!-- latest-run:start -->", "<!-- latest-run:end -->"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        memory = ""
    return (
        f"{os.cpu_count()} cores ({cpu}){memory}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


def run(name: str) -> tuple[int, float, str]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", f"bench.{name}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        print(f"  {line}", end="")
        lines.append(line)
    code = proc.wait()
    return code, time.perf_counter() - started, "".join(lines).rstrip()


def section(results: list[tuple[str, int, float, str]]) -> str:
    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    parts = [
        START,
        "## Latest run",
        "",
        f"`python -m bench` on {when}. Machine: {machine()}.",
        "",
        "| scenario | goals | wall time |",
        "|---|---|---|",
    ]
    parts += [
        f"| `bench.{name}` | {'met' if code == 0 else 'NOT met (exit ' + str(code) + ')'} | {seconds:.0f} s |"
        for name, code, seconds, _ in results
    ]
    for name, _code, _seconds, output in results:
        parts += ["", f"### `bench.{name}`", "", "```text", output, "```"]
    parts += ["", END]
    return "\n".join(parts)


def write(text: str, path: Path) -> None:
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if START in current and END in current:
        head, rest = current.split(START, 1)
        tail = rest.split(END, 1)[1]
        updated = head + text + tail
    else:
        title, _, body = current.partition("\n")
        updated = f"{title}\n\n{text}\n{body}"
    path.write_text(updated, encoding="utf-8")


def _postgres() -> None:
    """Start PostgreSQL as ``.ci/run`` does (``scripts/postgres.sh``, database ``antena_bench``)
    unless ``ANTENA_BENCH_PG_URL`` names a server; the PostgreSQL scenarios print "SKIPPED" with
    the reason when none answers (no server installed, not root)."""
    if os.environ.get("ANTENA_BENCH_PG_URL"):
        return
    try:
        done = subprocess.run(
            ["bash", str(ROOT / "scripts" / "postgres.sh"), "antena_bench"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"PostgreSQL not started: {exc}")
        return
    if done.returncode != 0:
        print(f"PostgreSQL not started: {(done.stderr or done.stdout).strip()[:200]}")
    elif done.stdout.strip() == "started":
        print("PostgreSQL started (scripts/postgres.sh); it keeps running after the benchmarks")


def _compile() -> None:
    """Byte-compile ``antena`` as ``scripts/install.sh`` does: with ``PYTHONDONTWRITEBYTECODE``
    set (as on these machines) a module changed since the install would otherwise be compiled
    again by every process, and the start-up figures would measure the compiler."""
    import compileall

    compileall.compile_dir(str(ROOT / "antena"), quiet=1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", default="", help="comma-separated scenarios, e.g. cutoff_bench,bot_bench")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    _postgres()
    _compile()
    results = []
    for name in names:
        print(f"== bench.{name}", flush=True)
        code, seconds, output = run(name)
        results.append((name, code, seconds, output))
    if not args.no_write:
        write(section(results), ROOT / "BENCHMARKS.md")
        print("BENCHMARKS.md: latest run written")
    sys.exit(0 if all(code == 0 for _n, code, _s, _o in results) else 1)


if __name__ == "__main__":
    main()
