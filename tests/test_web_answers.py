"""The dashboard's kept answers: the same question asked again is answered without querying, until anything is
written to the database (by another process too), when the next page shows the change; many asking at once
cause one query; an answer that failed or was cut is never kept."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from db.engine import Database
from db.limits import TimeLimitExceeded
from pipelines.seed import open_database
from tests.analysis_fixtures import build_speeches, store_article_text
from web.answers import Answers
from web.app import create_app

LOOPBACK = "http://127.0.0.1"


@pytest.fixture
def served(db_url: str) -> Iterator[tuple[TestClient, str]]:
    database, _ = build_speeches(db_url)
    database.dispose()
    app = create_app(db_url)
    with TestClient(app, base_url=LOOPBACK) as client:
        yield client, db_url
    app.state.answers.close()
    app.state.database.dispose()


def _add_article(db_url: str, key: str, title: str, body: str) -> None:
    """A crawl's write, from a database handle of its own (another connection, as another process has)."""
    writer: Database = open_database(db_url, seed=False)
    try:
        store_article_text(writer, f"http://www.news.cn/later/{key}.html", title, body)
    finally:
        writer.dispose()


def test_an_answer_is_kept_until_the_database_changes(served: tuple[TestClient, str]) -> None:
    client, db_url = served
    answers = client.app.state.answers  # type: ignore[attr-defined]
    pages = [
        ("/search", {"q": "数字政府"}),  # the page of hits and facets (a download's thousand hits are not kept)
        ("/trends.json", {"q": "数字政府", "by": "year"}),
        ("/context.json", {"q": "数字政府"}),
    ]

    def ask() -> list[str]:
        return [client.get(path, params=params).text for path, params in pages]

    first = ask()
    for _ in range(5):  # PostgreSQL's mark moves with any write to the cluster (autovacuum's too): ask again then
        mark, hits, misses = answers.mark(), answers.hits, answers.misses
        again = ask()
        if answers.mark() == mark:
            break
    # Answered from what was kept (the pages, and the site list of the search form): nothing computed.
    assert again == first and answers.misses == misses and answers.hits >= hits + len(pages)

    _add_article(db_url, "later", "数字政府再出发", "数字政府建设迈出新步伐，数字政府服务更便捷。")
    misses = answers.misses
    search, trends, context = ask()
    assert answers.misses >= misses + len(pages)  # every page asked the database again
    assert "再出发" in search and "再出发" not in first[0]  # (the title is shown with 数字政府 marked)
    total = re.compile(r'<p id="total">(\d+) 篇文章')
    assert int(total.search(search).group(1)) == int(total.search(first[0]).group(1)) + 1  # type: ignore[union-attr]
    before, after = (json.loads(page)["rows"] for page in (first[1], trends))
    assert {r["period"]: r["articles"] for r in after}["2024"] == {r["period"]: r["articles"] for r in before}[
        "2024"
    ] + 1
    assert len(json.loads(context)["sentences"]) > len(json.loads(first[2])["sentences"])


def test_a_kept_answer_is_a_copy_pages_cannot_spoil(served: tuple[TestClient, str]) -> None:
    """Pages change what they are given (links added to rows, HTML dropped from JSON): the next page still gets
    the answer as computed."""
    client, _ = served
    html = client.get("/trends", params={"q": "数字政府", "by": "year"}).text
    document = client.get("/trends.json", params={"q": "数字政府", "by": "year"}).json()
    assert 'href="/search?' in html
    assert all("link" not in row for row in document["rows"])
    client.get("/context.json", params={"q": "数字政府"})
    page = client.get("/context", params={"q": "数字政府"}).text
    assert "<mark>数字政府</mark>" in page


