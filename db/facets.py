"""Facet counts beside a search or a browse: how the matching articles spread over sites, 来源, kinds, years,
speakers and organisations, under the same filters and the same each-speech-once rule (db/filters.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, select, union_all
from sqlalchemy.orm import Session

from db.filters import Filters
from db.filters import apply as apply_filters
from db.models import Article, ArticleSpeaker, Person, Site
from db.search import matches
from ground.query import Node

FACETS = ("site", "source", "kind", "year", "speaker", "org")
TOP = 10


def _matching(session: Session, query: Node | None, filters: Filters) -> Select[Any]:
    """Ids of the articles a search (or, with no query, a browse) finds."""
    statement: Select[Any] = select(Article.id)
    if query is not None:
        matched = matches(session, query)
        statement = statement.join(matched, matched.c.id == Article.id)
    return apply_filters(session, statement, filters)


def facet_counts(
    session: Session, query: Node | None, filters: Filters, *, facets: tuple[str, ...] = FACETS, top: int = TOP
) -> dict[str, list[dict[str, Any]]]:
    """Per facet, its `top` values with most matching articles: [{"value", "label", "articles"}], most first."""
    ids = _matching(session, query, filters).cte("found")
    counted = func.count(func.distinct(Article.id)).label("articles")
    year: ColumnElement[Any] = func.substr(Article.published_month, 1, 4)

    def of(value: Any, label: Any) -> Select[Any]:
        return select(value, label, counted).select_from(Article)

    statements: dict[str, Select[Any]] = {
        "site": of(Site.domain, Site.name).join(Site, Site.id == Article.site_id).group_by(Site.domain, Site.name),
        "source": of(Article.source, Article.source).where(Article.source.is_not(None)).group_by(Article.source),
        "kind": of(Article.kind, Article.kind).where(Article.kind.is_not(None)).group_by(Article.kind),
        "year": of(year, year).where(Article.published_month.is_not(None)).group_by(year),
        "speaker": of(Person.name, Person.name)
        .join(ArticleSpeaker, ArticleSpeaker.article_id == Article.id)
        .join(Person, Person.id == ArticleSpeaker.person_id)
        .group_by(Person.name),
        "org": of(ArticleSpeaker.org, ArticleSpeaker.org)
        .join(ArticleSpeaker, ArticleSpeaker.article_id == Article.id)
        .where(ArticleSpeaker.org.is_not(None))
        .group_by(ArticleSpeaker.org),
    }
    parts = []
    for facet in facets:
        statement = statements[facet].where(Article.id.in_(select(ids.c.id)))
        if facet == "year":  # every year, newest first: a short list that reads as a timeline
            statement = statement.order_by(year.desc()).limit(top * 5)
        else:
            statement = statement.order_by(counted.desc(), statement.selected_columns[0]).limit(top)
        part = statement.subquery(f"facet_{facet}")
        parts.append(select(literal(facet).label("facet"), *part.c).select_from(part))
    # One statement: the matches (a CTE used six times, so computed once) and every facet's top values.
    found: dict[str, list[dict[str, Any]]] = {facet: [] for facet in facets}
    for facet, value, label, n in session.execute(union_all(*parts)):
        found[facet].append({"value": value, "label": label, "articles": int(n)})
    return found
