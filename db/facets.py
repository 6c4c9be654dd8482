"""Facet counts beside a search or a browse: how the matching articles spread over sites, 来源, kinds, years,
speakers and organisations, under the same filters and the same each-speech-once rule (db/filters.py).

What a facet costs must not grow with the match set. Up to EXACT matches every one is counted. Beyond that:

- a browse whose filters the article totals answer (db/totals.py) reads its site, kind and year counts from
  them, exact;
- every other facet is estimated from a sample (sample): of a query's matches, a systematic one (every k-th id
  the full-text index holds for it, about SAMPLE of them; the ids cost little next to reading articles); of a
  browse's articles, the first few of many narrow windows of ids spread over the archive. The filters are then
  applied to the sampled articles, so an estimate is a weighted count of the sample that passes them. Such counts
  carry "estimated": True, and the page, the JSON and the CSV say so.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, func, literal, select, text, union_all

from db import tables, totals
from db.filters import Filters, conditions
from db.filters import apply as apply_filters
from db.search import candidates_condition, matches, planner
from db.types import dialect_name
from ground.query import Node

if TYPE_CHECKING:
    from db.types import Reader

FACETS = ("site", "source", "kind", "year", "speaker", "org")
TOP = 10
# Up to this many matches, facets count every one of them.
EXACT = 2_000
# Beyond it, the sample of a query's matches: about this many of them.
SAMPLE = 1_000
# A browse's sample: this many windows of ids, each giving at most this many articles (narrow windows, so that
# what changes with time, and so with ids, changes little inside one).
WINDOWS = 40
PER_WINDOW = 25
# Sampled ids read per statement.
IDS_PER_STATEMENT = 500


def _matching(session: Reader, query: Node | None, filters: Filters) -> Select[Any]:
    """Ids of the articles a search (or, with no query, a browse) finds."""
    statement: Select[Any] = select(tables.articles.c.id)
    if query is not None:
        matched = matches(session, query)
        statement = statement.join(matched, matched.c.id == tables.articles.c.id)
    return apply_filters(session, statement, filters)


def matching_at_most(session: Reader, query: Node | None, filters: Filters, most: int) -> int:
    """How many articles the search (or browse) finds, counted no further than `most`."""
    found = _matching(session, query, filters).limit(most).subquery()
    return session.scalar(select(func.count()).select_from(found)) or 0


def facet_counts(
    session: Reader,
    query: Node | None,
    filters: Filters,
    *,
    facets: tuple[str, ...] = FACETS,
    top: int = TOP,
    matched: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Per facet, its `top` values with most matching articles: [{"value", "label", "articles", "estimated"}],
    most first (years newest first). `matched`: how many articles the search found, if known (a lower bound
    will do); counted up to EXACT + 1 otherwise."""
    if matched is None or matched <= EXACT:
        matched = matching_at_most(session, query, filters, EXACT + 1)
    if matched <= EXACT:
        return _exact(session, query, filters, facets, top)
    found: dict[str, list[dict[str, Any]]] = {}
    if query is None and totals.answers(filters):
        found = {f: v for f, v in totals.facets(session, filters, top=top).items() if f in facets}
    rest = tuple(f for f in facets if f not in found)
    if rest:
        found |= _estimated(session, query, filters, rest, top)
    return {facet: found[facet] for facet in facets}


