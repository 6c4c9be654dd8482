"""Edit tracking: a changed article gets a new version (old kept, diff shown); a 404/410 marks it removed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.articles import mark_removed, store_article
from db.engine import Database
from db.models import Article, FailedPage
from db.queries import article_history, get_article
from db.types import SHANGHAI
from ground.article import Extracted
from pipelines.seed import open_database
from tests.conftest import MIRROR_SITE
from tests.test_crawl_e2e import crawl, mirror_articles, newsmon

EDITED = "http://politics.people.com.cn/n1/2023/0810/c1024-40053619.html"
OLD_SENTENCE = "现在已经超过八成"
NEW_SENTENCE = "现在已经超过九成"


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(MIRROR_SITE, copy)
    return copy


def article_id(db_url: str, url: str) -> int:
    database = open_database(db_url)
    try:
        with database.session() as session:
            found = session.scalar(select(Article.id).where(Article.url == url))
    finally:
        database.dispose()
    assert found is not None
    return int(found)


def test_edited_page_gets_a_second_version_and_a_diff(mirror: Path, sqlite_url: str) -> None:
    crawl(mirror, sqlite_url)
    page = mirror / EDITED.removeprefix("http://")
    html = page.read_bytes().decode("gb18030")
    assert OLD_SENTENCE in html
    page.write_bytes(html.replace(OLD_SENTENCE, NEW_SENTENCE).encode("gb18030"))

    run = crawl(mirror, sqlite_url, "--full")
    assert run["articles_changed"] == 1
    assert run["articles_unchanged"] == len(mirror_articles(mirror)) - 1

    history = json.loads(
        newsmon("articles", "history", str(article_id(sqlite_url, EDITED)), "--json", "--db", sqlite_url).stdout
    )
    versions = history["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert OLD_SENTENCE in versions[0]["body"] and NEW_SENTENCE in versions[1]["body"]
    assert versions[1]["run_id"] == run["id"]
    diff = versions[1]["diff"].splitlines()
    assert any(line.startswith("-") and OLD_SENTENCE in line for line in diff)
    assert any(line.startswith("+") and NEW_SENTENCE in line for line in diff)
    # The article row holds the newest text.
    text = newsmon("articles", "history", str(article_id(sqlite_url, EDITED)), "--db", sqlite_url).stdout
    assert "version 1 → 2" in text


def test_page_answering_404_marks_the_article_removed_and_keeps_it(mirror: Path, sqlite_url: str) -> None:
    crawl(mirror, sqlite_url)
    stored = len(mirror_articles(mirror))
    (mirror / EDITED.removeprefix("http://")).unlink()
    # An incremental crawl never fetches a stored article again; --recheck-days does, for recent ones.
    assert crawl(mirror, sqlite_url)["articles_removed"] == 0
    # One 404 may be the site's glitch: kept as a failed page; the article is removed once a second run agrees.
    first = crawl(mirror, sqlite_url, "--recheck-days", "7")
    assert first["articles_removed"] == 0
    assert [(f["url"], f["http_status"]) for f in first["failed_pages"]] == [(EDITED, 404)]
    run = crawl(mirror, sqlite_url, "--recheck-days", "7")
    assert run["stats"]["newsmon/rechecked"] == stored
    assert run["articles_unchanged"] == stored - 1
    assert run["articles_removed"] == 1
    assert run["http_status_counts"] == {"404": 1}
    assert run["failed_pages"] == []  # a known article that went away is not a broken page
    shown = json.loads(
        newsmon("articles", "show", str(article_id(sqlite_url, EDITED)), "--json", "--db", sqlite_url).stdout
    )
    assert shown["removed_at"] is not None and shown["body"]
    database = open_database(sqlite_url)
    try:
        with database.session() as session:
            assert session.scalar(select(func.count(FailedPage.id))) == 1  # the first 404
    finally:
        database.dispose()


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.dispose()


def record(body: str, title: str = "谢少锋：电子政务发展的产业支撑") -> Extracted:
    return Extracted(
        url="http://politics.people.com.cn/n1/2018/0504/c1024-29966012.html",
        site="people.com.cn",
        charset="gbk",
        title=title,
        published_at=datetime(2018, 5, 4, tzinfo=SHANGHAI),
        body=body,
    )


def test_versions_and_removal_in_storage(database: Database) -> None:
    with database.session() as session:
        first = store_article(session, record("第一段。\n第二段。"))
        assert store_article(session, record("第一段。\n第二段。")).outcome == "unchanged"
        assert store_article(session, record("第一段。\n第二段（更正）。")).outcome == "changed"
        assert store_article(session, record("第一段。\n第二段（更正）。", title="新标题")).outcome == "changed"
        history = article_history(session, first.article_id)
        assert [(v["version"], v["title"], v["body"]) for v in history] == [
            (1, "谢少锋：电子政务发展的产业支撑", "第一段。\n第二段。"),
            (2, "谢少锋：电子政务发展的产业支撑", "第一段。\n第二段（更正）。"),
            (3, "新标题", "第一段。\n第二段（更正）。"),
        ]
        when = datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI)
        assert mark_removed(session, record("x").url, when=when) == first.article_id
        assert mark_removed(session, "http://example.org/never-stored.html") is None
        article = get_article(session, first.article_id)
        assert article is not None and article["removed_at"] == when.isoformat()
        # Answering again (same text) clears the mark; the text and its versions were never touched.
        store_article(session, record("第一段。\n第二段（更正）。", title="新标题"))
        article = get_article(session, first.article_id)
        assert article is not None and article["removed_at"] is None
        assert len(article_history(session, first.article_id)) == 3


def test_upgrade_from_0001_makes_every_stored_article_its_own_version_1(db_url: str) -> None:
    from db.engine import make_engine, upgrade

    engine = make_engine(db_url)
    try:
        upgrade(engine, "0001")
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO sites (id, domain, name, created_at)"
                " VALUES (1, 'people.com.cn', '人民网', CURRENT_TIMESTAMP)"
            )
            connection.exec_driver_sql(
                "INSERT INTO articles (id, url, site_id, title, body, content_hash, authors, editors, field_rules,"
                " warnings, first_seen_at, last_seen_at) VALUES (5, 'http://people.com.cn/a.html', 1, '标题', '正文',"
                " 'h', '[]', '[]', '{}', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        upgrade(engine)
    finally:
        engine.dispose()
    database = open_database(db_url, seed=False)
    try:
        with database.session() as session:
            assert [(v["version"], v["title"], v["body"]) for v in article_history(session, 5)] == [(1, "标题", "正文")]
            migrated = get_article(session, 5)
            assert migrated is not None and migrated["removed_at"] is None
    finally:
        database.dispose()
