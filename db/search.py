"""Reads through the full-text index (migration 0005): ranked search, term counts per month, first use, who uses it.

SQLite answers from the FTS5 table ``articles_fts`` ranked by BM25; PostgreSQL from ``article_search`` (tsvector,
GIN) ranked by ts_rank_cd. Both index the same tokens (db/fts.py), so a query matches the same articles on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    bindparam,
    case,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from db.fts import Node
from db.models import Article, ArticleReprint, ArticleSpeaker, Person, Site
from db.queries import organisation_ids, speech_key, with_reprints
from db.types import SHANGHAI

# BM25 column weights (title, body): a term in the title says more about the article than one in the body.
TITLE_WEIGHT = 5.0
BODY_WEIGHT = 1.0


@dataclass(frozen=True)
class Filters:
    """What narrows a search or a trend besides the query.

    speaker is a person's name; org a body's name or alias, its departments included (工信部 → 信软司 …);
    kind an attribution kind. dedupe="reprints" keeps one article per speech (reprint cluster), "copies" (or
    None) every copy; the analysis layer chooses the default per command.
    """

    site: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    speaker: str | None = None
    org: str | None = None
    kind: str | None = None
    dedupe: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "speaker": self.speaker,
            "org": self.org,
            "kind": self.kind,
            "dedupe": self.dedupe,
        }


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI)


def matches(session: Session, query: Node) -> Subquery:
    """(id, score) of every article the query matches; a higher score is a better match."""
    if session.get_bind().dialect.name == "postgresql":
        document: ColumnElement[Any] = column("document")
        tsquery = func.to_tsquery(literal_column("'simple'"), bindparam("fts_query", query.tsquery()))
        return (
            select(column("article_id").label("id"), func.ts_rank_cd(document, tsquery).label("score"))
            .select_from(table("article_search"))
            .where(document.op("@@")(tsquery))
            .subquery("matched")
        )
    fts: ColumnElement[Any] = literal_column("articles_fts")
    return (
        select(
            literal_column("articles_fts.rowid").label("id"),
            (-func.bm25(fts, TITLE_WEIGHT, BODY_WEIGHT)).label("score"),
        )
        .select_from(table("articles_fts"))
        .where(text("articles_fts MATCH :fts_query").bindparams(fts_query=query.fts5()))
        .subquery("matched")
    )


def _conditions(session: Session, filters: Filters) -> list[ColumnElement[bool]]:
    """The filters as conditions on Article alone (no join needed), shared by every read below."""
    conditions: list[ColumnElement[bool]] = []
    if filters.site:
        sites = select(Site.id).where(or_(Site.domain == filters.site, Site.name == filters.site))
        conditions.append(Article.site_id.in_(sites))
    if filters.date_from:
        conditions.append(Article.published_at >= _day_start(filters.date_from))
    if filters.date_to:
        conditions.append(Article.published_at < _day_start(filters.date_to + timedelta(days=1)))
    if filters.kind:
        conditions.append(Article.kind == filters.kind)
    if filters.speaker:
        spoke = select(ArticleSpeaker.article_id).join(Person).where(Person.name == filters.speaker)
        conditions.append(Article.id.in_(spoke))
    if filters.org:
        bodies = organisation_ids(session, filters.org)
        of_org = select(ArticleSpeaker.article_id).where(ArticleSpeaker.organisation_id.in_(bodies))
        conditions.append(Article.id.in_(of_org))
    return conditions


def one_per_speech(conditions: list[ColumnElement[bool]]) -> Select[Any]:
    """Ids of one article per speech among those meeting the conditions: the cluster's original when it does,
    else its earliest copy that does (the choice `list_articles(dedupe="reprints")` makes)."""
    original_first = case((Article.id == ArticleReprint.canonical_id, 0), else_=1)
    rank = func.row_number().over(
        partition_by=speech_key(), order_by=(original_first, Article.published_at.asc().nulls_last(), Article.id)
    )
    ranked = with_reprints(select(Article.id.label("id"), rank.label("rank")).select_from(Article))
    ranked_sub = ranked.where(*conditions).subquery("speeches")
    return select(ranked_sub.c.id).where(ranked_sub.c.rank == 1)


def _filtered(session: Session, statement: Select[Any], filters: Filters) -> Select[Any]:
    conditions = _conditions(session, filters)
    statement = statement.where(*conditions)
    if filters.dedupe == "reprints":
        # Chosen among the articles passing the filters, not the query, so a trend's numerator and denominator
        # count the same article for each speech.
        statement = statement.where(Article.id.in_(one_per_speech(conditions)))
    return statement


def search(
    session: Session, query: Node, filters: Filters, *, limit: int = 20, offset: int = 0
) -> tuple[int, list[tuple[Article, Site, float]]]:
    """The total number of matches and one page of (article, site, score), best first, then newest."""
    matched = matches(session, query)
    base = select(Article, Site, matched.c.score).join(matched, matched.c.id == Article.id).join(Site)
    base = _filtered(session, base, filters)
    total = session.scalar(select(func.count()).select_from(base.with_only_columns(Article.id).subquery())) or 0
    rows = session.execute(
        base.order_by(matched.c.score.desc(), Article.published_at.desc().nulls_last(), Article.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return total, [(a, s, float(score)) for a, s, score in rows]


def month_of(session: Session, value: Any) -> ColumnElement[str]:
    """'YYYY-MM' of a stored time in Asia/Shanghai (SQLite keeps UTC text; China has had no DST since 1991)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", value), "YYYY-MM")
    return func.strftime("%Y-%m", value, "+8 hours")