def test_paging_past_the_end_is_answered_the_same_from_a_kept_answer(
    served: tuple[TestClient, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, db_url = served
    monkeypatch.setattr("web.explore.PAGE_SIZE", 2)
    pages = [client.get("/search", params={"q": "政务", "page": 999}).text for _ in range(2)]
    if db_url.startswith("sqlite"):  # (on PostgreSQL any write to the cluster between the two makes it a miss)
        assert client.app.state.answers.hits >= 1  # type: ignore[attr-defined]
    assert pages[0] == pages[1] and re.search(r"第 (\d+) / \1 页", pages[1])


def _engine(tmp_path: Path) -> tuple[Database, Answers]:
    database = open_database(f"sqlite:///{tmp_path / 'answers.db'}")
    return database, Answers(database.engine, 16)


def test_many_asking_at_once_cause_one_computation(tmp_path: Path) -> None:
    database, answers = _engine(tmp_path)
    computed: list[int] = []

    def compute() -> dict[str, list[int]]:
        computed.append(1)
        time.sleep(0.3)
        return {"hits": [1, 2, 3]}

    results: list[dict[str, list[int]]] = []
    threads = [threading.Thread(target=lambda: results.append(answers.get(("q",), compute))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(computed) == 1 and results == [{"hits": [1, 2, 3]}] * 8
    results[0]["hits"].append(4)  # each asker has its own copy
    assert answers.get(("q",), compute) == {"hits": [1, 2, 3]} and len(computed) == 1
    answers.close()
    database.dispose()


def test_a_cut_answer_is_not_kept(tmp_path: Path) -> None:
    database, answers = _engine(tmp_path)
    calls: list[int] = []

    def cut() -> int:
        calls.append(1)
        time.sleep(0.2)
        raise TimeLimitExceeded("this query took longer than its time limit")

    errors: list[BaseException] = []

    def ask() -> None:
        try:
            answers.get(("slow",), cut)
        except TimeLimitExceeded as error:
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 4 and len(calls) == 1  # the waiters got the one computation's error
    assert answers.get(("slow",), lambda: 7) == 7  # and nothing was kept
    answers.close()
    database.dispose()


def test_a_write_from_outside_newsmon_is_seen(tmp_path: Path) -> None:
    """Plain SQL from another program (sqlite3, a script) changes the mark as newsmon's own writes do."""
    database, answers = _engine(tmp_path)
    count = "SELECT count(*) FROM articles"

    def read() -> int:
        with database.engine.connect() as connection:
            return int(connection.execute(text(count)).scalar_one())

    assert answers.get(("n",), read) == 1
    other = create_engine(f"sqlite:///{tmp_path / 'answers.db'}")
    with other.begin() as connection:
        connection.execute(text("DELETE FROM articles"))
    other.dispose()
    assert answers.get(("n",), read) == 0
    answers.close()
    database.dispose()


def test_none_kept_when_the_setting_is_zero(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    database, _ = build_speeches(db_url)
    database.dispose()
    monkeypatch.setenv("NEWSMON_WEB_ANSWERS", "0")
    app = create_app(db_url)
    with TestClient(app, base_url=LOOPBACK) as client:
        for _ in range(2):
            assert client.get("/search.json", params={"q": "数字政府"}).status_code == 200
        assert app.state.answers.hits == 0 and app.state.answers.misses == 0
    app.state.answers.close()
    app.state.database.dispose()


def test_postgresql_a_commit_after_the_mark_was_read_changes_it(pg_url: str) -> None:
    """A write not yet committed when an answer's mark is read is not in the answer: its commit must change the
    mark, or the answer would be kept stale. A transaction that only reads changes nothing."""
    database = open_database(pg_url, seed=False)
    answers = Answers(database.engine, 8)
    try:
        for _ in range(5):  # other work on the server may write in between: try again then
            before = answers.mark()
            with database.engine.connect() as reader:
                reader.execute(text("SELECT count(*) FROM sites")).scalar_one()
            if answers.mark() == before:
                break
        else:
            raise AssertionError("a transaction that only read changed the mark")
        writer = database.engine.connect()
        writer.execute(  # a write, not committed
            text("INSERT INTO sites (domain, name, created_at) VALUES ('later.example', 'later', now())")
        )
        while_open = answers.mark()
        with database.engine.connect() as reader:  # what an answer computed now sees: not the write
            assert reader.execute(text("SELECT count(*) FROM sites WHERE name = 'later'")).scalar_one() == 0
        writer.commit()
        writer.close()
        assert answers.mark() != while_open
    finally:
        answers.close()
        database.dispose()
