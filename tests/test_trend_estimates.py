"""A trend of a query with phrases whose candidates are too many to confirm one by one within the time limit is
estimated on PostgreSQL (each month's candidates, counted exactly by the index, times the share of a sample that
matches) and marked as estimated on the CLI's rows, the page and the downloads; given the time, or on SQLite, it
is exact."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from analysis.trends import trend
from db import trends as db_trends
from db.articles import store_article
from db.engine import Database
from db.filters import Filters
from db.limits import time_limit
from extraction.dates import SHANGHAI
from ground.article import Extracted
from ground.query import parse_query
from pipelines.seed import open_database
from web.app import create_app

PHRASE = "政务服务要便民，办事更方便。"
APART = "政务公开，事务服务，服务群众。"  # 政务, 务服 and 服务, never together: a candidate, not a match
EXCLUDED = "政务服务优化营商环境。"
# month -> (articles with the phrase, candidates without it, articles with the phrase and 营商环境)
MONTHS = {1: (12, 6, 0), 2: (3, 0, 2), 4: (9, 9, 3)}


@pytest.fixture
def archive(db_url: str) -> Iterator[Database]:
    database = open_database(db_url, seed=False)
    n = 0
    with database.session() as session:
        for month, counts in MONTHS.items():
            for body, times in zip((PHRASE, APART, EXCLUDED), counts, strict=True):
                for _ in range(times):
                    n += 1
                    record = Extracted(
                        url=f"https://www.gov.cn/zhengce/2024{month:02d}/t{n}.html",
                        site="www.gov.cn",
                        charset="utf-8",
                        title=f"第{n}号通知",
                        published_at=datetime(2024, month, 1 + n % 20, 9, 0, tzinfo=SHANGHAI),
                        published_precision="minute",
                        body=body + _filler(n),
                        rules={"title": "test"},
                    )
                    store_article(session, record)
    yield database
    database.dispose()


def _filler(n: int) -> str:
    """Text of its own for each article, so that none is taken for a reprint of another."""
    return "".join(chr(0x4E00 + (n * 7919 + i * 104729) % 20000) for i in range(80)) + "。"


def _exact(query: str) -> dict[str, int]:
    """month -> articles matching the query, from MONTHS."""
    if query == "政务服务":
        return {f"2024-{m:02d}": phrase + excluded for m, (phrase, _, excluded) in MONTHS.items()}
    return {f"2024-{m:02d}": phrase for m, (phrase, _, excluded) in MONTHS.items()}


@pytest.mark.parametrize("query", ["政务服务", "政务服务 NOT 营商环境"])
def test_with_time_to_confirm_every_candidate_the_months_are_exact(archive: Database, query: str) -> None:
    with archive.session() as session:
        assert db_trends.query_months(session, parse_query(query), Filters()) == db_trends.Months(_exact(query))
        with time_limit(session, 2.0):
            months = db_trends.query_months(session, parse_query(query), Filters())
    assert months == db_trends.Months(_exact(query), estimated=False)


@pytest.mark.parametrize("query", ["政务服务", "政务服务 NOT 营商环境"])
def test_too_many_candidates_to_confirm_are_estimated_on_postgresql(
    archive: Database, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    postgresql = archive.engine.dialect.name == "postgresql"
    monkeypatch.setattr(db_trends, "CONFIRM_SECONDS", 1.0)  # no candidate can be confirmed within the limit
    with archive.session() as session, time_limit(session, 2.0):
        # A sample as large as every month's candidates: each is confirmed, so the count is exact and not marked.
        months = db_trends.query_months(session, parse_query(query), Filters())
        assert months == db_trends.Months(_exact(query), estimated=False)
        # Two sampled candidates a month: each month is its candidates times the share of the two that match.
        monkeypatch.setattr(db_trends, "PER_MONTH", 2)
        months = db_trends.query_months(session, parse_query(query), Filters())
    if not postgresql:
        assert months == db_trends.Months(_exact(query))  # SQLite's index holds the positions: always exact
        return
    assert months.estimated
    for m, (phrase, apart, excluded) in MONTHS.items():
        candidates = phrase + apart + excluded
        assert months.counts.get(f"2024-{m:02d}", 0) in {0, round(candidates / 2), candidates}


def test_an_estimated_trend_is_marked_on_rows_page_and_download(
    archive: Database, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    postgresql = db_url.startswith("postgresql")
    monkeypatch.setattr(db_trends, "CONFIRM_SECONDS", 1.0)
    monkeypatch.setattr(db_trends, "PER_MONTH", 2)
    with archive.session() as session, time_limit(session, 2.0):
        rows = trend(session, ["政务服务 NOT 营商环境", "便民"], occurrences=False)
    marked = {(r.period, r.term): r.estimated for r in rows}
    assert marked[("2024-01", "政务服务 NOT 营商环境")] is postgresql
    assert marked[("2024-03", "政务服务 NOT 营商环境")] is False  # a gap: no articles, nothing estimated
    assert not any(estimated for (_, term), estimated in marked.items() if term == "便民")  # no phrase to confirm
    with TestClient(create_app(db_url), base_url="http://127.0.0.1") as client:
        page = client.get("/trends", params={"q": "政务服务 NOT 营商环境"})
        download = client.get("/trends.csv", params={"q": "政务服务 NOT 营商环境"})
    assert page.status_code == 200 and download.status_code == 200
    assert ('id="estimated-note"' in page.text) is postgresql
    assert bool(re.search(r'<td><a href="[^"]*">≈\d+</a></td>', page.text)) is postgresql
    table = list(csv.DictReader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert {r["period"]: r["estimated"] for r in table}["2024-01"] == str(postgresql)
