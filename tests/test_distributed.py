"""Distributed crawls: worker processes sharing one scrapy-redis queue on the real Redis, over the mirror."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crawler.distributed import DEFAULT_REDIS_URL
from db.models import Article, ArticleVersion, CrawlRun
from db.runs import (
    close_abandoned_runs,
    close_dead_runs,
    finish_run,
    get_run,
    hold_run,
    lease_holder,
    run_lease_name,
    start_run,
)
from db.types import now_shanghai
from mirror.scaled import ScaledMirror, build_scaled
from mirror.serve import MirrorServer
from pipelines.seed import open_database

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("NEWSMON_TEST_REDIS", DEFAULT_REDIS_URL)


class CountingMirror(MirrorServer):
    """The mirror server, counting how often each real URL was asked for.

    While `gate` is closed a page waits for it, unless it is one of `open_urls` or one of the next `passes` pages.
    """

    def __init__(self, root: Path) -> None:
        super().__init__(root, port=0)
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.gate = threading.Event()
        self.gate.set()
        self.open_urls: set[str] = set()
        self.passes = 0

    def _waits(self, url: str) -> bool:
        if url.endswith("/robots.txt") or url in self.open_urls:
            return False
        with self._lock:
            if self.passes > 0:
                self.passes -= 1
                return False
        return True

    def resolve(self, target: str) -> tuple[HTTPStatus, Path | None]:
        url = "http:/" + target.split("?", 1)[0]
        if self._waits(url):
            self.gate.wait(120)
        with self._lock:
            self.hits[url] += 1
        return super().resolve(target)

    def page_hits(self) -> Counter[str]:
        with self._lock:
            return Counter({url: n for url, n in self.hits.items() if not url.endswith("/robots.txt")})


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key namespace of its own on the real Redis server, deleted after the test."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis server at {REDIS_URL}: {error}")
    prefix = f"newsmon-test-{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture(scope="module")
def big_mirror(tmp_path_factory: pytest.TempPathFactory) -> ScaledMirror:
    return build_scaled(tmp_path_factory.mktemp("scaled"), 240, per_list_page=20)


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `condition` until it returns something truthy, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Cluster:
    """Worker processes of one distributed crawl: `newsmon crawl --distributed` plus `newsmon worker`s."""

    def __init__(self, mirror_url: str, db_url: str, prefix: str, lease_timeout: float) -> None:
        self.common = ["--mirror", mirror_url, "--db", db_url, "--json", "--max-list-pages", "1000"]
        self.env = {
            **os.environ,
            "REDIS_URL": REDIS_URL,
            "NEWSMON_REDIS_PREFIX": prefix,
            "NEWSMON_MAX_IDLE": "5",
            "NEWSMON_LEASE_TIMEOUT": str(lease_timeout),
        }
        self.prefix = prefix
        self.processes: list[subprocess.Popen[str]] = []

    def start(self, *command: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", *command, "people", *self.common],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.processes.append(process)
        return process

    def workers(self) -> list[str]:
        import redis

        with redis.Redis.from_url(REDIS_URL) as client:
            return [w.decode() for w in client.smembers(f"{self.prefix}:people:workers")]

    def leases(self, pid: int) -> int:
        import redis

        with redis.Redis.from_url(REDIS_URL) as client:
            return sum(int(client.hlen(f"{self.prefix}:people:leases:{w}")) for w in self.workers() if f":{pid}:" in w)

    def start_three(self) -> None:
        """The seeder first; two workers join once it has started the crawl."""
        seeder = self.start("crawl", "--distributed")
        mark = f":{seeder.pid}:"
        wait_for(lambda: any(mark in w for w in self.workers()), 120, "the seeder to start the crawl")
        self.start("worker")
        self.start("worker")

    def finish(self, timeout: float = 240) -> list[dict[str, Any]]:
        runs = []
        for process in self.processes:
            out, err = process.communicate(timeout=timeout)
            if process.returncode == -signal.SIGKILL:
                continue
            assert process.returncode == 0, (
                f"{process.args!r} exited {process.returncode}:\n{err[-3000:]}\n{out[-3000:]}"
            )
            runs.append(json.loads(out))
        return runs

    def kill_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def all_runs(db_url: str) -> dict[int, tuple[str, str | None]]:
    """run id -> (status, message) of every crawl run."""
    database = open_database(db_url)
    try:
        with database.session() as session:
            return {i: (s, m) for i, s, m in session.execute(select(CrawlRun.id, CrawlRun.status, CrawlRun.message))}
    finally:
        database.dispose()


def first_versions_by_run(db_url: str) -> Counter[int | None]:
    """How many articles each run stored first (version 1 of an article is written by the run that created it)."""
    database = open_database(db_url)
    try:
        with database.session() as session:
            rows = session.scalars(select(ArticleVersion.run_id).where(ArticleVersion.version == 1))
            return Counter(rows)
    finally:
        database.dispose()


def stored(db_url: str) -> dict[str, int]:
    database = open_database(db_url)
    try:
        with database.session() as session:
            rows = session.execute(select(Article.url, func.count()).group_by(Article.url)).all()
            return {url: int(n) for url, n in rows}
    finally:
        database.dispose()


def test_three_workers_fetch_every_page_once_and_store_every_article_once(
    big_mirror: ScaledMirror, db_url: str, redis_prefix: str
) -> None:
    open_database(db_url).dispose()  # created and migrated once, before three processes race to do it
    with CountingMirror(big_mirror.root) as server:
        assert isinstance(server, CountingMirror)
        cluster = Cluster(server.url, db_url, redis_prefix, lease_timeout=15)
        try:
            cluster.start_three()
            runs = cluster.finish()
        finally:
            cluster.kill_all()
        hits = server.page_hits()
    assert len(runs) == 3 and all(run["status"] == "finished" for run in runs), runs
    assert sorted(hits) == sorted(big_mirror.page_urls)
    assert set(hits.values()) == {1}, [url for url, n in hits.items() if n > 1]
    assert sum(run["pages_fetched"] for run in runs) == len(big_mirror.page_urls)
    assert sum(run["articles_new"] for run in runs) == len(big_mirror.article_urls)
    urls = stored(db_url)
    assert set(big_mirror.article_urls) <= set(urls)
    assert len(urls) == len(big_mirror.article_urls) + 1  # and the seed
    assert cluster.workers() == []  # every worker left the crawl


def test_killed_worker_loses_no_request(big_mirror: ScaledMirror, pg_url: str, redis_prefix: str) -> None:
    open_database(pg_url).dispose()
    with CountingMirror(big_mirror.root) as server:
        assert isinstance(server, CountingMirror)
        cluster = Cluster(server.url, pg_url, redis_prefix, lease_timeout=4)
        # The list pages and the first 40 articles are answered; every later page waits at the closed gate, so
        # each worker's requests stay leased for as long as the test needs, however fast or slow the machine.
        server.open_urls = {url for url in big_mirror.page_urls if "/index" in url}
        server.passes = 40
        server.gate.clear()
        try:
            cluster.start_three()
            victim = cluster.processes[1]
            wait_for(lambda: cluster.leases(victim.pid) > 0, 120, "the victim to hold leased requests mid-crawl")
            assert len(server.page_hits()) < len(big_mirror.page_urls), "the crawl ended before the kill"
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait()
            server.gate.set()
            runs = cluster.finish()
        finally:
            cluster.kill_all()
        hits = server.page_hits()
    assert len(runs) == 2 and all(run["status"] == "finished" for run in runs), runs
    assert sum(int(run["stats"].get("newsmon/requests_reclaimed", 0)) for run in runs) > 0
    assert sorted(hits) == sorted(big_mirror.page_urls)  # every page fetched, some twice (the victim's)
    urls = stored(pg_url)
    assert set(big_mirror.article_urls) <= set(urls)
    assert len(urls) == len(big_mirror.article_urls) + 1
    assert set(urls.values()) == {1}
    # The victim's run row does not stay `running`: the survivors closed it when their crawl ended.
    statuses = all_runs(pg_url)
    survivors = {run["id"] for run in runs}
    (victim_run,) = set(statuses) - survivors
    assert statuses[victim_run][0] == "interrupted", statuses
    assert "heartbeat" in (statuses[victim_run][1] or ""), statuses
    assert all(statuses[run_id][0] == "finished" for run_id in survivors), statuses
    # Every article was counted new by exactly one run: the survivors' counts plus what the victim stored first.
    first = first_versions_by_run(pg_url)
    assert sum(first[run_id] for run_id in statuses) == len(big_mirror.article_urls)
    for run in runs:
        assert run["articles_new"] == first[run["id"]], (run["id"], run["articles_new"], first)


def test_a_worker_that_found_no_work_finished_but_an_unreachable_site_failed() -> None:
    from crawler.recorder import run_outcome

    assert run_outcome({}, "finished", distributed=True) == (
        "finished",
        "this worker found no work in the shared queue",
    )
    unreachable = {
        "downloader/exception_count": 3,
        "downloader/exception_type_count/builtins.ConnectionRefusedError": 3,
    }
    assert run_outcome(unreachable, "finished", distributed=True)[0] == "failed"
    # A worker gets article pages without the list pages that led to them: not a failure.
    assert run_outcome({"response_received_count": 5}, "finished", distributed=True) == ("finished", None)
    assert run_outcome({"response_received_count": 5}, "finished")[0] == "failed"


def test_a_run_whose_heartbeat_lease_expired_is_closed_and_a_live_one_is_kept(db_url: str) -> None:
    database = open_database(db_url)
    ttl = timedelta(seconds=30)
    now = now_shanghai()
    try:
        with database.session() as session:
            dead = start_run(session, "people.com.cn", "people", trigger="worker")
            live = start_run(session, "people.com.cn", "people", trigger="worker")
            local = start_run(session, "people.com.cn", "people")  # a local crawl: no lease, the site lock
            assert hold_run(session, dead, "host:1:dead", ttl=ttl, now=now - timedelta(seconds=31))
            assert hold_run(session, live, "host:2:live", ttl=ttl, now=now - timedelta(seconds=20))
            assert not hold_run(session, live, "host:3:other", ttl=ttl)
        with database.session() as session:
            assert close_abandoned_runs(session, now=now) == [dead]
            assert close_abandoned_runs(session, now=now) == []
            closed = get_run(session, dead)
            assert closed is not None and closed["status"] == "interrupted" and closed["finished_at"]
            assert "host:1:dead" in closed["message"] and "heartbeat" in closed["message"]
            assert lease_holder(session, run_lease_name(dead)) is None
            # A local crawl starting under the site lock closes runs nobody holds, not a live worker's.
            assert close_dead_runs(session, "people.com.cn") == [local]
            assert (get_run(session, live) or {})["status"] == "running"
            finish_run(session, live, status="finished", counts={})
            assert lease_holder(session, run_lease_name(live)) is None
        with database.session() as session:
            assert (get_run(session, live) or {})["status"] == "finished"
            assert close_abandoned_runs(session, now=now + timedelta(hours=1)) == []
    finally:
        database.dispose()


def test_runs_list_shows_a_dead_workers_run_interrupted_not_running(db_url: str) -> None:
    """Ops read `newsmon runs list` after a machine died: its run must not stay `running` until the next crawl."""
    from typer.testing import CliRunner

    from cli.app import app

    database = open_database(db_url)
    try:
        with database.session() as session:
            dead = start_run(session, "people.com.cn", "people", trigger="worker")
            live = start_run(session, "people.com.cn", "people", trigger="worker")
            now = now_shanghai()
            assert hold_run(session, dead, "host:1:dead", ttl=timedelta(seconds=30), now=now - timedelta(minutes=5))
            assert hold_run(session, live, "host:2:live", ttl=timedelta(seconds=30), now=now)
    finally:
        database.dispose()
    listed = CliRunner().invoke(app, ["runs", "list", "--db", db_url, "--json"], catch_exceptions=False)
    assert listed.exit_code == 0, listed.output
    status = {run["id"]: run["status"] for run in json.loads(listed.stdout)}
    assert status[dead] == "interrupted" and status[live] == "running"
    shown = CliRunner().invoke(app, ["runs", "show", str(dead), "--db", db_url, "--json"], catch_exceptions=False)
    assert "host:1:dead" in json.loads(shown.stdout)["message"]


def test_a_crawl_restarted_after_every_process_was_killed_stores_every_article_once(
    big_mirror: ScaledMirror, db_url: str, redis_prefix: str
) -> None:
    """Seeder and both workers killed with a third stored, then restarted as the docs say: nothing is lost."""
    import redis

    open_database(db_url).dispose()
    lists = sorted(url for url in big_mirror.page_urls if "/index" in url)
    with CountingMirror(big_mirror.root) as server:
        assert isinstance(server, CountingMirror)
        cluster = Cluster(server.url, db_url, redis_prefix, lease_timeout=4)
        # The first list pages and 80 article pages are answered; the rest wait until every process is dead.
        server.open_urls = set(lists[:6])
        server.passes = 80
        server.gate.clear()
        try:
            cluster.start_three()
            wait_for(lambda: len(stored(db_url)) >= 1 + 60, 180, "a third of the articles to be stored")
            for process in cluster.processes:
                process.kill()
                process.wait()
            before = len(stored(db_url)) - 1
            assert before < len(big_mirror.article_urls)
            server.gate.set()
            # Restarted once the dead processes' heartbeats have expired, as an operator would find them.
            with redis.Redis.from_url(REDIS_URL) as client:
                wait_for(lambda: not client.keys(f"{redis_prefix}:people:heartbeat:*"), 60, "the heartbeats to expire")
            cluster.processes.clear()
            cluster.start_three()
            runs = cluster.finish()
        finally:
            cluster.kill_all()
    assert len(runs) == 3 and all(run["status"] == "finished" for run in runs), runs
    urls = stored(db_url)
    assert set(big_mirror.article_urls) <= set(urls), f"{len(set(big_mirror.article_urls) - set(urls))} lost"
    assert len(urls) == len(big_mirror.article_urls) + 1 and set(urls.values()) == {1}
    # The killed runs are closed as interrupted, and count what they stored.
    statuses = all_runs(db_url)
    killed = set(statuses) - {run["id"] for run in runs}
    # (A worker killed while still starting up had not opened its run yet.)
    assert killed and all(statuses[r][0] == "interrupted" for r in killed), statuses
    first = first_versions_by_run(db_url)
    assert sum(first[r] for r in killed) == before
