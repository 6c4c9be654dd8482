"""How long common `newsmon` commands take as a whole process, against `python -c 'import sqlite3'` on the same machine.

    python -m bench.cli                      # on ./newsmon.db (`make demo`), building it from the mirror if absent
    python -m bench.cli --db sqlite:///x.db --runs 20

Each command and the baseline run in turn (baseline, command, baseline, command …) so drift in the machine's speed
hits both; printed per command: the median wall and CPU seconds of the runs and the ratio of its median wall to
the baseline's median wall. Quote ratios: they travel between machines, absolute seconds do not.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = [sys.executable, "-c", "import sqlite3"]


def commands(db: str, out_dir: Path) -> dict[str, list[str]]:
    return {
        "--help": ["--help"],
        "search": ["search", "数字政府", "--db", db],
        "search --json": ["search", "数字政府 OR 放管服", "--json", "--db", db],
        "articles list": ["articles", "list", "--db", db],
        "summary": ["summary", "--db", db],
        "status": ["status", "--db", db],
        "runs list": ["runs", "list", "--db", db],
        "schedule list": ["schedule", "list", "--db", db],
        "trend": ["trend", "数字政府", "--db", db],
        "who": ["who", "数字政府", "--db", db],
        "export csv": ["export", "数字政府", "--out", str(out_dir / "hits.csv"), "--db", db],
    }


def timed(command: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of the command, output discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {result.returncode}: {result.stderr.decode()[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def newsmon() -> list[str]:
    script = Path(sys.executable).with_name("newsmon")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


def demo_database(directory: Path) -> str:
    """The demo database (`make demo`): the bundled mirror of the six sites crawled into a new file."""
    url = f"sqlite:///{directory / 'newsmon.db'}"
    for args in (["init"], ["crawl", "all", "--mirror-dir", str(ROOT / "mirror" / "site")]):
        subprocess.run([*newsmon(), *args, "--db", url], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database URL (default: ./newsmon.db, built from the mirror when absent)")
    parser.add_argument("--runs", type=int, default=10, help="runs of each command (default 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or os.environ.get("NEWSMON_DATABASE_URL")
        if db is None:
            db = "sqlite:///newsmon.db" if (ROOT / "newsmon.db").is_file() else demo_database(Path(tmp))
        prefix = newsmon()
        timed(BASELINE)  # warm the file cache before anything is counted
        print(f"{'command':<16} {'wall s':>8} {'cpu s':>8} {'× import sqlite3':>17}")
        baseline_walls: list[float] = []
        for name, argv in commands(db, Path(tmp)).items():
            timed([*prefix, *argv])  # warm-up run, not counted
            walls, cpus = [], []
            for _ in range(args.runs):
                baseline_walls.append(timed(BASELINE)[0])
                wall, cpu = timed([*prefix, *argv])
                walls.append(wall)
                cpus.append(cpu)
            base = statistics.median(baseline_walls[-args.runs :])
            wall = statistics.median(walls)
            print(f"{name:<16} {wall:>8.3f} {statistics.median(cpus):>8.3f} {wall / base:>17.1f}")
        print(f"{'import sqlite3':<16} {statistics.median(baseline_walls):>8.3f}")


if __name__ == "__main__":
    main()
