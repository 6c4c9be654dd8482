"""Crawl throughput and memory: newsmon's full pipeline on 1, 2 and 4 workers against a plain download-only spider.

    .venv/bin/python bench/crawl.py                  # >= 10,000 pages, PostgreSQL if reachable, else SQLite
    .venv/bin/python bench/crawl.py --articles 900   # a quick run

The mirror is scaled up with mirror/scaled.py (the project's own renderer and texts) into a temporary
directory and served on 127.0.0.1; politeness is off (no delay, no AutoThrottle, 16 requests at once).
Rates are pages fetched divided by the time from the first to the last page the mirror served, so process
start-up and the workers' idle wait at the end are left out. Peak memory is each process's VmHWM.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mirror.scaled import ScaledMirror, build_scaled  # noqa: E402
from mirror.serve import MirrorServer  # noqa: E402

PG_BASE = os.environ.get("NEWSMON_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
MEMORY_MARKS = (2000, 5000, 10000)


class TimedMirror(MirrorServer):
    """The mirror server, noting when each page (not robots.txt) was served."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, port=0)
        self.lock = threading.Lock()
        self.times: list[float] = []

    def resolve(self, target: str) -> tuple[HTTPStatus, Path | None]:
        if not target.endswith("/robots.txt"):
            with self.lock:
                self.times.append(time.monotonic())
        return super().resolve(target)

    def reset(self) -> None:
        with self.lock:
            self.times = []

    def served(self) -> int:
        with self.lock:
            return len(self.times)

    def rate(self) -> float:
        with self.lock:
            if len(self.times) < 2:
                return 0.0
            return (len(self.times) - 1) / (self.times[-1] - self.times[0])


def _vm(pid: int, key: str) -> float | None:
    """VmRSS / VmHWM of a live process in MB (None once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class Watch:
    """Peak memory of each process while it runs, and RSS of the first one when the mirror passes marks."""

    processes: list[subprocess.Popen[str]]
    server: TimedMirror
    peaks: dict[int, float] = field(default_factory=dict)
    at_marks: dict[int, float] = field(default_factory=dict)

    def run(self) -> None:
        while any(p.poll() is None for p in self.processes):
            for process in self.processes:
                peak = _vm(process.pid, "VmHWM")
                if peak is not None:
                    self.peaks[process.pid] = max(self.peaks.get(process.pid, 0.0), peak)
            served = self.server.served()
            for mark in MEMORY_MARKS:
                if served >= mark and mark not in self.at_marks:
                    rss = _vm(self.processes[0].pid, "VmRSS")
                    if rss is not None:
                        self.at_marks[mark] = rss
            time.sleep(0.2)


@contextmanager
def database(explicit: str | None) -> Iterator[tuple[str, str]]:
    """(URL, label): the given URL, or a fresh PostgreSQL schema dropped afterwards, or a SQLite file."""
    if explicit:
        yield explicit, explicit.split(":", 1)[0]
        return
    try:
        import psycopg

        with psycopg.connect(PG_BASE, connect_timeout=3, autocommit=True) as conn:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except Exception:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db", "SQLite"
        return
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}", "PostgreSQL"
    finally:
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def run_plain(mirror: ScaledMirror, server: TimedMirror, tmp: Path) -> dict[str, float]:
    urls = tmp / "urls.txt"
    urls.write_text("\n".join(mirror.page_urls))
    process = subprocess.Popen([sys.executable, __file__, "--plain-child", str(urls), server.url], text=True, cwd=ROOT)
    return measure([process], server)


def run_newsmon(server: TimedMirror, db_url: str, workers: int) -> dict[str, float]:
    import redis

    prefix = f"newsmon-bench-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "REDIS_URL": REDIS_URL, "NEWSMON_REDIS_PREFIX": prefix, "NEWSMON_MAX_IDLE": "3"}
    common = ["people", "--mirror", server.url, "--db", db_url, "--json", "--max-list-pages", "100000"]
    cli = [sys.executable, "-m", "cli"]
    subprocess.run([*cli, "init", "--db", db_url], check=True, cwd=ROOT, capture_output=True)
    processes = [
        subprocess.Popen(
            [*cli, "crawl", "--distributed", *common], env=env, cwd=ROOT, text=True, stdout=subprocess.PIPE
        )
    ]
    processes += [
        subprocess.Popen([*cli, "worker", *common], env=env, cwd=ROOT, text=True, stdout=subprocess.PIPE)
        for _ in range(workers - 1)
    ]
    try:
        result = measure(processes, server)
    finally:
        with redis.Redis.from_url(REDIS_URL) as client:
            keys = list(client.scan_iter(f"{prefix}:*"))
            if keys:
                client.delete(*keys)
    runs = [json.loads(p.stdout.read()) for p in processes if p.stdout is not None]
    result["articles_new"] = sum(run["articles_new"] for run in runs)
    result["pages_failed"] = sum(run["pages_failed"] for run in runs)
    return result


def measure(processes: list[subprocess.Popen[str]], server: TimedMirror) -> dict[str, float]:
    watch = Watch(processes, server)
    started = time.monotonic()
    watch.run()
    for process in processes:
        if process.wait() != 0:
            raise SystemExit(f"{process.args!r} exited {process.returncode}")
    return {
        "pages": server.served(),
        "pages_per_s": server.rate(),
        "wall_s": time.monotonic() - started,
        "peak_mb": max(watch.peaks.values(), default=0.0),
        **{f"rss_mb_at_{mark}": mb for mark, mb in watch.at_marks.items()},
    }


def plain_child(url_file: Path, mirror_url: str) -> None:
    """The baseline: a plain Scrapy spider that downloads every page and does nothing else."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    urls = url_file.read_text().split()

    class DownloadOnly(scrapy.Spider):
        name = "download_only"

        async def start(self):  # type: ignore[no-untyped-def]
            for url in urls:
                yield scrapy.Request(url, callback=self.parse, dont_filter=True)

        def parse(self, response):  # type: ignore[no-untyped-def]
            return None

    handler = "crawler.middlewares.MirrorDownloadHandler"
    process = CrawlerProcess(
        {
            "NEWSMON_MIRROR": mirror_url,
            "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
            "CONCURRENT_REQUESTS": 16,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
            "DOWNLOAD_DELAY": 0,
            "ROBOTSTXT_OBEY": False,
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
            "LOG_LEVEL": "WARNING",
            "TELNETCONSOLE_ENABLED": False,
        }
    )
    process.crawl(DownloadOnly)
    process.start()


