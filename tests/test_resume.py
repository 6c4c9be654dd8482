"""A crawl stopped half-way (killed, or stopped with SIGTERM) is carried on by the next crawl of the site."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http import HTTPStatus
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import Article, CrawlRun, FailedPage, RawPage
from mirror.serve import MirrorServer
from pipelines.seed import open_database
from tests.conftest import MIRROR_SITE, initialised
from tests.test_crawl_e2e import mirror_articles

# The politics column's second list page: held back so that the first run is cut off after page 1.
GATED = "/politics.people.com.cn/GB/1024/index2.html"


class GatedMirror(MirrorServer):
    """The mirror, except that GATED is answered only once `gate` is set; `held` says a request is waiting."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, port=0)
        self.gate = threading.Event()
        self.held = threading.Event()

    def resolve(self, target: str) -> tuple[HTTPStatus, Path | None]:
        if target.endswith(GATED) and not self.gate.is_set():
            self.held.set()
            self.gate.wait(timeout=120)
        return super().resolve(target)


def wait_for(condition: Callable[[], bool], timeout: float = 120.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def gated(tmp_path: Path) -> Iterator[GatedMirror]:
    root = tmp_path / "site"
    shutil.copytree(MIRROR_SITE, root)
    server = GatedMirror(root)
    with server:
        yield server
        server.gate.set()


def start_crawl(server: MirrorServer, db_url: str) -> subprocess.Popen[str]:
    initialised(db_url)
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "crawl", "people", "--mirror", server.url, "--db", db_url, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def scalar(db_url: str, query: object) -> int:
    database = open_database(db_url)
    try:
        with database.session() as session:
            return int(session.scalar(query) or 0)  # type: ignore[call-overload]
    finally:
        database.dispose()


def runs(db_url: str) -> list[tuple[int, str, int | None, int]]:
    database = open_database(db_url)
    try:
        with database.session() as session:
            rows = session.execute(
                select(CrawlRun.id, CrawlRun.status, CrawlRun.resumed_from, CrawlRun.articles_new).order_by(CrawlRun.id)
            ).all()
            return [(r[0], r[1], r[2], r[3]) for r in rows]
    finally:
        database.dispose()


def stored_before_page_2(db_url: str, server: GatedMirror) -> Callable[[], bool]:
    """True once the first run stored the three articles of the columns' first pages and waits on page 2."""
    return lambda: server.held.is_set() and scalar(db_url, select(func.count(Article.id))) >= 1 + 3


def assert_everything_once(db_url: str, root: Path) -> None:
    expected = mirror_articles(root)
    urls = scalar(db_url, select(func.count(Article.id)).where(Article.url.in_(expected)))
    distinct = scalar(db_url, select(func.count(func.distinct(Article.url))))
    total = scalar(db_url, select(func.count(Article.id)))
    assert urls == len(expected), "an article of the mirror was lost"
    assert total == distinct == len(expected) + 1  # no twin; plus the seed
    assert scalar(db_url, select(func.count(RawPage.id))) == len(expected)
    assert scalar(db_url, select(func.count(FailedPage.id))) == 0


def test_killed_crawl_is_resumed_to_completion_without_duplicates(gated: GatedMirror, sqlite_url: str) -> None:
    first = start_crawl(gated, sqlite_url)
    try:
        wait_for(lambda: stored_before_page_2(sqlite_url, gated)() or first.poll() is not None, what="3 articles")
        assert first.poll() is None, first.stderr.read() if first.stderr else ""
        first.kill()  # SIGKILL: no chance to close the run or save Scrapy's queue
        first.wait(timeout=30)
    finally:
        gated.gate.set()
    assert runs(sqlite_url)[-1][1] == "running"  # what a killed process leaves behind

    second = start_crawl(gated, sqlite_url)
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    run = json.loads(out)
    assert run["status"] == "finished"
    assert run["articles_new"] == len(mirror_articles(gated.root)) - 3
    first_id = runs(sqlite_url)[0][0]
    assert run["resumed_from"] == first_id
    assert runs(sqlite_url)[0][1] == "interrupted"
    assert runs(sqlite_url)[0][3] >= 3  # the killed run's counts are what it did, read back from its rows
    assert runs(sqlite_url)[0][3] + run["articles_new"] == len(mirror_articles(gated.root))
    assert_everything_once(sqlite_url, gated.root)

    # Back to normal: the next crawl stops at known URLs and adds nothing.
    third = start_crawl(gated, sqlite_url)
    out, err = third.communicate(timeout=300)
    assert json.loads(out)["articles_new"] == 0 and json.loads(out)["resumed_from"] is None


def test_crawl_stopped_by_sigterm_keeps_its_job_dir_and_the_next_run_carries_on(
    gated: GatedMirror, sqlite_url: str, tmp_path: Path
) -> None:
    first = start_crawl(gated, sqlite_url)
    wait_for(lambda: stored_before_page_2(sqlite_url, gated)() or first.poll() is not None, what="3 articles")
    assert first.poll() is None
    first.send_signal(signal.SIGTERM)  # Scrapy stops cleanly: the in-flight page 2 is finished first
    gated.gate.set()
    out, err = first.communicate(timeout=120)
    run = json.loads(out)
    assert run["status"] == "interrupted", err
    job_dir = tmp_path / "newsmon-state" / "jobs" / "people"
    assert (job_dir / "requests.queue").is_dir()  # the pending requests were saved

    second = start_crawl(gated, sqlite_url)
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    resumed = json.loads(out)
    assert resumed["status"] == "finished" and resumed["resumed_from"] == run["id"]
    assert run["articles_new"] + resumed["articles_new"] == len(mirror_articles(gated.root))
    assert_everything_once(sqlite_url, gated.root)
    assert not job_dir.exists()  # a finished run leaves nothing to carry on


def test_two_crawls_of_one_site_do_not_run_at_once(gated: GatedMirror, sqlite_url: str) -> None:
    first = start_crawl(gated, sqlite_url)
    try:
        wait_for(lambda: gated.held.is_set() or first.poll() is not None, what="the first crawl")
        second = start_crawl(gated, sqlite_url)
        _, err = second.communicate(timeout=120)
        assert second.returncode == 1
        assert "already running" in err
    finally:
        gated.gate.set()
        first.communicate(timeout=120)
    assert first.returncode == 0
