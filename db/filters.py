"""The one set of filters every read shares (search, lists, counts, trends, facets, context, exports), and the one
rule that counts each speech once.

Each speech once: among the articles that pass the filters, a reprint cluster keeps its original when the
original passes them, else its earliest copy that does (then the lowest id). Everything else is its own speech.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, case, exists, func, or_, select

from db import tables
from db.types import SHANGHAI

if TYPE_CHECKING:
    from db.types import Reader

Sites = str | Sequence[str] | None  # one site or several (their articles together), by domain or name


@dataclass(frozen=True)
class Filters:
    """What narrows a read besides the query.

    speaker is a person's name; org a body's name or alias, its departments included (工信部 → 信软司 …);
    kind an attribution kind; contains a plain substring of title or body. dedupe="reprints" keeps one article
    per speech (the rule above), "copies" (or None) every copy; the analysis layer chooses the default per view.
    """

    site: str | tuple[str, ...] | None = None  # one site or several, by domain or name
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    speaker: str | None = None
    org: str | None = None
    kind: str | None = None
    dedupe: str | None = None
    contains: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "speaker": self.speaker,
            "org": self.org,
            "kind": self.kind,
            "dedupe": self.dedupe,
            **({"contains": self.contains} if self.contains else {}),
        }

    @property
    def by_site_only(self) -> bool:
        """Whether the filters need no article column but the site (tables with site_id can answer alone)."""
        return not (self.date_from or self.date_to or self.kind or self.speaker or self.org or self.contains)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI)


def site_condition(sites: Sites) -> ColumnElement[bool]:
    """Site rows named by domain or name (people.com.cn or 人民网), one or several."""
    names = [sites] if isinstance(sites, str) else list(sites or ())
    return or_(tables.sites.c.domain.in_(names), tables.sites.c.name.in_(names))


def organisation_ids(session: Reader, name: str) -> list[int]:
    """The body named `name` (its name or an alias) and every body under it (工信部 → its departments)."""
    found = set(session.scalars(select(tables.organisations.c.id).where(tables.organisations.c.name == name)))
    found |= set(
        session.scalars(
            select(tables.organisation_aliases.c.organisation_id).where(tables.organisation_aliases.c.alias == name)
        )
    )
    frontier = set(found)
    while frontier:
        children = set(
            session.scalars(select(tables.organisations.c.id).where(tables.organisations.c.parent_id.in_(frontier)))
        )
        frontier = children - found
        found |= children
    return sorted(found)


def conditions(session: Reader, filters: Filters) -> list[ColumnElement[bool]]:
    """The filters as conditions on Article alone (no join needed)."""
    found: list[ColumnElement[bool]] = []
    if filters.site:
        found.append(tables.articles.c.site_id.in_(select(tables.sites.c.id).where(site_condition(filters.site))))
    if filters.date_from:
        found.append(tables.articles.c.published_at >= day_start(filters.date_from))
    if filters.date_to:
        found.append(tables.articles.c.published_at < day_start(filters.date_to + timedelta(days=1)))
    if filters.kind:
        found.append(tables.articles.c.kind == filters.kind)
    if filters.contains:
        found.append(
            or_(
                tables.articles.c.title.contains(filters.contains, autoescape=True),
                tables.articles.c.body.contains(filters.contains, autoescape=True),
            )
        )
    if filters.speaker:
        spoke = (
            select(tables.article_speakers.c.article_id)
            .join(tables.people)
            .where(tables.people.c.name == filters.speaker)
        )
        found.append(tables.articles.c.id.in_(spoke))
    if filters.org:
        bodies = organisation_ids(session, filters.org)
        of_org = select(tables.article_speakers.c.article_id).where(
            tables.article_speakers.c.organisation_id.in_(bodies)
        )
        found.append(tables.articles.c.id.in_(of_org))
    return found


def reprint_losers(where: list[ColumnElement[bool]]) -> Select[Any]:
    """Ids of the copies to leave out to count each speech once among the articles meeting `where`.

    Only clusters with copies are ranked; every other article is its own speech (ranking all articles, most of
    them alone, cost a trend seconds at a million articles).
    """
    with_copies = select(tables.article_reprints.c.canonical_id).where(
        tables.article_reprints.c.article_id != tables.article_reprints.c.canonical_id
    )
    original_first = case((tables.articles.c.id == tables.article_reprints.c.canonical_id, 0), else_=1)
    rank = func.row_number().over(
        partition_by=tables.article_reprints.c.canonical_id,
        order_by=(original_first, tables.articles.c.published_at.asc().nulls_last(), tables.articles.c.id),
    )
    ranked = (
        select(tables.articles.c.id.label("id"), rank.label("rank"))
        .join(tables.article_reprints, tables.article_reprints.c.article_id == tables.articles.c.id)
        .where(tables.article_reprints.c.canonical_id.in_(with_copies), *where)
        .subquery("speeches")
    )
    return select(ranked.c.id).where(ranked.c.rank > 1)


def not_a_reprint_loser(article_id: Any, where: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """NOT EXISTS rather than NOT IN: PostgreSQL plans it as one anti-join however many copies there are."""
    losers = reprint_losers(where).subquery("losers")
    return ~exists(select(losers.c.id).where(losers.c.id == article_id))


def apply(session: Reader, statement: Select[Any], filters: Filters) -> Select[Any]:
    """The statement (which selects from Article) narrowed by the filters, each speech once if asked."""
    where = conditions(session, filters)
    statement = statement.where(*where)
    if filters.dedupe == "reprints":
        # Chosen among the articles passing the filters, not the query (nor `contains`, a query's plain form), so
        # a trend's numerator and denominator count the same article for each speech, and a search, a list and
        # a count agree on which article stands for it.
        choice = where if not filters.contains else conditions(session, replace(filters, contains=None))
        statement = statement.where(not_a_reprint_loser(tables.articles.c.id, choice))
    return statement


def copies_passing(session: Reader, ids: list[int], filters: Filters) -> dict[int, int]:
    """Per article id: how many copies of its speech (itself included) pass the filters; 1 for an article alone.
    Shown beside a speech counted once ("3 copies")."""
    found = dict.fromkeys(ids, 1)
    if not ids:
        return found
    mine, theirs = tables.article_reprints.alias(), tables.article_reprints.alias()
    statement = (
        select(mine.c.article_id, func.count(tables.articles.c.id))
        .select_from(mine)
        .join(theirs, theirs.c.cluster_id == mine.c.cluster_id)
        .join(tables.articles, tables.articles.c.id == theirs.c.article_id)
        .where(mine.c.article_id.in_(ids), *conditions(session, filters))
        .group_by(mine.c.article_id)
    )
    for article_id, copies in session.execute(statement):
        found[article_id] = max(1, int(copies))
    return found
