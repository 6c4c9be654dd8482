"""Article totals per site, kind and month (table article_totals, kept in step by triggers, migration 0012): how
many articles pass filters that name no more than a site, a kind and whole months, read without counting them.

With dedupe="reprints" the totals answer only when nothing else narrows the count: then each speech once means
every article but the copies whose original is another article (db/filters.py); under a filter the original may
fail it and a copy stand in, which only a count of the articles can tell.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from db.filters import Filters, site_condition
from db.models import ArticleTotal, Site


def _whole_month_start(day: date | None) -> bool:
    return day is None or day.day == 1


def _whole_month_end(day: date | None) -> bool:
    return day is None or (day + timedelta(days=1)).day == 1


def answers(filters: Filters) -> bool:
    """Whether the totals count the articles passing these filters exactly."""
    if filters.speaker or filters.org or filters.contains:
        return False
    if not (_whole_month_start(filters.date_from) and _whole_month_end(filters.date_to)):
        return False
    if filters.dedupe == "reprints":
        return not (filters.site or filters.kind or filters.date_from or filters.date_to)
    return True


def _where(filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.site:
        found.append(ArticleTotal.site_id.in_(select(Site.id).where(site_condition(filters.site))))
    if filters.kind:
        found.append(ArticleTotal.kind == filters.kind)
    if filters.date_from:
        found.append(ArticleTotal.month >= filters.date_from.strftime("%Y-%m"))
    if filters.date_to:
        found.append(ArticleTotal.month <= filters.date_to.strftime("%Y-%m"))
    if filters.date_from or filters.date_to:
        found.append(ArticleTotal.month != "")
    if filters.dedupe == "reprints":
        found.append(ArticleTotal.reprint == 0)
    return found


def _check(filters: Filters) -> None:
    if not answers(filters):
        raise ValueError(f"the article totals cannot count under {filters}")


def count(session: Session, filters: Filters) -> int:
    """Articles passing the filters (answers(filters) must hold)."""
    _check(filters)
    return int(session.scalar(select(func.sum(ArticleTotal.articles)).where(*_where(filters))) or 0)


def per_month(session: Session, filters: Filters) -> dict[str, int]:
    """Month -> articles passing the filters, for the months with any (answers(filters) must hold)."""
    _check(filters)
    month = ArticleTotal.month
    statement = select(month, func.sum(ArticleTotal.articles)).where(month != "", *_where(filters)).group_by(month)
    return {m: int(n) for m, n in session.execute(statement) if n}


def facets(session: Session, filters: Filters, *, top: int) -> dict[str, list[dict[str, Any]]]:
    """The site, kind and year facets of a browse (answers(filters) must hold): per facet its `top` values with
    most articles, most first (every year, newest first, up to five times `top`), as db/facets.py gives them."""
    _check(filters)
    where = _where(filters)
    n = func.sum(ArticleTotal.articles).label("articles")
    year = func.substr(ArticleTotal.month, 1, 4)
    statements: dict[str, Select[Any]] = {
        "site": select(Site.domain, Site.name, n)
        .join(Site, Site.id == ArticleTotal.site_id)
        .where(*where)
        .group_by(Site.domain, Site.name)
        .order_by(n.desc(), Site.domain)
        .limit(top),
        "kind": select(ArticleTotal.kind, ArticleTotal.kind, n)
        .where(ArticleTotal.kind != "", *where)
        .group_by(ArticleTotal.kind)
        .order_by(n.desc(), ArticleTotal.kind)
        .limit(top),
        "year": select(year, year, n)
        .where(ArticleTotal.month != "", *where)
        .group_by(year)
        .order_by(year.desc())
        .limit(top * 5),
    }
    return {
        facet: [
            {"value": value, "label": label, "articles": int(articles), "estimated": False}
            for value, label, articles in session.execute(statement)
            if articles
        ]
        for facet, statement in statements.items()
    }