def _exact(
    session: Reader, query: Node | None, filters: Filters, facets: tuple[str, ...], top: int
) -> dict[str, list[dict[str, Any]]]:
    ids = _matching(session, query, filters).cte("found")
    counted = func.count(func.distinct(tables.articles.c.id)).label("articles")
    year: ColumnElement[Any] = func.substr(tables.articles.c.published_month, 1, 4)

    def of(value: Any, label: Any) -> Select[Any]:
        return select(value, label, counted).select_from(tables.articles)

    statements: dict[str, Select[Any]] = {
        "site": of(tables.sites.c.domain, tables.sites.c.name)
        .join(tables.sites, tables.sites.c.id == tables.articles.c.site_id)
        .group_by(tables.sites.c.domain, tables.sites.c.name),
        "source": of(tables.articles.c.source, tables.articles.c.source)
        .where(tables.articles.c.source.is_not(None))
        .group_by(tables.articles.c.source),
        "kind": of(tables.articles.c.kind, tables.articles.c.kind)
        .where(tables.articles.c.kind.is_not(None))
        .group_by(tables.articles.c.kind),
        "year": of(year, year).where(tables.articles.c.published_month.is_not(None)).group_by(year),
        "speaker": of(tables.people.c.name, tables.people.c.name)
        .join(tables.article_speakers, tables.article_speakers.c.article_id == tables.articles.c.id)
        .join(tables.people, tables.people.c.id == tables.article_speakers.c.person_id)
        .group_by(tables.people.c.name),
        "org": of(tables.article_speakers.c.org, tables.article_speakers.c.org)
        .join(tables.article_speakers, tables.article_speakers.c.article_id == tables.articles.c.id)
        .where(tables.article_speakers.c.org.is_not(None))
        .group_by(tables.article_speakers.c.org),
    }
    parts = []
    for facet in facets:
        statement = statements[facet].where(tables.articles.c.id.in_(select(ids.c.id)))
        if facet == "year":  # every year, newest first: a short list that reads as a timeline
            statement = statement.order_by(year.desc()).limit(top * 5)
        else:
            statement = statement.order_by(counted.desc(), statement.selected_columns[0]).limit(top)
        part = statement.subquery(f"facet_{facet}")
        parts.append(select(literal(facet).label("facet"), *part.c).select_from(part))
    # One statement: the matches (a CTE used six times, so computed once) and every facet's top values.
    found: dict[str, list[dict[str, Any]]] = {facet: [] for facet in facets}
    for facet, value, label, n in session.execute(union_all(*parts)):
        found[facet].append({"value": value, "label": label, "articles": int(n), "estimated": False})
    return found


def _window(session: Reader, filters: Filters, low: int, high: int) -> list[int]:
    """The first PER_WINDOW articles in [low, high) meeting the filters' conditions (a walk of the primary key)."""
    statement: Any = select(tables.articles.c.id).where(
        tables.articles.c.id >= low, tables.articles.c.id < high, *conditions(session, filters)
    )
    return list(session.scalars(statement.order_by(tables.articles.c.id).limit(PER_WINDOW)))


# Every step-th of the ids a statement finds, in id order (step so that about :size are kept), and how many it
# found: numbered and counted in the database, so that only the sample travels (PostgreSQL).
_SYSTEMATIC = """
SELECT id, found FROM (
    SELECT id, row_number() OVER (ORDER BY id) - 1 AS n, count(*) OVER () AS found FROM ({ids}) AS ids
) AS numbered WHERE n % ((found + :size - 1) / :size) = ((found + :size - 1) / :size) / 2
"""


