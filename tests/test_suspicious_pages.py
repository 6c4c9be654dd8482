"""Pages not to be trusted: cut off, redirected in circles or off the site, too big to parse, briefly missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.page_checks import page_problem
from mirror.faults import FaultyMirror
from mirror.scaled import ScaledMirror, build_scaled
from tests.test_faults import crawl, failed_pages, stored


@pytest.fixture
def small(tmp_path: Path) -> ScaledMirror:
    return build_scaled(tmp_path / "mirror", 40, per_list_page=20)


@pytest.fixture
def server(small: ScaledMirror) -> Iterator[FaultyMirror]:
    with FaultyMirror(small.root) as running:
        assert isinstance(running, FaultyMirror)
        yield running


def page_file(mirror: ScaledMirror, url: str) -> Path:
    return mirror.root / url.removeprefix("http://")


def test_page_checks_name_what_is_wrong() -> None:
    page = b"<html><body>" + "<p>正文</p>".encode() * 10 + b"</body></html>"
    assert page_problem(page, "text/html") is None
    assert page_problem(page[:-20], "text/html") == "truncated: the page ends before </body></html>"
    assert "bytes" in (page_problem(page, "text/html", max_bytes=100) or "")
    assert "elements" in (page_problem(page, "text/html", max_elements=5) or "")
    assert page_problem(b'{"a": 1}', "application/json") is None


def test_cut_off_pages_are_failed_not_stored_and_fetched_again(
    server: FaultyMirror, small: ScaledMirror, default_db_url: str
) -> None:
    silent, declared = small.article_urls[3], small.article_urls[4]
    server.cut(silent, len(page_file(small, silent).read_bytes()) // 2, declare_length=False)
    server.cut(declared, len(page_file(small, declared).read_bytes()) // 2, declare_length=True)
    code, run, err = crawl(server, default_db_url)
    assert code == 0, err
    failed = failed_pages(default_db_url, run["id"])
    assert failed[silent].startswith("truncated")
    assert declared in failed  # fewer bytes than its Content-Length: Scrapy's data-loss error, after retries
    assert stored(default_db_url, small.article_urls) == (38, 38)

    server.heal()
    code, run, _ = crawl(server, default_db_url)
    assert run["articles_new"] == 2
    assert stored(default_db_url, small.article_urls) == (40, 40)


def test_a_page_over_the_element_limit_fails_fast(
    server: FaultyMirror, small: ScaledMirror, default_db_url: str
) -> None:
    huge = small.article_urls[5]
    path = page_file(small, huge)
    html = path.read_bytes()
    path.write_bytes(html.replace(b"</body>", b"<div>" * 250_000 + b"</body>"))
    code, run, _ = crawl(server, default_db_url)
    assert code == 0
    assert failed_pages(default_db_url, run["id"])[huge].startswith("page too large: 250,")
    assert stored(default_db_url, small.article_urls) == (39, 39)


def test_redirect_loops_and_off_site_redirects_are_recorded_under_the_listed_url(
    server: FaultyMirror, small: ScaledMirror, default_db_url: str
) -> None:
    looping, leaving = small.article_urls[6], small.article_urls[7]
    server.redirects[looping.removeprefix("http://")] = looping
    server.redirects[leaving.removeprefix("http://")] = "http://www.example.org/login.html"
    code, run, _ = crawl(server, default_db_url)
    assert code == 0
    failed = failed_pages(default_db_url, run["id"])
    assert "redirect" in failed[looping] and looping in failed[looping]
    assert "www.example.org/login.html" in failed[leaving]
    assert stored(default_db_url, small.article_urls) == (38, 38)


def test_a_404_is_believed_only_once_seen_in_two_runs(
    server: FaultyMirror, small: ScaledMirror, default_db_url: str
) -> None:
    flaky = small.article_urls[8]
    server.fail(flaky, 404)
    crawl(server, default_db_url)
    assert stored(default_db_url, small.article_urls) == (39, 39)
    _, run, _ = crawl(server, default_db_url)  # asked for again: the 404 was a glitch
    assert run["articles_new"] == 1
    assert stored(default_db_url, small.article_urls) == (40, 40)
