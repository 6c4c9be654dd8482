"""The article totals (migration 0012, db/totals.py) equal a recount of the articles after every kind of write,
made by newsmon or in plain SQL as another tool would: inserts, updates of site, kind and month, deletes, and
reprint marking, changing and unmarking; and the reads that use them agree with counting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from analysis.search import facets, search
from db import totals
from db.engine import Database
from db.filters import Filters
from db.queries import count_articles
from tests.analysis_fixtures import build_speeches

RECOUNT = """
SELECT a.site_id, coalesce(a.kind, ''), coalesce(a.published_month, ''),
       CASE WHEN r.canonical_id IS NOT NULL AND r.canonical_id <> a.id THEN 1 ELSE 0 END, count(*)
FROM articles AS a LEFT JOIN article_reprints AS r ON r.article_id = a.id
GROUP BY 1, 2, 3, 4
"""


def kept(connection: Connection) -> dict[tuple[object, ...], int]:
    rows = connection.execute(text("SELECT site_id, kind, month, reprint, articles FROM article_totals"))
    return {tuple(r[:4]): int(r[4]) for r in rows}


def recounted(connection: Connection) -> dict[tuple[object, ...], int]:
    return {tuple(r[:4]): int(r[4]) for r in connection.execute(text(RECOUNT))}


@pytest.fixture
def database(db_url: str) -> Iterator[tuple[Database, dict[str, int]]]:
    built, ids = build_speeches(db_url)
    yield built, ids
    built.dispose()


def _copy_article(connection: Connection, article_id: int, suffix: str) -> int:
    """A new article, a copy of another under a new URL, inserted in plain SQL; its id."""
    columns = [c["name"] for c in inspect(connection).get_columns("articles") if c["name"] != "id"]
    values = ", ".join(f"url || '{suffix}'" if c == "url" else c for c in columns)
    connection.execute(
        text(f"INSERT INTO articles ({', '.join(columns)}) SELECT {values} FROM articles WHERE id = :id"),
        {"id": article_id},
    )
    return int(connection.execute(text("SELECT max(id) FROM articles")).scalar_one())


def test_the_totals_equal_a_recount_after_every_kind_of_write(database: tuple[Database, dict[str, int]]) -> None:
    built, ids = database
    engine = built.engine

    def step(sql: str, **parameters: object) -> None:
        with engine.begin() as connection:
            connection.execute(text(sql), parameters)
        with engine.connect() as connection:
            assert kept(connection) == recounted(connection), sql

    with engine.connect() as connection:  # written by newsmon: the seed, the articles, g marked a copy of c
        assert kept(connection) == recounted(connection)
        assert any(key[3] == 1 for key in kept(connection))
    with engine.begin() as connection:
        new = _copy_article(connection, ids["d"], "#outside")
        other = _copy_article(connection, ids["a"], "#outside-2")
    with engine.connect() as connection:
        assert kept(connection) == recounted(connection)
    step("UPDATE articles SET kind = 'speech_report' WHERE id = :id", id=new)
    step("UPDATE articles SET kind = NULL WHERE id = :id", id=new)
    step("UPDATE articles SET published_month = '2019-01' WHERE id = :id", id=new)
    step("UPDATE articles SET published_month = NULL WHERE id = :id", id=other)
    step(
        "UPDATE articles SET site_id = (SELECT site_id FROM articles WHERE id = :a) WHERE id = :id", id=new, a=ids["a"]
    )
    step("UPDATE articles SET title = title || '。' WHERE id = :id", id=new)  # no counted column: nothing moves
    reprint_columns = ["cluster_id", "canonical_id", "content_hash", "title_key", "minhash", "indexed_at"]
    step(
        f"INSERT INTO article_reprints (article_id, {', '.join(reprint_columns)}) "
        f"SELECT :id, {', '.join(reprint_columns)} FROM article_reprints WHERE article_id = :g",
        id=new,
        g=ids["g"],
    )
    with engine.connect() as connection:  # the new article is counted as a copy now
        assert connection.execute(text(RECOUNT.replace("GROUP BY", f"WHERE a.id = {new} GROUP BY"))).one()[3] == 1
    step("UPDATE article_reprints SET canonical_id = article_id WHERE article_id = :id", id=new)  # now an original
    step("UPDATE article_reprints SET canonical_id = :c WHERE article_id = :id", id=new, c=ids["c"])  # a copy again
    step("UPDATE articles SET kind = 'press_conference' WHERE id = :id", id=new)  # a copy's row moves as a copy
    step("DELETE FROM article_reprints WHERE article_id = :id", id=new)
    step("DELETE FROM articles WHERE id = :id", id=new)
    step("DELETE FROM articles WHERE id = :id", id=other)
    with engine.connect() as connection:
        assert 0 not in kept(connection).values()


ANSWERED = [
    Filters(),
    Filters(site="people.com.cn"),
    Filters(site=("人民网", "新华网"), kind="speech_report"),
    Filters(date_from=date(2024, 1, 1), date_to=date(2024, 2, 29)),
    Filters(date_to=date(2023, 12, 31)),
    Filters(dedupe="reprints"),
]


@pytest.mark.parametrize("filters", ANSWERED, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.to_json().items() if v))
def test_the_totals_answer_as_a_count_does(database: tuple[Database, dict[str, int]], filters: Filters) -> None:
    built, _ = database
    assert totals.answers(filters)
    with built.session() as session:
        counted = count_articles(
            session,
            site=filters.site,
            date_from=filters.date_from,
            date_to=filters.date_to,
            kind=filters.kind,
            dedupe=filters.dedupe,  # type: ignore[arg-type]
        )
        assert totals.count(session, filters) == counted
        assert search(session, "", filters).total == counted
        by_totals = totals.facets(session, filters, top=10)
        by_count = facets(session, "", filters)
        for facet in ("site", "kind", "year"):
            assert by_totals[facet] == by_count[facet]


def test_filters_the_totals_cannot_answer_are_counted() -> None:
    assert not totals.answers(Filters(date_from=date(2024, 1, 16)))
    assert not totals.answers(Filters(date_to=date(2024, 1, 30)))
    assert not totals.answers(Filters(speaker="王明"))
    assert not totals.answers(Filters(site="news.cn", dedupe="reprints"))
    assert totals.answers(Filters(date_to=date(2024, 2, 29)))
