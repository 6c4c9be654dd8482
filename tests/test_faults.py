"""Faults an operator meets every week, with real crawl processes against a mirror server on 127.0.0.1: each test
asserts the article count a user would check, and that a run which left work undone says so and exits non-zero."""

from __future__ import annotations

import json
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import Article, FailedPage
from mirror import people
from mirror.faults import FaultyMirror
from mirror.scaled import ScaledMirror, build_scaled
from pipelines.seed import open_database

PER_PAGE = 20
LOCK_HELD = 35.0  # seconds: longer than SQLite's busy timeout (30 s, db/engine.py), so writes fail and are retried
LIST = f"http://{people.LIST_HOST}{people.LIST_DIR}"


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> ScaledMirror:
    return build_scaled(tmp_path_factory.mktemp("scaled"), 200, per_list_page=PER_PAGE)


@pytest.fixture
def server(scaled: ScaledMirror) -> Iterator[FaultyMirror]:
    with FaultyMirror(scaled.root) as running:
        assert isinstance(running, FaultyMirror)
        yield running


def crawl(server: FaultyMirror, db_url: str, *extra: str) -> tuple[int, dict[str, Any], str]:
    """One `newsmon crawl people` process: (exit code, its run, stderr); the database is made first, as only
    `newsmon init` creates one."""
    subprocess.run([sys.executable, "-m", "cli", "init", "--db", db_url], capture_output=True, check=True, timeout=300)
    result = subprocess.run(
        [sys.executable, "-m", "cli", "crawl", "people", "--mirror", server.url, "--db", db_url, "--json", *extra],
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else {}, result.stderr


def stored(db_url: str, urls: list[str]) -> tuple[int, int]:
    """(how many of `urls` are stored, how many rows they have): equal when each is stored once."""
    database = open_database(db_url)
    try:
        with database.session() as session:
            rows = session.scalar(select(func.count(Article.id)).where(Article.url.in_(urls))) or 0
            distinct = session.scalar(select(func.count(func.distinct(Article.url))).where(Article.url.in_(urls)))
            return int(distinct or 0), int(rows)
    finally:
        database.dispose()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def failed_pages(db_url: str, run_id: int) -> dict[str, str]:
    database = open_database(db_url)
    try:
        with database.session() as session:
            rows = session.execute(select(FailedPage.url, FailedPage.reason).where(FailedPage.run_id == run_id))
            return {url: reason for url, reason in rows.tuples()}
    finally:
        database.dispose()


@pytest.mark.parametrize(("status", "times"), [(500, 3), (404, 1)], ids=["500-three-times", "missing-once"])
def test_a_failed_list_page_leaves_the_run_incomplete_and_the_next_crawl_recovers_the_rest(
    server: FaultyMirror, scaled: ScaledMirror, default_db_url: str, status: int, times: int
) -> None:
    broken = LIST + people.list_page_name(6)  # pages 6–10 list the 100 oldest articles
    server.fail(broken, status, times)
    code, run, err = crawl(server, default_db_url)
    assert code == 1, err
    assert run["status"] == "incomplete"
    assert broken in run["message"]
    assert failed_pages(default_db_url, run["id"])[broken] == f"list page: HTTP {status}"
    assert stored(default_db_url, scaled.article_urls) == (100, 100)

    # The next ordinary crawl (no --full) pages past the stored articles to the gap, and fills it.
    code, run, err = crawl(server, default_db_url)
    assert code == 0, err
    assert run["status"] == "finished" and run["articles_new"] == 100
    assert stored(default_db_url, scaled.article_urls) == (200, 200)

    # Complete again: the next crawl stops at the first list page, which lists known articles.
    code, run, err = crawl(server, default_db_url)
    assert code == 0 and run["articles_new"] == 0
    assert run["stats"]["newsmon/list_pages"] == 2  # the column's first page and the cpc column


def test_an_article_page_that_failed_is_fetched_again_by_the_next_crawl(
    server: FaultyMirror, scaled: ScaledMirror, default_db_url: str
) -> None:
    article = scaled.article_urls[150]
    server.fail(article, 503, 3)
    code, run, _ = crawl(server, default_db_url)
    assert (code, run["status"], run["pages_failed"]) == (0, "finished", 1)  # accounted for: failed, with why
    assert stored(default_db_url, scaled.article_urls) == (199, 199)
    code, run, _ = crawl(server, default_db_url)
    assert run["articles_new"] == 1 and run["stats"]["newsmon/retried"] == 1
    assert stored(default_db_url, scaled.article_urls) == (200, 200)


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        # A full disk, as the crawl process meets it: writes past `limit` bytes fail (EFBIG), not kill it.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_stops_the_crawl_with_one_line_and_the_next_crawl_stores_the_rest(
    server: FaultyMirror, scaled: ScaledMirror, sqlite_url: str, tmp_path: Path
) -> None:
    open_database(sqlite_url).dispose()
    db_file = tmp_path / "newsmon.db"
    command = [sys.executable, "-m", "cli", "crawl", "people", "--mirror", server.url, "--db", sqlite_url, "--json"]
    full = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=_file_size_limit(db_file.stat().st_size + 256 * 1024),
    )
    assert full.returncode == 1
    assert "the database refused a write" in full.stderr and "Traceback" not in full.stderr
    done, rows = stored(sqlite_url, scaled.article_urls)
    assert done == rows < 200
    # It stopped instead of fetching the rest of the site page after page.
    assert sum(server.page_hits().values()) < len(scaled.page_urls) // 2

    code, run, err = crawl(server, sqlite_url)
    assert code == 0, err
    assert stored(sqlite_url, scaled.article_urls) == (200, 200)
    assert run["articles_new"] == 200 - done


def test_a_database_locked_longer_than_the_busy_timeout_loses_nothing(
    server: FaultyMirror, scaled: ScaledMirror, sqlite_url: str, tmp_path: Path
) -> None:
    open_database(sqlite_url).dispose()
    blocker = sqlite3.connect(tmp_path / "newsmon.db", isolation_level=None)
    # List pages and 30 articles are answered; the rest wait until the lock is taken.
    server.open_urls = {url for url in scaled.page_urls if "/index" in url}
    server.passes = 30
    server.gate.clear()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "crawl", "people", "--mirror", server.url, "--db", sqlite_url, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: stored(sqlite_url, scaled.article_urls)[0] >= 20, 120, "the crawl to store 20 articles")
        blocker.execute("BEGIN IMMEDIATE")  # another writer takes the lock: the crawl's writes wait and fail
        held_since = time.monotonic()
        server.gate.set()
        wait_for(lambda: time.monotonic() - held_since > LOCK_HELD, LOCK_HELD + 30, "the lock to be held long enough")
        blocker.execute("COMMIT")
        out, err = process.communicate(timeout=600)
    finally:
        server.gate.set()
        blocker.close()
        if process.poll() is None:
            process.kill()
    run = json.loads(out)
    assert process.returncode == 0 and run["status"] == "finished", err
    assert "retrying" in err
    assert stored(sqlite_url, scaled.article_urls) == (200, 200)
