"""Facets beyond db/facets.py EXACT matches: counted over a sample of the matches spread over the archive, each
count marked as an estimate on the page, in the JSON and in the CSV; a sample that keeps every match counts exactly
what counting every match does, and one that keeps some weighs each by how many it stands for."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from analysis.search import facets
from db import facets as db_facets
from db.engine import Database
from db.filters import Filters
from db.models import Article
from db.search import matches
from ground.query import parse_query
from tests.analysis_fixtures import build_speeches, store_article_text
from web.app import create_app

TERM = "一网通办"


@pytest.fixture
def database(db_url: str) -> Iterator[tuple[Database, dict[str, int]]]:
    built, ids = build_speeches(db_url)
    yield built, ids
    built.dispose()


def _counts(found: dict[str, list[dict[str, object]]]) -> dict[str, list[tuple[object, object]]]:
    return {facet: [(v["value"], v["articles"]) for v in values] for facet, values in found.items()}


@pytest.mark.parametrize("query", [TERM, ""])
@pytest.mark.parametrize(
    "filters", [Filters(), Filters(site="people.com.cn"), Filters(dedupe="reprints"), Filters(speaker="王明")]
)
def test_a_sample_of_whole_windows_counts_what_counting_every_match_does(
    database: tuple[Database, dict[str, int]], monkeypatch: pytest.MonkeyPatch, query: str, filters: Filters
) -> None:
    built, _ = database
    with built.session() as session:
        exact = facets(session, query, filters)
        assert not any(v["estimated"] for values in exact.values() for v in values)
        monkeypatch.setattr(db_facets, "EXACT", 0)  # every search is "large": its facets are sampled …
        monkeypatch.setattr(db_facets, "SAMPLE", 10_000)  # … from every match of a query, each weighing 1 …
        monkeypatch.setattr(db_facets, "PER_WINDOW", 10_000)  # … and a browse's windows read whole
        sampled = facets(session, query, filters)
    assert _counts(sampled) == _counts(exact)
    estimated = {facet for facet, values in sampled.items() if values and values[0]["estimated"]}
    if query or filters.speaker:
        assert estimated == {facet for facet, values in sampled.items() if values}
    else:  # a browse's site, kind and year come from the article totals, exact
        assert estimated == {facet for facet, values in sampled.items() if values} - {"site", "kind", "year"}


def test_a_window_cut_short_weighs_its_matches_by_the_ids_it_walked(
    database: tuple[Database, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    built, _ = database
    monkeypatch.setattr(db_facets, "WINDOWS", 1)
    monkeypatch.setattr(db_facets, "PER_WINDOW", 2)
    with built.session() as session:
        weights = db_facets.sample(session, None, Filters())
        first, last = session.execute(select(func.min(Article.id), func.max(Article.id))).one()
    ids = sorted(weights)
    assert len(ids) == 2 and ids[0] == first
    # One window over every id, cut after its second article: each stands for the window's width over the ids
    # walked to reach it.
    expected = (last - first + 1) / (ids[1] - first + 1)
    assert expected > 1 and all(w == pytest.approx(expected) for w in weights.values())


def test_the_page_the_json_and_the_csv_say_when_counts_are_estimates(
    database: tuple[Database, dict[str, int]], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    built, _ = database
    built.dispose()
    monkeypatch.setenv("NEWSMON_WEB_ANSWERS", "0")  # the same search is asked again under other settings
    app = create_app(db_url)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as client:
            page = client.get("/search", params={"q": TERM})
            assert page.status_code == 200 and 'id="facets-estimated"' not in page.text
            monkeypatch.setattr(db_facets, "EXACT", 0)
            monkeypatch.setattr(db_facets, "SAMPLE", 1)
            page = client.get("/search", params={"q": TERM})
            assert page.status_code == 200
            assert 'id="facets-estimated"' in page.text and '<span class="n">≈' in page.text
            document = client.get("/search.json", params={"q": TERM}).json()
            assert document["facets"]["site"] and all(v["estimated"] for v in document["facets"]["site"])
            body = client.get("/facets.csv", params={"q": TERM}).text
            rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
            assert rows and {r["estimated"] for r in rows} == {"True"}
    finally:
        app.state.database.dispose()


def _every_match(session: object, query: str) -> list[int]:
    matched = matches(session, parse_query(query))  # type: ignore[arg-type]
    return list(session.scalars(select(matched.c.id).order_by(matched.c.id)))  # type: ignore[attr-defined]


def test_a_query_sample_keeps_every_kth_match_each_standing_for_k(
    database: tuple[Database, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    built, _ = database
    monkeypatch.setattr(db_facets, "SAMPLE", 2)
    with built.session() as session:
        every = _every_match(session, "政务")
        weights = db_facets.sample(session, parse_query("政务"), Filters())
    assert len(every) > 2
    step = -(-len(every) // 2)
    assert sorted(weights) == every[step // 2 :: step]
    assert sum(weights.values()) == pytest.approx(len(every))  # the sample stands for every match


def test_a_phrase_sample_holds_only_matches(database: tuple[Database, dict[str, int]], db_url: str) -> None:
    """An article holding every bigram of 一网通办 but never the four characters together is a candidate of the
    index (PostgreSQL's GIN keys), not a match: the sample leaves it out and counts only the matches."""
    built, _ = database
    store_article_text(built, "http://www.news.cn/apart.html", "一网打尽", "网通公司的通办事项。")
    with built.session() as session:
        every = _every_match(session, TERM)
        weights = db_facets.sample(session, parse_query(TERM), Filters())
    assert sorted(weights) == every and len(every) >= 3
    assert sum(weights.values()) == pytest.approx(len(every))
