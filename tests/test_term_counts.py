"""Curated-term counts (db/terms.py): written with each article, back-filled by migration and `terms index`, and
read by trends and `who` with the same answers as counting in the text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select
from typer.testing import CliRunner

from analysis.trends import trend, who
from analysis.vocabulary import Vocabulary, load_vocabulary
from cli.app import app
from db import search as db_search
from db import terms
from db.articles import store_article
from db.engine import upgrade
from db.models import Article, ArticleTerm, IndexedTerm
from db.search import Filters
from extraction.dates import SHANGHAI
from ground.article import Extracted
from ground.query import normalise, parse_query
from pipelines.seed import open_database
from tests.analysis_fixtures import build, build_speeches


@pytest.fixture(autouse=True)
def _fresh_counter() -> Iterator[None]:
    terms._counter.cache_clear()
    yield
    terms._counter.cache_clear()


def _record(url: str, body: str, when: datetime, title: str = "讲话") -> Extracted:
    return Extracted(
        url=url,
        site="people.com.cn",
        charset="utf-8",
        title=title,
        published_at=when,
        published_precision="minute",
        source="人民网",
        authors=[],
        editors=[],
        body=body,
        rules={},
    )


def _counts(session: object, article_id: int) -> dict[str, int]:
    rows = session.execute(  # type: ignore[attr-defined]
        select(ArticleTerm.term, ArticleTerm.occurrences).where(ArticleTerm.article_id == article_id)
    )
    return dict(rows.all())


def test_counter_counts_as_the_index_reads_the_text() -> None:
    vocabulary = Vocabulary()
    vocabulary.add(["一网通办"])
    vocabulary.add(["5G", "第五代移动通信"])
    vocabulary.add(["数字政府"])
    vocabulary.add(["政府数据"])
    counter = terms.TermCounter({t: terms.spellings_of(vocabulary, t) for t in vocabulary.terms})
    # 5g in any case and width, as a whole word (not in 15g or 5gb); 数字政府数据 holds both 数字政府 and 政府数据.
    counts = counter.count(
        "一网通办：5G 与 ５ｇ", "推进一网通办，发展第五代移动通信和5g网络。15G 5GB。数字政府数据共享。"
    )
    assert counts == {"一网通办": 2, "5G": 4, "数字政府": 1, "政府数据": 1}


@given(st.text(st.sampled_from(list("数字政府一网通办放管服互联网政务服务，。 　\n")), max_size=60))
def test_chinese_spellings_are_counted_as_substrings_of_the_normalised_text(text: str) -> None:
    vocabulary = load_vocabulary(analyst=False)
    spellings = {t: terms.spellings_of(vocabulary, t) for t in vocabulary.terms}
    normalised = normalise(f"标题\n{text}")
    chinese = [t for t, forms in spellings.items() if not any(c.isascii() and c.isalnum() for f in forms for c in f)]
    expected = {t: n for t in chinese if (n := sum(normalised.count(f) for f in spellings[t]))}
    counted = terms.TermCounter(spellings).count("标题", text)
    assert {t: n for t, n in counted.items() if t in chinese} == expected


def test_curated_trend_and_who_read_the_counts_and_agree_with_the_text(db_url: str) -> None:
    database, _ = build_speeches(db_url)
    try:
        with database.session() as session:
            vocabulary = load_vocabulary()
            assert terms.counted(session, "一网通办", vocabulary.variants("一网通办"))
            for dedupe in ("reprints", "copies"):
                filters = Filters(dedupe=dedupe)
                from_counts = trend(session, ["一网通办", "数字政府"], by="quarter", filters=filters)
                users_from_counts = who(session, "一网通办", filters=filters)
                site_only = trend(session, ["一网通办"], filters=Filters(site="people.com.cn", dedupe=dedupe))
                # The articles' own columns (a date filter) take the joined path over the same counts.
                dated = trend(session, ["一网通办"], filters=Filters(date_from=datetime(2024, 1, 1).date()))
                savepoint = session.begin_nested()
                session.execute(delete(IndexedTerm))  # no complete counts: every term is read from the text
                assert not terms.counted(session, "一网通办", vocabulary.variants("一网通办"))
                assert trend(session, ["一网通办", "数字政府"], by="quarter", filters=filters) == from_counts
                assert who(session, "一网通办", filters=filters) == users_from_counts
                assert trend(session, ["一网通办"], filters=Filters(site="people.com.cn", dedupe=dedupe)) == site_only
                assert trend(session, ["一网通办"], filters=Filters(date_from=datetime(2024, 1, 1).date())) == dated
                savepoint.rollback()
            assert any(r.articles for r in from_counts if r.term == "一网通办")
    finally:
        database.dispose()


def test_a_changed_article_rewrites_its_counts(default_db_url: str) -> None:
    database = open_database(default_db_url, seed=False)
    when = datetime(2024, 5, 6, 9, 0, tzinfo=SHANGHAI)
    try:
        with database.session() as session:
            first = store_article(session, _record("https://www.people.com.cn/n1/1.html", "数字政府，数字政府。", when))
            assert _counts(session, first.article_id) == {"数字政府": 2}
        with database.session() as session:
            store_article(session, _record("https://www.people.com.cn/n1/1.html", "一网通办。", when))
            assert _counts(session, first.article_id) == {"一网通办": 1}
            month = session.scalar(
                select(ArticleTerm.published_month).where(ArticleTerm.article_id == first.article_id)
            )
            assert month == "2024-05"
    finally:
        database.dispose()


def test_terms_index_backfills_an_analysts_new_term(
    default_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database, _ = build(default_db_url)
    database.dispose()
    extra = tmp_path / "mine.txt"
    extra.write_text("加快建设\n", encoding="utf-8")
    monkeypatch.setenv("NEWSMON_TERMS_FILE", str(extra))
    terms._counter.cache_clear()
    database = open_database(default_db_url)
    try:
        with database.session() as session:
            assert not terms.counted(session, "加快建设", ["加快建设"])
            from_text = trend(session, ["加快建设"], by="year")
            assert sum(r.articles for r in from_text) == 1  # article a's title
    finally:
        database.dispose()
    result = CliRunner().invoke(app, ["index-terms", "--db", default_db_url, "--json"])
    assert result.exit_code == 0, result.output
    assert '"加快建设": 1' in result.output
    database = open_database(default_db_url)
    try:
        with database.session() as session:
            assert terms.counted(session, "加快建设", ["加快建设"])
            assert trend(session, ["加快建设"], by="year") == from_text
    finally:
        database.dispose()
    again = CliRunner().invoke(app, ["index-terms", "--db", default_db_url, "--json"])
    assert again.exit_code == 0 and again.output.strip() == "{}"  # nothing left to count


def test_migration_backfills_months_and_counts(sqlite_url: str) -> None:
    from alembic import command

    from db.engine import alembic_config

    database, ids = build(sqlite_url)
    with database.session() as session:
        before = {
            (t.term, t.article_id, t.occurrences, t.published_month) for t in session.scalars(select(ArticleTerm))
        }
    with database.engine.begin() as connection:
        config = alembic_config(database.engine)
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    with database.engine.connect() as connection:
        tables = {r[0] for r in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "article_terms" not in tables
    upgrade(database.engine, "head")
    try:
        with database.session() as session:
            after = {
                (t.term, t.article_id, t.occurrences, t.published_month) for t in session.scalars(select(ArticleTerm))
            }
            assert after == before and ("数字政府", ids["a"], 3, "2023-03") in after
            assert session.scalar(select(Article.published_month).where(Article.id == ids["c"])) == "2024-01"
    finally:
        database.dispose()


def test_a_query_matching_more_than_the_rank_limit_ranks_the_most_recent(
    default_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database, _ = build(default_db_url)
    monkeypatch.setattr(db_search, "RANK_LIMIT", 2)
    try:
        with database.session() as session:
            node = parse_query("政务")
            everything = db_search.matching_ids(session, node, Filters())
            assert len(everything) > 2
            found = db_search.search(session, node, Filters(), limit=10)
            assert found.exact and found.ranked == 2
            assert found.total == len(everything)  # the count is of every match
            assert {a.id for a, _, _ in found.rows} == set(sorted(everything)[-2:])
    finally:
        database.dispose()


def test_a_search_stops_counting_at_the_count_limit(default_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from analysis.search import search

    database, _ = build(default_db_url)
    try:
        with database.session() as session:
            assert search(session, "政务").total > 2
            monkeypatch.setattr(db_search, "COUNT_LIMIT", 2)
            page = search(session, "政务")
            assert (page.total, page.total_exact, page.total_text) == (2, False, "2+")
            assert page.to_json()["total_exact"] is False
            # With a filter (the joined path) the count stops at the limit too: counting every match of a common
            # word would cost a page seconds at a million articles.
            filtered = search(session, "政务", Filters(date_from=datetime(2000, 1, 1).date()))
            assert (filtered.total, filtered.total_exact, filtered.total_text) == (2, False, "2+")
            monkeypatch.setattr(db_search, "COUNT_LIMIT", 10_000)
            filtered = search(session, "政务", Filters(date_from=datetime(2000, 1, 1).date()))
            assert filtered.total > 2 and filtered.total_text == str(filtered.total)
    finally:
        database.dispose()


def test_the_dashboard_pages_only_through_ranked_matches(default_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from web.app import create_app

    database, _ = build(default_db_url)
    database.dispose()
    monkeypatch.setattr(db_search, "RANK_LIMIT", 2)
    monkeypatch.setattr("web.explore.PAGE_SIZE", 1)
    client = TestClient(create_app(default_db_url), base_url="http://127.0.0.1")
    first = client.get("/search", params={"q": "政务"})
    assert first.status_code == 200
    assert "most recent shown" in first.text and "page=2" in first.text and "page=3" not in first.text
