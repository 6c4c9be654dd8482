"""An article as lists and searches show it, read with its site in one row (SQLAlchemy Core, no ORM), and the
sites a database holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select

from db import tables
from db.types import iso

if TYPE_CHECKING:
    from db.types import Reader


@dataclass(frozen=True)
class SiteName:
    """The site an article came from, as a summary names it."""

    domain: str
    name: str


def with_site(*extra: Any) -> Select[Any]:
    """Every column of an article and its site's domain and name (site_domain, site_name), then `extra`."""
    site = (tables.sites.c.domain.label("site_domain"), tables.sites.c.name.label("site_name"))
    return select(tables.articles, *site, *extra).join(tables.sites, tables.sites.c.id == tables.articles.c.site_id)


def site_of(row: Any) -> SiteName:
    """The site of a row read with with_site()."""
    return SiteName(row.site_domain, row.site_name)


def article_summary(article: Any, site: Any) -> dict[str, Any]:
    """An article (a row or a mapped Article) and its site (SiteName or a mapped Site) as lists show them."""
    return {
        "id": article.id,
        "url": article.url,
        "site": site.domain,
        "site_name": site.name,
        "title": article.title,
        "published_at": iso(article.published_at),
        "source": article.source,
        "authors": article.authors,
        "chars": len(article.body),
        "kind": article.kind,
    }


def known_sites(session: Reader) -> list[tuple[str, str]]:
    """(domain, name) of every site the database holds, by domain."""
    statement = select(tables.sites.c.domain, tables.sites.c.name).order_by(tables.sites.c.domain)
    return [(d, n) for d, n in session.execute(statement)]
