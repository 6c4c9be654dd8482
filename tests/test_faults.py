"""Faults an operator meets every week, with real crawl processes against a mirror server on 127.0.0.1: each test
asserts the article count a user would check, and that a run which left work undone says so and exits non-zero."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from db.engine import open_database
from db.models import Article, FailedPage
from mirror import people
from mirror.faults import FaultyMirror
from mirror.scaled import ScaledMirror, build_scaled

PER_PAGE = 20
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
    """One `newsmon crawl people` process: (exit code, its run, stderr)."""
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
