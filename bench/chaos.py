"""Faults an operator meets every week, on a generated mirror of 3,000 articles: what is stored afterwards.

    .venv/bin/python bench/chaos.py                    # 3,000 articles, every scenario, SQLite files
    .venv/bin/python bench/chaos.py --articles 600 --only list-500

Each scenario runs real `newsmon` processes against the mirror on 127.0.0.1: the fault, then the ordinary
recovery an operator would run (the next crawl, no --full). The table counts the mirror's articles stored when
the faulty run ended (and that run's exit code: non-zero means it said it left work undone) and after the next
crawl: lost = expected − stored; duplicated = rows beyond one per article URL.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mirror import people  # noqa: E402
from mirror.faults import FaultyMirror  # noqa: E402
from mirror.scaled import ScaledMirror, build_scaled  # noqa: E402

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PER_PAGE = 50
LOCK_HELD = 35.0  # longer than SQLite's busy timeout (30 s)
LIST = f"http://{people.LIST_HOST}{people.LIST_DIR}"


def newsmon(*args: str, env: dict[str, str] | None = None, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env=env or dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


class Scenario:
    def __init__(self, mirror: ScaledMirror, workdir: Path) -> None:
        self.mirror = mirror
        self.db_file = workdir / "newsmon.db"
        self.db_url = f"sqlite:///{self.db_file}"
        self.server = FaultyMirror(mirror.root)
        self.pages = str(len(mirror.article_urls) // PER_PAGE + 10)
        self.after_fault = 0  # articles stored when the faulty run ended, before the ordinary next crawl
        self.fault_exit: int | None = None

    def faulty(self, process: subprocess.Popen[str]) -> str:
        """Wait for the run the fault hit; note its exit code and what it stored. Its stderr."""
        _, err = process.communicate(timeout=1800)
        self.fault_exit = process.returncode
        self.after_fault = self.stored()[0]
        return err

    def crawl(self, *extra: str, **kwargs: Any) -> subprocess.Popen[str]:
        common = ("--mirror", self.server.url, "--db", self.db_url, "--json", "--max-list-pages", self.pages)
        return newsmon("crawl", "people", *common, *extra, **kwargs)

    def stored(self) -> tuple[int, int]:
        """(articles of the mirror stored, rows they have)."""
        if not self.db_file.exists():
            return 0, 0
        with sqlite3.connect(self.db_file, timeout=60) as connection:
            urls = [row[0] for row in connection.execute("SELECT url FROM articles")]
        wanted = set(self.mirror.article_urls)
        mine = [url for url in urls if url in wanted]
        return len(set(mine)), len(mine)


def _init(scenario: Scenario) -> None:
    init = newsmon("init", "--db", scenario.db_url)
    init.communicate(timeout=300)


def list_fails(status: int, times: int) -> Callable[[Scenario], None]:
    def run(scenario: Scenario) -> None:
        middle = len(scenario.mirror.article_urls) // PER_PAGE // 2  # the older half is listed from here on
        scenario.server.fail(LIST + people.list_page_name(middle), status, times)
        scenario.faulty(scenario.crawl())
        scenario.crawl().communicate(timeout=1800)

    return run


def locked_database(scenario: Scenario) -> None:
    _init(scenario)
    blocker = sqlite3.connect(scenario.db_file, isolation_level=None)
    process = scenario.crawl()
    wait_for(lambda: scenario.stored()[0] >= 200, 600, "200 articles stored")
    blocker.execute("BEGIN IMMEDIATE")
    held = time.monotonic()
    wait_for(lambda: time.monotonic() - held > LOCK_HELD, LOCK_HELD + 30, "the lock to be held")
    blocker.execute("COMMIT")
    blocker.close()
    scenario.faulty(process)


def full_disk(scenario: Scenario) -> None:
    _init(scenario)
    limit = scenario.db_file.stat().st_size + 2 * 1024 * 1024

    def cap() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    err = scenario.faulty(scenario.crawl(preexec_fn=cap))
    print(f"  full disk: {err.strip().splitlines()[-1] if err.strip() else '(no message)'}", file=sys.stderr)
    scenario.crawl().communicate(timeout=1800)


def distributed_killed(scenario: Scenario) -> None:
    _init(scenario)
    prefix = f"newsmon-chaos-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "REDIS_URL": REDIS_URL, "NEWSMON_REDIS_PREFIX": prefix, "NEWSMON_MAX_IDLE": "5"}
    env["NEWSMON_LEASE_TIMEOUT"] = "5"
    common = ["people", "--mirror", scenario.server.url, "--db", scenario.db_url, "--json"]
    common += ["--max-list-pages", scenario.pages]

    def three() -> list[subprocess.Popen[str]]:
        seeder = newsmon("crawl", "--distributed", *common, env=env)
        wait_for(lambda: _workers(prefix, seeder.pid), 120, "the seeder")
        return [seeder, newsmon("worker", *common, env=env), newsmon("worker", *common, env=env)]

    processes = three()
    third = len(scenario.mirror.article_urls) // 3
    wait_for(lambda: scenario.stored()[0] >= third, 1800, "a third stored")
    for process in processes:
        process.kill()
        process.wait()
    scenario.fault_exit, scenario.after_fault = -signal.SIGKILL, scenario.stored()[0]
    wait_for(lambda: not _heartbeats(prefix), 60, "heartbeats to expire")
    for process in three():
        process.communicate(timeout=1800)
    _drop(prefix)


def _redis() -> object:
    import redis

    return redis.Redis.from_url(REDIS_URL)


def _workers(prefix: str, pid: int) -> bool:
    client = _redis()
    return any(f":{pid}:" in w.decode() for w in client.smembers(f"{prefix}:people:workers"))  # type: ignore[attr-defined]


def _heartbeats(prefix: str) -> list[object]:
    return list(_redis().keys(f"{prefix}:people:heartbeat:*"))  # type: ignore[attr-defined]


def _drop(prefix: str) -> None:
    client = _redis()
    keys = list(client.scan_iter(f"{prefix}:*"))  # type: ignore[attr-defined]
    if keys:
        client.delete(*keys)  # type: ignore[attr-defined]


def truncated_pages(scenario: Scenario) -> None:
    """Every 100th article cut off mid-page (half without a Content-Length), then served whole again."""
    for n, url in enumerate(scenario.mirror.article_urls[::100]):
        size = len((scenario.mirror.root / url.removeprefix("http://")).read_bytes())
        scenario.server.cut(url, size // 2, declare_length=n % 2 == 0)
    scenario.faulty(scenario.crawl())
    scenario.server.heal()
    scenario.crawl().communicate(timeout=1800)


SCENARIOS: dict[str, Callable[[Scenario], None]] = {
    "list-500": list_fails(500, 3),
    "list-missing-once": list_fails(404, 1),
    "locked-database": locked_database,
    "full-disk": full_disk,
    "distributed-killed": distributed_killed,
    "truncated-pages": truncated_pages,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--only", choices=sorted(SCENARIOS), action="append")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsmon-chaos-") as tmp:
        mirror = build_scaled(Path(tmp) / "mirror", args.articles, per_list_page=PER_PAGE)
        rows: list[tuple[str, int, int, int | None, int, int, int, float]] = []
        for name in args.only or SCENARIOS:
            workdir = Path(tmp) / name
            workdir.mkdir()
            scenario = Scenario(mirror, workdir)
            started = time.monotonic()
            with scenario.server:
                SCENARIOS[name](scenario)
            done, total = scenario.stored()
            expected = len(mirror.article_urls)
            seconds = time.monotonic() - started
            rows.append(
                (
                    name,
                    expected,
                    scenario.after_fault,
                    scenario.fault_exit,
                    done,
                    expected - done,
                    total - done,
                    seconds,
                )
            )
            print(f"  {name}: {done}/{expected} in {seconds:.0f} s", file=sys.stderr)
    print(
        f"{'scenario':<20} | {'expected':>8} | {'after fault (exit)':>18} | {'stored':>6} | {'lost':>4} | "
        f"{'duplicated':>10} | seconds"
    )
    for name, expected, after, code, done, lost, twins, seconds in rows:
        fault = f"{after} ({code})"
        print(f"{name:<20} | {expected:>8} | {fault:>18} | {done:>6} | {lost:>4} | {twins:>10} | {seconds:7.0f}")
    print(json.dumps({r[0]: {"stored": r[4], "lost": r[5], "duplicated": r[6]} for r in rows}), file=sys.stderr)
    return 1 if any(r[5] or r[6] for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