def occurrences(variants: list[str]) -> ColumnElement[Any]:
    """How many times any of the variants appears in title and body (substring count, case-folded)."""
    text_value = func.lower(Article.title + " " + Article.body)
    counts = [
        (func.length(text_value) - func.length(func.replace(text_value, variant.lower(), ""))) / len(variant)
        for variant in variants
    ]
    total = counts[0]
    for count in counts[1:]:
        total = total + count
    return total


def articles_per_month(session: Session, filters: Filters) -> dict[str, int]:
    """All articles per month (the denominator of a rate), under the same filters as the term counts."""
    month = month_of(session, Article.published_at).label("month")
    statement = _filtered(
        session, select(month, func.count(Article.id)).join(Site).where(Article.published_at.is_not(None)), filters
    )
    return {m: n for m, n in session.execute(statement.group_by(month)).all()}


def term_per_month(session: Session, query: Node, variants: list[str], filters: Filters) -> dict[str, tuple[int, int]]:
    """month -> (articles matching the query, occurrences of the variants in them)."""
    matched = matches(session, query)
    month = month_of(session, Article.published_at).label("month")
    statement = (
        select(month, func.count(Article.id), func.sum(occurrences(variants)))
        .join(matched, matched.c.id == Article.id)
        .join(Site)
        .where(Article.published_at.is_not(None))
    )
    statement = _filtered(session, statement, filters).group_by(month)
    return {m: (n, int(o or 0)) for m, n, o in session.execute(statement).all()}


def first_use(session: Session, query: Node, filters: Filters, *, limit: int = 1) -> list[tuple[Article, Site]]:
    """The earliest published articles the query matches."""
    matched = matches(session, query)
    statement = _filtered(
        session,
        select(Article, Site)
        .join(matched, matched.c.id == Article.id)
        .join(Site)
        .where(Article.published_at.is_not(None)),
        filters,
    )
    rows = session.execute(statement.order_by(Article.published_at, Article.id).limit(limit)).all()
    return [(a, s) for a, s in rows]


