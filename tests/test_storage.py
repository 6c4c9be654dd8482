"""Storage on SQLite and PostgreSQL: migrations, the seed as article 1, idempotent and transactional writes."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from db.articles import RawInput, record_failed_page, store_article
from db.engine import current_revision, database_url, head_revision
from db.models import Article, CrawlRun, FailedPage, RawPage
from db.queries import get_article, list_articles
from db.runs import finish_run, get_run, start_run
from extraction.dates import SHANGHAI
from ground.article import Extracted
from pipelines.seed import open_database


def _record(
    url: str = "http://politics.people.com.cn/n1/2024/0510/c1024-40000001.html",
    *,
    body: str = "第一段。\n第二段。",
    title: str = "数字政府建设迈出新步伐",
) -> Extracted:
    return Extracted(
        url=url,
        site="people.com.cn",
        charset="gb18030",
        title=title,
        published_at=datetime(2024, 5, 10, 6, 58, tzinfo=SHANGHAI),
        published_precision="minute",
        source="人民网-人民日报",
        authors=["王乐文", "方敏"],
        editors=["胡永秋"],
        body=body,
        rules={"title": "people.com.cn:css:h1"},
    )


def test_new_database_is_at_head_with_every_table(db_url: str) -> None:
    database = open_database(db_url)
    try:
        assert current_revision(database.engine) == head_revision()
        tables = set(inspect(database.engine).get_table_names())
        assert {"sites", "articles", "raw_pages", "crawl_runs", "failed_pages", "alembic_version"} <= tables
    finally:
        database.dispose()


def test_seed_is_article_one(db_url: str) -> None:
    database = open_database(db_url)
    try:
        with database.session() as session:
            seed = get_article(session, 1)
        assert seed is not None
        assert seed["title"] == "谢少锋:电子政务发展的产业支撑"
        assert seed["source"] == "人民网"
        assert seed["published_at"].startswith("2018-05-04")
        assert seed["published_at"].endswith("+08:00")
        # This copy is the one 中国电子政务网 republished.
        assert seed["site"] == "e-gov.org.cn" and seed["site_name"] == "中国电子政务网"
        paragraphs = seed["body"].split("\n")
        assert paragraphs[0].startswith("福州4月23日电(记者 燕帅 宋心蕊)")
        assert "协同 优化 创新" in paragraphs[0]  # spaces inside the text are kept as written
        assert len(paragraphs) == 8  # every body paragraph of the file, none merged or lost
        assert seed["authors"] == ["燕帅", "宋心蕊"]
    finally:
        database.dispose()


def test_reopening_does_not_seed_twice(db_url: str) -> None:
    open_database(db_url).dispose()
    database = open_database(db_url)
    try:
        with database.session() as session:
            assert session.scalar(select(func.count(Article.id))) == 1
    finally:
        database.dispose()


def test_same_article_twice_is_one_row(db_url: str) -> None:
    database = open_database(db_url)
    raw = RawInput(body="<html>页面</html>".encode("gb18030"), http_status=200, charset="gb18030")
    try:
        with database.session() as session:
            first = store_article(session, _record(), raw=raw)
        with database.session() as session:
            second = store_article(session, _record(), raw=raw)
        assert (first.outcome, second.outcome) == ("new", "unchanged")
        assert first.article_id == second.article_id
        with database.session() as session:
            assert session.scalar(select(func.count(Article.id))) == 2  # the seed and this one
            assert session.scalar(select(func.count(RawPage.id))) == 1  # same bytes kept once
            raw_row = session.scalars(select(RawPage)).one()
            assert raw_row.body == raw.body  # decompressed on read
            stored = session.get(Article, first.article_id)
            assert stored is not None
            assert stored.published_at == datetime(2024, 5, 10, 6, 58, tzinfo=SHANGHAI)
            assert str(stored.published_at.tzinfo) == "Asia/Shanghai"
            assert stored.authors == ["王乐文", "方敏"]
            assert stored.field_rules == {"title": "people.com.cn:css:h1"}
    finally:
        database.dispose()


def test_changed_text_updates_in_place(db_url: str) -> None:
    database = open_database(db_url)
    try:
        with database.session() as session:
            first = store_article(session, _record())
        with database.session() as session:
            changed = store_article(session, _record(body="第一段。\n第二段（修订）。"))
        assert changed.outcome == "changed" and changed.article_id == first.article_id
        with database.session() as session:
            stored = session.get(Article, first.article_id)
            assert stored is not None and stored.body.endswith("（修订）。")
            assert stored.last_seen_at >= stored.first_seen_at
    finally:
        database.dispose()


def test_failed_write_rolls_back_whole_transaction(db_url: str) -> None:
    database = open_database(db_url)
    try:
        with pytest.raises(ValueError), database.session() as session:
            store_article(session, _record(url="http://politics.people.com.cn/n1/2024/0510/c1024-1.html"))
            store_article(session, _record(title=""))  # an article without a title is refused
        with database.session() as session:
            assert session.scalar(select(func.count(Article.id))) == 1  # only the seed
    finally:
        database.dispose()


def test_concurrent_writers_never_duplicate(db_url: str) -> None:
    """Two writers storing the same URL at once: the unique index, not a prior check, keeps one row."""
    database = open_database(db_url)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def write() -> None:
        try:
            barrier.wait()
            with database.session() as session:
                store_article(session, _record())
        except BaseException as error:
            errors.append(error)

    try:
        threads = [threading.Thread(target=write) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors
        with database.session() as session:
            assert session.scalar(select(func.count(Article.id)).where(Article.url == _record().url)) == 1
    finally:
        database.dispose()


def test_runs_and_failed_pages_are_recorded(db_url: str) -> None:
    database = open_database(db_url)
    try:
        with database.session() as session:
            run_id = start_run(session, "people.com.cn", "people", site_name="人民网")
            record_failed_page(
                session,
                "http://politics.people.com.cn/n1/2024/0101/c1024-2.html",
                "extraction failed: missing body",
                run_id=run_id,
                raw=RawInput(body=b"<html></html>", http_status=200),
            )
            finish_run(
                session, run_id, status="finished", counts={"pages_fetched": 3, "articles_new": 2, "pages_failed": 1}
            )
        with database.session() as session:
            run = get_run(session, run_id)
            assert run is not None
            assert run["status"] == "finished" and run["pages_fetched"] == 3 and run["articles_new"] == 2
            assert run["failed_pages"][0]["reason"] == "extraction failed: missing body"
            failed = session.scalars(select(FailedPage)).one()
            assert failed.body == b"<html></html>"
            assert session.get(CrawlRun, run_id).finished_at is not None  # type: ignore[union-attr]
    finally:
        database.dispose()


def test_list_filters(db_url: str) -> None:
    database = open_database(db_url)
    try:
        with database.session() as session:
            store_article(session, _record())
        with database.session() as session:
            assert [a["title"] for a in list_articles(session, site="people.com.cn")] == ["数字政府建设迈出新步伐"]
            assert [a["id"] for a in list_articles(session, site="人民网")] == [2]
            assert len(list_articles(session, contains="电子政务")) == 1  # the seed
            from datetime import date

            in_2018 = list_articles(session, date_from=date(2018, 5, 4), date_to=date(2018, 5, 4))
            assert [a["id"] for a in in_2018] == [1]
            assert list_articles(session, date_from=date(2025, 1, 1)) == []
    finally:
        database.dispose()


def test_database_url_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSMON_DATABASE_URL", raising=False)
    assert database_url() == "sqlite:///newsmon.db"
    monkeypatch.setenv("NEWSMON_DATABASE_URL", "postgresql://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_uses_wal(sqlite_url: str) -> None:
    database = open_database(sqlite_url)
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        database.dispose()


def test_json_columns_hold_chinese_as_text_for_other_tools(tmp_path: Path) -> None:
    import sqlite3

    from db.articles import store_article
    from ground.article import Extracted
    from pipelines.seed import open_database

    url = f"sqlite:///{tmp_path / 'n.db'}"
    database = open_database(url)
    with database.session() as session:
        record = Extracted(
            url="http://politics.people.com.cn/n1/2024/0510/c1001-1.html",
            site="people.com.cn",
            charset="utf-8",
            title="数字政府建设",
            published_at=datetime(2024, 5, 10, 8, 0, tzinfo=SHANGHAI),
            published_precision="minute",
            authors=["王乐文"],
            body="数字政府建设是推进国家治理现代化的重要举措。",
            rules={"title": "test"},
        )
        store_article(session, record)
    database.dispose()
    with sqlite3.connect(tmp_path / "n.db") as connection:
        (authors,) = connection.execute("SELECT authors FROM articles WHERE title = '数字政府建设'").fetchone()
    assert authors == '["王乐文"]'