def report(label: str, result: dict[str, float], plain: dict[str, float]) -> None:
    ratio = result["pages_per_s"] / plain["pages_per_s"] if plain["pages_per_s"] else 0.0
    print(
        f"{label:34} {result['pages']:>6.0f} {result['pages_per_s']:>8.1f} {ratio:>8.2f} "
        f"{result['peak_mb']:>12.0f} {result['wall_s']:>7.0f}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=9200, help="articles to generate (pages ~ 1.18 x this)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--db", help="database URL (default: a fresh PostgreSQL schema, else SQLite)")
    parser.add_argument("--plain-child", nargs=2, metavar=("URL_FILE", "MIRROR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_child:
        plain_child(Path(args.plain_child[0]), args.plain_child[1])
        return 0
    with tempfile.TemporaryDirectory(prefix="newsmon-bench-") as tmp:
        started = time.monotonic()
        mirror = build_scaled(Path(tmp) / "site", args.articles)
        print(
            f"mirror: {len(mirror.page_urls)} pages ({len(mirror.article_urls)} articles) generated in "
            f"{time.monotonic() - started:.0f} s; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
        )
        print(f"\n{'':34} {'pages':>6} {'pages/s':>8} {'vs plain':>8} {'peak MB/proc':>12} {'wall s':>7}", flush=True)
        with TimedMirror(mirror.root) as server:
            assert isinstance(server, TimedMirror)
            plain = run_plain(mirror, server, Path(tmp))
            report("plain Scrapy, download only", plain, plain)
            for workers in args.workers:
                server.reset()
                with database(args.db) as (db_url, label):
                    result = run_newsmon(server, db_url, workers)
                report(f"newsmon, {workers} worker{'s' if workers > 1 else ''} ({label})", result, plain)
                if result["articles_new"] != len(mirror.article_urls):
                    print(f"WARNING: {result['articles_new']:.0f} articles stored, {len(mirror.article_urls)} expected")
                if workers == 1:
                    marks = ", ".join(
                        f"{mark}: {result[f'rss_mb_at_{mark}']:.0f} MB"
                        for mark in MEMORY_MARKS
                        if f"rss_mb_at_{mark}" in result
                    )
                    print(f"  RSS of the single worker as pages grow: {marks}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