def _when(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def users_of(
    session: Session, query: Node, variants: list[str], filters: Filters, *, limit: int = 20
) -> list[dict[str, Any]]:
    """Who uses the term most: per speaker and the organisation they spoke for (article_speakers); articles with
    no attributed speaker fall back to their 来源 (the organisation a copy names as its origin) and site."""
    matched = matches(session, query)
    n_articles = func.count(func.distinct(Article.id)).label("articles")
    measures = (
        n_articles,
        func.sum(occurrences(variants)).label("occurrences"),
        func.min(Article.published_at),
        func.max(Article.published_at),
    )
    by_speaker = _filtered(
        session,
        select(Person.name, ArticleSpeaker.org, *measures)
        .select_from(Article)
        .join(matched, matched.c.id == Article.id)
        .join(ArticleSpeaker, ArticleSpeaker.article_id == Article.id)
        .join(Person, Person.id == ArticleSpeaker.person_id),
        filters,
    ).group_by(Person.name, ArticleSpeaker.org)
    unattributed = _filtered(
        session,
        select(Article.source, Site.domain, Site.name, *measures)
        .join(matched, matched.c.id == Article.id)
        .join(Site)
        .where(Article.id.not_in(select(ArticleSpeaker.article_id))),
        filters,
    ).group_by(Article.source, Site.domain, Site.name)
    rows = [
        {
            "speaker": name,
            "org": org,
            "source": None,
            "site": None,
            "site_name": None,
            "articles": count,
            "occurrences": int(occ or 0),
            "first": _when(first),
            "last": _when(last),
        }
        for name, org, count, occ, first, last in session.execute(by_speaker.order_by(n_articles.desc()).limit(limit))
    ]
    rows += [
        {
            "speaker": None,
            "org": None,
            "source": source,
            "site": domain,
            "site_name": site_name,
            "articles": count,
            "occurrences": int(occ or 0),
            "first": _when(first),
            "last": _when(last),
        }
        for source, domain, site_name, count, occ, first, last in session.execute(
            unattributed.order_by(n_articles.desc()).limit(limit)
        )
    ]
    # Most articles first; a named speaker before a 来源 fallback with as many.
    rows.sort(key=lambda r: (-r["articles"], r["speaker"] is None, r["speaker"] or "", r["source"] or ""))
    return rows[:limit]


def articles_between(
    session: Session, start: datetime, end: datetime, filters: Filters, *, limit: int | None = None
) -> list[tuple[int, str, str]]:
    """(id, title, body) of articles published in [start, end), for term analysis."""
    statement = _filtered(
        session,
        select(Article.id, Article.title, Article.body)
        .join(Site)
        .where(Article.published_at >= start, Article.published_at < end),
        filters,
    ).order_by(Article.id)
    if limit is not None:
        statement = statement.limit(limit)
    return [(i, t, b) for i, t, b in session.execute(statement).all()]


def count_between(session: Session, start: datetime, end: datetime, filters: Filters) -> int:
    statement = _filtered(
        session,
        select(func.count(Article.id)).join(Site).where(Article.published_at >= start, Article.published_at < end),
        filters,
    )
    return session.scalar(statement) or 0


def attribution_of(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per article id: its speakers (name, role, org, in the text's order) and reprint membership, for exports."""
    found: dict[int, dict[str, Any]] = {i: {"speakers": [], "cluster_id": None, "original_id": i} for i in ids}
    if not ids:
        return found
    speakers = session.execute(
        select(ArticleSpeaker.article_id, Person.name, ArticleSpeaker.role, ArticleSpeaker.org)
        .join(Person)
        .where(ArticleSpeaker.article_id.in_(ids))
        .order_by(ArticleSpeaker.article_id, ArticleSpeaker.position)
    )
    for article_id, name, role, org in speakers:
        found[article_id]["speakers"].append({"name": name, "role": role, "org": org})
    clusters = session.execute(
        select(ArticleReprint.article_id, ArticleReprint.cluster_id, ArticleReprint.canonical_id).where(
            ArticleReprint.article_id.in_(ids)
        )
    )
    for article_id, cluster_id, canonical_id in clusters:
        found[article_id].update(cluster_id=cluster_id, original_id=canonical_id)
    return found


def iter_articles(session: Session, ids: list[int]) -> list[tuple[Article, Site]]:
    """Articles by id in the given order (for exports)."""
    if not ids:
        return []
    rows = {a.id: (a, s) for a, s in session.execute(select(Article, Site).join(Site).where(Article.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def matching_ids(session: Session, query: Node, filters: Filters) -> list[int]:
    """Every matching article id, best first (an export's rows, in the order search shows them)."""
    matched = matches(session, query)
    statement = _filtered(session, select(Article.id).join(matched, matched.c.id == Article.id).join(Site), filters)
    order = statement.order_by(matched.c.score.desc(), Article.published_at.desc().nulls_last(), Article.id.desc())
    return list(session.scalars(order))


def schema_revision(session: Session) -> str | None:
    """The Alembic revision the database is at (recorded in export manifests)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(session.connection()).get_current_revision()


def scan_count(session: Session, literal: str, filters: Filters) -> int:
    """Articles whose title or body contains the text, by a plain LIKE scan: the baseline search is measured against."""
    statement = _filtered(
        session,
        select(func.count(Article.id))
        .join(Site)
        .where(or_(Article.title.contains(literal, autoescape=True), Article.body.contains(literal, autoescape=True))),
        filters,
    )
    return session.scalar(statement) or 0