def _match_sample(session: Reader, query: Node) -> tuple[list[int], float]:
    """A systematic sample of the query's matches (about SAMPLE ids, in id order) and how many matches there are
    (exact, or on PostgreSQL for a phrase estimated from the sample), from the full-text index alone (no article
    read).

    On PostgreSQL the ids are those of the GIN index's candidates (every key of the query held, which needs no
    article's tsvector read: a phrase's positions are not checked), and only the sampled candidates are confirmed
    against the whole query, so a phrase reads about SAMPLE tsvectors, not one per match."""
    if dialect_name(session) == "postgresql":
        found, parameters = candidates_condition(query.gin_keys())
        ids = f"SELECT article_id AS id FROM article_search WHERE {found}"
        # The GIN index's bitmap (kept exact in memory, so no page of it is checked tsvector by tsvector), not a
        # walk of the ids testing each article's tsvector (read from TOAST).
        with planner(session, enable_seqscan="off", enable_indexscan="off", work_mem="64MB"):
            rows = session.execute(text(_SYSTEMATIC.format(ids=ids)), parameters | {"size": SAMPLE}).all()
            kept, total = [r[0] for r in rows], (rows[0][1] if rows else 0)
            if kept and query.positional():
                confirm = (
                    "SELECT article_id FROM article_search WHERE article_id = ANY(:ids) "
                    "AND document @@ to_tsquery('simple', :q) ORDER BY 1"
                )
                confirmed = list(session.scalars(text(confirm), {"ids": kept, "q": query.tsquery()}))
                return confirmed, total * len(confirmed) / len(kept)
        return kept, total
    # SQLite numbers rows in a window several times slower than it hands them over: every id comes back.
    found = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q ORDER BY rowid"
    every = session.scalars(text(found), {"q": query.fts5()}).all()
    step = max(1, -(-len(every) // SAMPLE))
    return list(every[step // 2 :: step]), len(every)


def sample(session: Reader, query: Node | None, filters: Filters) -> dict[int, float]:
    """Article id -> weight (how many matches it stands for) of a sample of the query's matches, filters not yet
    applied: of the ids the index holds for the query, in id order, every k-th kept (k so that about SAMPLE are),
    each standing for k (_match_sample); the ids cost little next to reading articles.

    With no query, the articles meeting the filters' conditions: WINDOWS windows of ids evenly spaced over the
    archive, each giving its first PER_WINDOW such articles (a window cut short stands for its width over the ids
    it walked), so no step reads every article."""
    if query is not None:
        kept, total = _match_sample(session, query)
        return dict.fromkeys(kept, total / len(kept)) if kept else {}
    first, last = session.execute(select(func.min(tables.articles.c.id), func.max(tables.articles.c.id))).one()
    if first is None:
        return {}
    width = (last - first + 1) / WINDOWS
    weights: dict[int, float] = {}
    for k in range(WINDOWS):
        low, high = first + round(k * width), first + round((k + 1) * width)
        if high <= low:
            continue
        found = _window(session, filters, low, high)
        weight = 1.0 if len(found) < PER_WINDOW else (high - low) / (found[-1] - low + 1)
        weights |= dict.fromkeys(found, weight)
    return weights


def _estimated(
    session: Reader, query: Node | None, filters: Filters, facets: tuple[str, ...], top: int
) -> dict[str, list[dict[str, Any]]]:
    """The facets counted over a sample of the matches (sample), each article by its weight."""
    weights = sample(session, query, filters)
    ids = sorted(weights)
    sums: dict[str, dict[tuple[Any, Any], float]] = {facet: defaultdict(float) for facet in facets}
    year = func.substr(tables.articles.c.published_month, 1, 4)
    people = {"speaker", "org"} & set(facets)
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        chunk = ids[start : start + IDS_PER_STATEMENT]
        articles = apply_filters(
            session,
            select(
                tables.articles.c.id,
                tables.sites.c.domain,
                tables.sites.c.name,
                tables.articles.c.source,
                tables.articles.c.kind,
                year,
            )
            .join(tables.sites, tables.sites.c.id == tables.articles.c.site_id)
            .where(tables.articles.c.id.in_(chunk)),
            filters,
        )
        passed: set[int] = set()
        for article_id, domain, site_name, source, kind, published_year in session.execute(articles):
            passed.add(article_id)
            weight = weights[article_id]
            for facet, key in (
                ("site", (domain, site_name)),
                ("source", (source, source)),
                ("kind", (kind, kind)),
                ("year", (published_year, published_year)),
            ):
                if facet in sums and key[0] is not None:
                    sums[facet][key] += weight
        if people and passed:
            spoken = select(
                tables.article_speakers.c.article_id, tables.people.c.name, tables.article_speakers.c.org
            ).join(tables.people, tables.people.c.id == tables.article_speakers.c.person_id)
            seen: set[tuple[str, Any, int]] = set()
            for article_id, name, org in session.execute(
                spoken.where(tables.article_speakers.c.article_id.in_(sorted(passed)))
            ):
                for facet, value in (("speaker", name), ("org", org)):
                    # An article counts once per value, however many of its speakers share it.
                    if facet in sums and value is not None and (facet, value, article_id) not in seen:
                        seen.add((facet, value, article_id))
                        sums[facet][(value, value)] += weights[article_id]
    found: dict[str, list[dict[str, Any]]] = {}
    for facet in facets:
        counted = [((value, label), round(n)) for (value, label), n in sums[facet].items() if round(n) > 0]
        if facet == "year":
            counted.sort(key=lambda item: item[0][0], reverse=True)
            counted = counted[: top * 5]
        else:
            counted.sort(key=lambda item: (-item[1], str(item[0][0])))
            counted = counted[:top]
        found[facet] = [
            {"value": value, "label": label, "articles": n, "estimated": True} for (value, label), n in counted
        ]
    return found
