"""How many log lines the scheduler writes at INFO for scheduled crawls of the bundled mirror.

    python -m bench.logs                 # six crawls, one per site, at INFO, plain lines
    python -m bench.logs --log-format json

Starts the mirror on 127.0.0.1, schedules every site each minute on a new database, runs `newsmon scheduler run`
until each site's crawl has ended once, stops it with SIGTERM, and prints the lines it logged: in all, per crawl,
and the longest (a line is an event: nothing is wrapped).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPIDERS = ("cac", "egov", "govcn", "miit", "people", "xinhua")


def newsmon(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=env)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scheduled_crawl_log(log_format: str = "plain", timeout: float = 600) -> list[str]:
    """The scheduler's log lines (stderr) for one scheduled crawl of each site of the mirror."""
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'newsmon.db'}"
        port = free_port()
        mirror = subprocess.Popen(
            [sys.executable, "-m", "cli", "mirror", "serve", str(ROOT / "mirror" / "site"), "--port", str(port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        env = {**os.environ, "NEWSMON_MIRROR": f"http://127.0.0.1:{port}", "NEWSMON_STATE_DIR": tmp}
        try:
            newsmon("init", "--db", db, env=env)
            for spider in SPIDERS:
                newsmon("schedule", "add", spider, "--cron", "* * * * *", "--db", db, env=env)  # the next minute
            command = [sys.executable, "-m", "cli", "--log-level", "INFO", "--log-format", log_format]
            scheduler = subprocess.Popen(
                [*command, "scheduler", "run", "--db", db],
                cwd=ROOT,
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert scheduler.stderr is not None
            lines: list[str] = []
            ended: set[str] = set()

            def read() -> None:
                assert scheduler.stderr is not None
                for line in scheduler.stderr:
                    lines.append(line.rstrip("\n"))
                    for spider in SPIDERS:
                        if f"crawl of {spider} " in line and ("finished" in line or "failed" in line):
                            ended.add(spider)

            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            deadline = time.monotonic() + timeout
            while len(ended) < len(SPIDERS) and time.monotonic() < deadline and scheduler.poll() is None:
                time.sleep(0.5)
            scheduler.send_signal(signal.SIGTERM)
            scheduler.wait(timeout=120)
            reader.join(timeout=10)
            if len(ended) < len(SPIDERS):
                raise SystemExit(f"only {sorted(ended)} ended within {timeout:.0f}s:\n" + "\n".join(lines[-20:]))
            return lines
        finally:
            mirror.terminate()
            mirror.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log-format", default="plain", choices=["plain", "json"])
    args = parser.parse_args()
    lines = scheduled_crawl_log(args.log_format)
    print(f"{len(lines)} lines for {len(SPIDERS)} scheduled crawls ({len(lines) / len(SPIDERS):.1f} a crawl)")
    print(f"longest line: {max(map(len, lines))} characters")
    for line in lines:
        print("  " + line)


if __name__ == "__main__":
    main()
