"""End-to-end: real crawls of the bundled mirror over 127.0.0.1 through Scrapy into a real database."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import Article, FailedPage, RawPage
from pipelines.seed import open_database
from spiders.people import PeopleSpider
from tests.conftest import MIRROR_SITE, initialised

ARTICLE_FILE = re.compile(r"/n[12]/\d{4}/\d{4}/c\d+-\d+\.html$")


def newsmon(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    if args[0] in ("crawl", "import") and "--db" in args:
        initialised(args[args.index("--db") + 1])
    result = subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"newsmon {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def crawl(mirror: Path, db_url: str, *extra: str, check: bool = True) -> dict[str, Any]:
    result = newsmon("crawl", "people", "--mirror-dir", str(mirror), "--db", db_url, "--json", *extra, check=check)
    return dict(json.loads(result.stdout))


def mirror_articles(root: Path) -> set[str]:
    """Article URLs the mirror holds (first pages only; …-2.html continuations are part of an article)."""
    urls = set()
    for path in root.rglob("*.html"):
        relative = path.relative_to(root).as_posix()
        if ARTICLE_FILE.search("/" + relative):
            urls.add("http://" + relative)
    return urls


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(MIRROR_SITE, copy)
    return copy


def count(db_url: str, model: Any, *where: Any) -> int:
    database = open_database(db_url)
    try:
        with database.session() as session:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
    finally:
        database.dispose()


def test_crawl_stores_every_article_once_and_recrawl_adds_nothing(mirror: Path, default_db_url: str) -> None:
    expected = mirror_articles(mirror)
    assert len(expected) >= 8
    run = crawl(mirror, default_db_url)
    assert run["status"] == "finished"
    assert run["articles_new"] == len(expected)
    assert run["pages_failed"] == 0
    assert count(default_db_url, Article) == len(expected) + 1  # plus the seed, article 1
    assert count(default_db_url, Article, Article.url.in_(expected)) == len(expected)

    again = crawl(mirror, default_db_url)
    assert again["status"] == "finished"
    assert again["articles_new"] == 0
    assert count(default_db_url, Article) == len(expected) + 1
    assert count(default_db_url, RawPage) == len(expected)  # unchanged bytes kept once


def test_recrawl_fetches_only_new_articles(mirror: Path, default_db_url: str) -> None:
    crawl(mirror, default_db_url)
    # A new article appears at the top of the column's first page.
    column = mirror / "politics.people.com.cn" / "GB" / "1024" / "index.html"
    donor = sorted(
        p
        for p in (mirror / "politics.people.com.cn" / "n1").rglob("*.html")
        if not re.search(r"-\d+-\d+\.html$", p.name)
    )[0]
    new_page = mirror / "politics.people.com.cn" / "n1" / "2026" / "1120" / "c1024-99999999.html"
    new_page.parent.mkdir(parents=True)
    new_page.write_bytes(donor.read_bytes())
    html = column.read_bytes().decode("gb18030")
    first_link = re.search(r'href="[^"]*/n1/\d{4}/\d{4}/c1024-\d+\.html"', html)
    assert first_link, "the column page links its articles"
    html = html.replace(
        first_link.group(0),
        'href="http://politics.people.com.cn/n1/2026/1120/c1024-99999999.html">新文章</a><a ' + first_link.group(0),
        1,
    )
    column.write_bytes(html.encode("gb18030"))
    run = crawl(mirror, default_db_url)
    assert run["articles_new"] == 1
    # Each column's first page lists known URLs, so no column went on to index2.html.
    assert run["stats"]["newsmon/list_pages"] == len(PeopleSpider.columns)


def test_broken_page_is_recorded_and_the_crawl_goes_on(mirror: Path, default_db_url: str) -> None:
    expected = mirror_articles(mirror)
    broken_url = sorted(expected)[0]
    broken = mirror / broken_url.removeprefix("http://")
    broken.write_bytes(
        "<html><head><title>维护中</title></head><body><div>页面维护中</div></body></html>".encode("gb18030")
    )
    run = crawl(mirror, default_db_url)
    assert run["status"] == "finished"
    assert run["articles_new"] == len(expected) - 1
    assert run["pages_failed"] == 1
    failed = run["failed_pages"]
    assert [f["url"] for f in failed] == [broken_url]
    assert failed[0]["reason"].startswith("extraction failed")
    database = open_database(default_db_url)
    try:
        with database.session() as session:
            row = session.scalars(select(FailedPage)).one()
            assert row.body == broken.read_bytes()  # raw bytes kept, nothing lost
    finally:
        database.dispose()


def test_missing_article_is_a_failed_page_with_http_status(mirror: Path, default_db_url: str) -> None:
    expected = mirror_articles(mirror)
    gone_url = sorted(expected)[-1]
    (mirror / gone_url.removeprefix("http://")).unlink()
    run = crawl(mirror, default_db_url)
    assert run["status"] == "finished"
    assert {f["url"]: f["http_status"] for f in run["failed_pages"]} == {gone_url: 404}
    assert run["http_errors"] >= 1


def test_unreachable_site_fails_the_run_with_a_message(default_db_url: str) -> None:
    result = newsmon("crawl", "people", "--mirror", "http://127.0.0.1:9", "--db", default_db_url, "--json", check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    run = json.loads(result.stdout)
    assert run["status"] == "failed"
    assert "unreachable" in run["message"]


def test_multi_page_article_is_stitched(mirror: Path, default_db_url: str) -> None:
    crawl(mirror, default_db_url)
    continuation = next(mirror.glob("*.people.com.cn/**/*-2.html"))
    first_url = "http://" + re.sub(r"-2\.html$", ".html", continuation.relative_to(mirror).as_posix())
    database = open_database(default_db_url)
    try:
        with database.session() as session:
            article = session.scalars(select(Article).where(Article.url == first_url)).one()
            assert not session.scalars(select(Article).where(Article.url.like("%-2.html"))).all()
    finally:
        database.dispose()
    from extraction import extract_fields

    second = extract_fields("http://" + continuation.relative_to(mirror).as_posix(), continuation.read_bytes())
    assert second.body and second.paragraphs[-1] in article.body.split("\n")
    assert article.body.index(second.paragraphs[0]) > 0


def test_crawl_into_postgresql(mirror: Path, pg_url: str) -> None:
    expected = mirror_articles(mirror)
    run = crawl(mirror, pg_url)
    assert run["status"] == "finished" and run["articles_new"] == len(expected)
    assert crawl(mirror, pg_url)["articles_new"] == 0
    assert count(pg_url, Article) == len(expected) + 1


def test_extractor_crash_is_a_failed_page_not_a_lost_one(mirror: Path, default_db_url: str, monkeypatch: Any) -> None:
    """A bug in extraction on one page: the page is kept as failed with the error, the others are stored."""
    expected = mirror_articles(mirror)
    crashing = sorted(expected)[0]
    # The crawl runs in a subprocess: make the extractor raise there through a site-rule that breaks on one URL.
    plugin = mirror.parent / "sitecustomize.py"
    plugin.write_text(
        "import extraction as ex\n"
        "_orig = ex.extract_fields\n"
        "def boom(url, *a, **k):\n"
        f"    if url == {crashing!r}:\n"
        "        raise RuntimeError('rule bug')\n"
        "    return _orig(url, *a, **k)\n"
        "import spiders.base as base\n"
        "base.extract_fields = boom\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PYTHONPATH", str(mirror.parent))
    run = crawl(mirror, default_db_url)
    assert run["status"] == "finished"
    assert run["articles_new"] == len(expected) - 1
    assert [(f["url"], f["reason"]) for f in run["failed_pages"]] == [
        (crashing, "extraction crashed: RuntimeError: rule bug")
    ]
