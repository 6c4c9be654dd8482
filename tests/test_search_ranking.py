"""Search ranking on a small database whose order is known: the ranked window of a search without filters
(db/ranking.py on SQLite) and the filtered path (FTS5's bm25 over the query itself) put the same articles in
the same order, and a NOT or a bigram common to most articles does not change it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

import pytest
from sqlalchemy import text

from analysis.search import search
from db import search as db_search
from db.articles import store_article
from db.engine import Database
from db.fts import ID_BLOCK
from db.ranking import ranking_query
from db.search import Filters
from extraction.dates import SHANGHAI
from ground.article import Extracted
from ground.query import parse_query
from pipelines.seed import open_database

FILLER = "今天天气晴朗，市民到公园散步，气温适宜，空气清新。"
# (key, title, body), stored in this order. 政务服务 in the title (a), three times (b), once (c), once in a body
# four times as long (d); e has 政务 and 服务 apart, never 政务服务; b also names 营商环境.
ARTICLES = [
    ("a", "推进政务服务改革", "各地认真落实有关部署。" + FILLER),
    ("b", "改革动态", "政务服务要便民。优化政务服务，营商环境更好，政务服务上新台阶。"),
    ("c", "改革动态", "政务服务要便民。各地认真落实有关部署，再上新台阶。" + "各地"),
    ("d", "改革动态", "政务服务要便民。各地认真落实有关部署，再上新台阶。" + FILLER * 4),
    ("e", "政务公开", "政务公开和便民服务同步推进。"),
]
FILLERS = 6  # articles without the query's bigrams, so that none is in half the articles


def _store(database: Database, rows: list[tuple[str, str, str]]) -> dict[str, int]:
    ids = {}
    with database.session() as session:
        for n, (key, title, body) in enumerate(rows):
            record = Extracted(
                url=f"https://www.gov.cn/rank/{key}.html",
                site="www.gov.cn",
                charset="utf-8",
                title=title,
                published_at=datetime(2024, 1, 1 + n, 9, 0, tzinfo=SHANGHAI),
                published_precision="minute",
                body=body,
                rules={"title": "test"},
            )
            ids[key] = store_article(session, record).article_id
    return ids


@pytest.fixture
def ranked(sqlite_url: str) -> Iterator[tuple[Database, dict[str, int]]]:
    database = open_database(sqlite_url, seed=False)
    fillers = [(f"f{n}", "天气", FILLER) for n in range(FILLERS)]
    try:
        yield database, _store(database, fillers + ARTICLES)
    finally:
        database.dispose()


def _order(database: Database, query: str, filters: Filters | None = None) -> tuple[int, list[int]]:
    with database.session() as session:
        page = search(session, query, filters, limit=50)
    scores = [h["score"] for h in page.hits]
    if filters is not None and database.engine.dialect.name == "sqlite":
        # SQLite's filtered path scores by bm25() over the query itself, the unfiltered one over its rewrite
        # (db/ranking.py): the numbers differ, so they are not shown; the order is still checked below.
        assert scores == [None] * len(scores)
        return page.total, [h["id"] for h in page.hits]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)  # no ties decide it
    return page.total, [h["id"] for h in page.hits]


FILTERED = Filters(date_from=date(2000, 1, 1))  # matches every article, but takes the filtered path


def test_window_and_filtered_paths_rank_alike(ranked: tuple[Database, dict[str, int]]) -> None:
    database, ids = ranked
    expected = [ids[k] for k in "abcd"]  # title first, then the most uses, then the shorter article
    assert _order(database, "政务服务") == (4, expected)
    assert _order(database, "政务服务", FILTERED) == (4, expected)
    assert _order(database, "政务服务 NOT 营商环境") == (3, [ids[k] for k in "acd"])
    assert _order(database, "政务服务 NOT 营商环境", FILTERED) == (3, [ids[k] for k in "acd"])


def test_a_window_smaller_than_the_matches_ranks_the_most_recent(
    ranked: tuple[Database, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    database, ids = ranked
    monkeypatch.setattr(db_search, "RANK_LIMIT", 3)
    with database.session() as session:
        page = search(session, "政务服务", limit=50)
    assert (page.total, page.ranked) == (4, 3)
    assert [h["id"] for h in page.hits] == [ids[k] for k in "bcd"]


def test_a_bigram_in_most_articles_is_left_out_of_the_ranking_alone(ranked: tuple[Database, dict[str, int]]) -> None:
    database, ids = ranked
    with database.session() as session:
        assert ranking_query(session, parse_query("政务服务 NOT 营商环境")) == 'NEAR("政务" "务服" "服务", 1)'
        assert ranking_query(session, parse_query('政务 OR "一网 通办"')) == '("政务" OR NEAR("一网" "网通" "通办", 1))'
    # 服务 in most articles: its IDF is nil, ranking leaves it out; the search still matches 政务服务 exactly.
    _store(database, [(f"g{n}", "便民服务", "便民服务到家。") for n in range(10)])
    with database.session() as session:
        assert ranking_query(session, parse_query("政务服务")) == 'NEAR("政务" "务服", 0)'
        exact = session.execute(
            text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q ORDER BY bm25(articles_fts, 5.0, 1.0)"),
            {"q": parse_query("政务服务").fts5()},
        )
        assert [i for (i,) in exact] == [ids[k] for k in "abcd"]
    assert _order(database, "政务服务") == (4, [ids[k] for k in "abcd"])


def test_candidates_are_the_query_without_positions() -> None:
    node = parse_query('数字政府 OR "一网 通办" NOT 试点 NOT 营商环境')
    assert node.tsquery() == (
        "('数字' <-> '字政' <-> '政府' | ('一网' <-> '网通' <-> '通办' & !('试点') & !('营商' <-> '商环' <-> '环境')))"
    )
    # A negated phrase is left out (its bigrams apart must still match), a negated bigram kept (exact).
    assert node.candidates() == "('数字' & '字政' & '政府' | ('一网' & '网通' & '通办' & !('试点')))"
    assert node.positional()
    assert not parse_query("政务 OR 政 NOT 营商").positional()
    assert parse_query("政务 OR 政 NOT 营商").candidates() == parse_query("政务 OR 政 NOT 营商").tsquery()
    assert parse_query("互联网+政").candidates() == "'互联' & '联网' & '网' & '政':*"
    # The same candidates as tsqueries to AND, a GIN scan key each: every token of an AND apart, an OR whole.
    assert parse_query("互联网+政").gin_keys() == ["'互联'", "'联网'", "'网'", "'政':*"]
    assert parse_query("数字政府 NOT 试点 NOT 营商环境").gin_keys() == ["'数字'", "'字政'", "'政府'", "!('试点')"]
    assert node.gin_keys() == [node.candidates()]


# 数字, 字政 and 政府 apart, never 数字政府: a candidate of the query without positions that does not match it.
APART = "数字经济发展，文字政策宣讲，政府工作报告。"


@contextmanager
def _stored(db_url: str, rows: list[tuple[str, str, str]]) -> Iterator[tuple[Database, dict[str, int]]]:
    """A database without the seed holding `rows` (stored in order), and key -> article id."""
    database = open_database(db_url, seed=False)
    try:
        yield database, _store(database, rows)
    finally:
        database.dispose()


def _next_block(database: Database) -> None:
    """PostgreSQL: the next article stored opens a new block of ids (db/fts.py ID_BLOCK), a new step of the walk."""
    if database.engine.dialect.name == "postgresql":
        with database.engine.begin() as connection:
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('articles', 'id'), "
                f"(SELECT (max(id) / {ID_BLOCK} + 1) * {ID_BLOCK} FROM articles))"
            )


def test_a_phrase_is_counted_and_ranked_past_newer_candidates_that_do_not_match(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newest candidates have the phrase's bigrams apart, never together: the search walks past them (on
    PostgreSQL whole blocks of ids hold no match) to count and rank the older matches."""
    postgresql = db_url.startswith("postgresql")
    monkeypatch.setattr(db_search, "FIRST_STEP", 1)
    with _stored(db_url, [("m1", "数字政府建设", "推进数字政府建设。"), ("m2", "数字政府", "数字政府上新台阶。")]) as (
        database,
        ids,
    ):
        for block in range(2):
            _next_block(database)
            ids |= _store(database, [(f"x{block}{n}", "工作动态", APART) for n in range(3)])
        monkeypatch.setattr(db_search, "COUNT_LIMIT", 3)
        monkeypatch.setattr(db_search, "RANK_LIMIT", 3)
        with database.session() as session:
            assert sorted(db_search.matching_ids(session, parse_query("数字政府"), Filters())) == [ids["m1"], ids["m2"]]
            page = search(session, "数字政府", limit=10)
            assert (page.total, page.total_exact, page.ranked) == (2, True, None)
            assert [h["id"] for h in page.hits] == [ids["m2"], ids["m1"]]  # m2 first on both backends
            page = search(session, "数字政府 NOT 上新台阶", limit=10)
            assert (page.total, page.total_exact, [h["id"] for h in page.hits]) == (1, True, [ids["m1"]])
            monkeypatch.setattr(db_search, "RANK_LIMIT", 1)
            page = search(session, "数字政府", limit=10)
            assert [h["id"] for h in page.hits] == [ids["m2"]]  # the newest match
            # SQLite counts every match to COUNT_LIMIT; PostgreSQL confirms a phrase only as far as it ranks.
            assert (page.total, page.total_exact, page.total_text) == (
                (1, False, "1+") if postgresql else (2, True, "2")
            )
            assert page.ranked == 1
            monkeypatch.setattr(db_search, "COUNT_LIMIT", 2)
            page = search(session, "文字政策 OR 数字政府", limit=10)
            assert (page.total, page.total_exact, page.ranked) == ((1, False, 1) if postgresql else (2, False, 1))
            assert [h["id"] for h in page.hits] == [ids["x12"]]


