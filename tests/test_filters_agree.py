"""One set of filters and one each-speech-once rule: search, browse, lists, counts, facets, trends, context and
exports find the same articles for the same filters, on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from analysis.context import contexts
from analysis.export import export
from analysis.search import facets, search
from analysis.trends import trend
from db.engine import Database
from db.filters import Filters
from db.queries import count_articles, list_articles
from tests.analysis_fixtures import build_speeches

TERM = "一网通办"  # four hanzi: the index's phrase and a plain substring find the same articles
FILTERS = [
    Filters(),
    Filters(site="people.com.cn"),
    Filters(site="news.cn"),  # holds the reprint g of c but not c: g stands for the speech
    Filters(site=("人民网", "新华网")),
    Filters(date_from=date(2024, 1, 16)),  # after c, on g's day
    Filters(date_to=date(2024, 1, 15)),
    Filters(speaker="王明"),
    Filters(org="工信部"),
    Filters(kind="speech_report"),
]


@pytest.fixture
def database(db_url: str) -> Iterator[tuple[Database, dict[str, int]]]:
    built, ids = build_speeches(db_url)
    yield built, ids
    built.dispose()


def _listed(session: Any, filters: Filters, contains: str | None) -> list[int]:
    rows = list_articles(
        session,
        site=filters.site,
        date_from=filters.date_from,
        date_to=filters.date_to,
        speaker=filters.speaker,
        org=filters.org,
        kind=filters.kind,
        dedupe=filters.dedupe,  # type: ignore[arg-type]
        contains=contains,
        limit=1000,
    )
    return [r["id"] for r in rows]


def _counted(session: Any, filters: Filters, contains: str | None) -> int:
    return count_articles(
        session,
        site=filters.site,
        date_from=filters.date_from,
        date_to=filters.date_to,
        speaker=filters.speaker,
        org=filters.org,
        kind=filters.kind,
        dedupe=filters.dedupe,  # type: ignore[arg-type]
        contains=contains,
    )


@pytest.mark.parametrize("dedupe", ["copies", "reprints"])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.to_json().items() if v))
def test_every_read_finds_the_same_articles(
    database: tuple[Database, dict[str, int]], filters: Filters, dedupe: str, tmp_path: Path
) -> None:
    built, _ = database
    filters = replace(filters, dedupe=dedupe)
    with built.session() as session:
        listed = _listed(session, filters, TERM)
        assert len(listed) == _counted(session, filters, TERM)
        by_date = search(session, TERM, filters, limit=1000, sort="date")
        assert [h["id"] for h in by_date.hits] == listed  # newest first, the list's order
        assert by_date.total == len(listed)
        by_relevance = search(session, TERM, filters, limit=1000)
        assert sorted(h["id"] for h in by_relevance.hits) == sorted(listed)
        counts = facets(session, TERM, filters)
        assert sum(f["articles"] for f in counts["site"]) == len(listed)
        assert sum(f["articles"] for f in counts["year"]) == len(listed)
        rows = trend(session, [TERM], by="year", filters=filters)
        assert sum(r.articles for r in rows) == len(listed)
        browsed = search(session, "", filters, limit=1000)
        assert [h["id"] for h in browsed.hits] == _listed(session, filters, None)
        assert browsed.total == _counted(session, filters, None)
        totals = sum(r.total_articles for r in rows if r.term == TERM)
        assert totals == sum(1 for h in browsed.hits if h["published_at"])  # the denominator: dated articles
        read = contexts(session, TERM, filters, limit=1000)
        assert sorted({r["id"] for r in read.rows}) == sorted(listed)
        manifest = export(session, TERM, tmp_path / "out.csv", filters=filters)
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as handle:
        exported = [int(row["id"]) for row in csv.DictReader(handle)]
    assert manifest["rows"] == len(listed) and sorted(exported) == sorted(listed)


def test_the_reprint_stands_for_the_speech_where_its_original_is_filtered_out(
    database: tuple[Database, dict[str, int]],
) -> None:
    built, ids = database
    with built.session() as session:
        everywhere = search(session, TERM, Filters(dedupe="reprints"), limit=100, sort="date")
        on_xinhua = search(session, TERM, Filters(site="news.cn", dedupe="reprints"), limit=100, sort="date")
        every_copy = search(session, TERM, Filters(dedupe="copies"), limit=100, sort="date")
    assert ids["c"] in [h["id"] for h in everywhere.hits] and ids["g"] not in [h["id"] for h in everywhere.hits]
    assert next(h["copies"] for h in everywhere.hits if h["id"] == ids["c"]) == 2  # folded: c with its copy g
    assert ids["g"] in [h["id"] for h in on_xinhua.hits]
    assert next(h["copies"] for h in on_xinhua.hits if h["id"] == ids["g"]) == 1  # only g passes the filter
    assert {ids["c"], ids["g"]} <= {h["id"] for h in every_copy.hits}
    assert every_copy.total == everywhere.total + 1
