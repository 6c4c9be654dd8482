"""Article totals per site, kind and month (table article_totals, kept in step by triggers, migration 0012): how
many articles pass filters that name no more than a site, a kind and whole months, read without counting them.

With dedupe="reprints" the totals answer only when nothing else narrows the count: then each speech once means
every article but the copies whose original is another article (db/filters.py); under a filter the original may
fail it and a copy stand in, which only a count of the articles can tell.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, func, select

from db import tables
from db.filters import Filters, site_condition

if TYPE_CHECKING:
    from db.types import Reader


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
        found.append(tables.article_totals.c.site_id.in_(select(tables.sites.c.id).where(site_condition(filters.site))))
    if filters.kind:
        found.append(tables.article_totals.c.kind == filters.kind)
    if filters.date_from:
        found.append(tables.article_totals.c.month >= filters.date_from.strftime("%Y-%m"))
    if filters.date_to:
        found.append(tables.article_totals.c.month <= filters.date_to.strftime("%Y-%m"))
    if filters.date_from or filters.date_to:
        found.append(tables.article_totals.c.month != "")
    if filters.dedupe == "reprints":
        found.append(tables.article_totals.c.reprint == 0)
    return found


def _check(filters: Filters) -> None:
    if not answers(filters):
        raise ValueError(f"the article totals cannot count under {filters}")


def count(session: Reader, filters: Filters) -> int:
    """Articles passing the filters (answers(filters) must hold)."""
    _check(filters)
    return int(session.scalar(select(func.sum(tables.article_totals.c.articles)).where(*_where(filters))) or 0)


def per_month(session: Reader, filters: Filters) -> dict[str, int]:
    """Month -> articles passing the filters, for the months with any (answers(filters) must hold)."""
    _check(filters)
    month = tables.article_totals.c.month
    statement = (
        select(month, func.sum(tables.article_totals.c.articles)).where(month != "", *_where(filters)).group_by(month)
    )
    return {m: int(n) for m, n in session.execute(statement) if n}


def facets(session: Reader, filters: Filters, *, top: int) -> dict[str, list[dict[str, Any]]]:
    """The site, kind and year facets of a browse (answers(filters) must hold): per facet its `top` values with
    most articles, most first (every year, newest first, up to five times `top`), as db/facets.py gives them."""
    _check(filters)
    where = _where(filters)
    n = func.sum(tables.article_totals.c.articles).label("articles")
    year = func.substr(tables.article_totals.c.month, 1, 4)
    statements: dict[str, Select[Any]] = {
        "site": select(tables.sites.c.domain, tables.sites.c.name, n)
        .join(tables.sites, tables.sites.c.id == tables.article_totals.c.site_id)
        .where(*where)
        .group_by(tables.sites.c.domain, tables.sites.c.name)
        .order_by(n.desc(), tables.sites.c.domain)
        .limit(top),
        "kind": select(tables.article_totals.c.kind, tables.article_totals.c.kind, n)
        .where(tables.article_totals.c.kind != "", *where)
        .group_by(tables.article_totals.c.kind)
        .order_by(n.desc(), tables.article_totals.c.kind)
        .limit(top),
        "year": select(year, year, n)
        .where(tables.article_totals.c.month != "", *where)
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