def test_the_ranked_window_spans_steps_of_the_walk(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The best-scored match is older than a step of candidates that holds a weaker one: the page ranks both."""
    monkeypatch.setattr(db_search, "FIRST_STEP", 1)
    with _stored(db_url, [("title", "数字政府建设", "推进数字政府建设。")]) as (database, ids):
        _next_block(database)
        ids |= _store(database, [(f"x{n}", "工作动态", APART) for n in range(5)])
        _next_block(database)
        ids |= _store(database, [("body", "工作动态", APART + "数字政府。")])
        monkeypatch.setattr(db_search, "COUNT_LIMIT", 3)
        monkeypatch.setattr(db_search, "RANK_LIMIT", 3)
        with database.session() as session:
            page = search(session, "数字政府", limit=1)
            assert (page.total, page.total_exact, [h["id"] for h in page.hits]) == (2, True, [ids["title"]])
            page = search(session, "数字政府", limit=1, offset=1)
            assert [h["id"] for h in page.hits] == [ids["body"]]


def test_upgrading_gives_stored_articles_the_block_of_their_id(pg_url: str) -> None:
    """Migration 0008 on PostgreSQL: documents stored before it get their block lexeme (the walk finds them by it),
    documents stored after get theirs from the trigger, and a downgrade takes them out again."""
    from alembic import command

    from db.engine import Database, alembic_config, make_engine, upgrade

    engine = make_engine(pg_url)
    upgrade(engine, "0007")
    before = Database(pg_url, engine)
    ids = _store(before, [("old", "数字政府", "数字政府建设。")])
    _next_block(before)
    upgrade(engine)
    ids |= _store(before, [("new", "数字政府", "推进数字政府建设。")])
    blocks = text("SELECT article_id, document @@ CAST(:b AS tsquery) FROM article_search ORDER BY article_id")
    with engine.connect() as connection:
        has = connection.execute(blocks, {"b": "'_b0'"}).all()
        assert has == [(ids["old"], True), (ids["new"], False)]
        assert connection.execute(blocks, {"b": f"'_b{ids['new'] // ID_BLOCK}'"}).all()[1] == (ids["new"], True)
    with before.session() as session:
        page = search(session, "数字政府")
        assert (page.total, page.total_exact, [h["id"] for h in page.hits]) == (2, True, [ids["new"], ids["old"]])
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    with engine.connect() as connection:
        assert connection.execute(blocks, {"b": "'_b0'"}).all() == [(ids["old"], False), (ids["new"], False)]
    engine.dispose()


def test_the_rest_of_the_archive_is_walked_without_the_blocks_already_walked(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the last step of a walk names the blocks it has walked (NOT …) when fewer than those left: a
    match in a walked block is neither lost nor counted twice."""
    windows: list[str | None] = []
    found = db_search.candidates_condition

    def spy(keys: list[str], blocks: str | None = None) -> tuple[str, dict[str, object]]:
        windows.append(blocks)
        return found(keys, blocks)

    monkeypatch.setattr(db_search, "candidates_condition", spy)
    monkeypatch.setattr(db_search, "RANK_LIMIT", 3)
    with _stored(db_url, [("old", "数字政府", "数字政府建设。")]) as (database, ids):
        for block in range(1, 5):
            _next_block(database)
            ids |= _store(database, [(f"x{block}", "工作动态", APART)])
        ids |= _store(database, [("new", "工作动态", APART + "数字政府。")])  # in the newest block, with x4
        with database.session() as session:
            page = search(session, "数字政府", limit=10)
    assert (page.total, page.total_exact) == (2, True)
    assert sorted(h["id"] for h in page.hits) == sorted([ids["old"], ids["new"]])
    if db_url.startswith("postgresql"):
        assert windows == ["'_b4' | '_b3'", "!('_b4' | '_b3')"]


def test_newest_first_walks_the_date_index_to_the_same_page_as_a_sort(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query with many matches is paged newest first by walking the date index and testing each article; one
    with few has its matches sorted. Both give the same pages, with and without filters, for words and phrases."""
    rows = [(f"n{n}", "改革动态", ("政务服务要便民。" if n % 3 else APART) + FILLER) for n in range(12)]
    with _stored(db_url, rows) as (database, ids), database.session() as session:
        for query, filters in [
            ("政务服务", Filters()),
            ("政务服务", Filters(site="www.gov.cn")),
            ('"政务服务要便民"', Filters()),
            ("政务服务 NOT 数字政府", Filters(dedupe="reprints")),
        ]:
            pages = []
            for walk_from in (1, 10_000):
                monkeypatch.setattr(db_search, "WALK_FROM", walk_from)
                pages.append(
                    [
                        (page.total, [h["id"] for h in page.hits])
                        for offset in (0, 3, 6)
                        for page in [search(session, query, filters, limit=3, offset=offset, sort="date")]
                    ]
                )
            newest = sorted((ids[k] for k, _, body in rows if body.startswith("政务服务")), reverse=True)
            assert pages[0] == pages[1], query
            assert [i for _, hits in pages[0] for i in hits] == newest[:9], query
