"""Reads for attention over time and who says what: matching articles and all articles per month (a trend's
numerator and denominator), a term's uses counted from article_terms or the text, and who uses a term, each under
the filters of db/filters.py."""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, TableClause, bindparam, column, func, literal_column, select, table, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session

from db import tables
from db import totals as article_totals
from db.filters import Filters, conditions, not_a_reprint_loser, site_condition
from db.filters import apply as apply_filters
from db.limits import check, seconds_left
from db.models import Article, ArticleSpeaker, ArticleTerm, Person, Site
from db.search import candidates_at_most, candidates_condition, matches, planner
from db.terms import counted, counter_for
from db.types import dialect_name
from ground.query import Node, normalise

# Period totals (a trend's denominator) under filters the article totals cannot answer (db/totals.py) are kept
# this long per database, filters and newest article: a new article is counted at once (the newest id changes),
# an edited date within this many seconds. Counting every article per month on each trend page grew with the
# archive.
TOTALS_SECONDS = 60.0
# A trend of a query with phrases on PostgreSQL. The GIN index finds a phrase's candidates (its bigrams anywhere)
# without reading a document; confirming one reads its tsvector, about 16 KB stored out of line: some 10 µs an
# article from memory, several times that from disk. So a phrase held by a hundred thousand articles cannot be
# confirmed article by article within the time limit (SQLite's index holds the positions and can). Where
# confirming every candidate would take more than CONFIRM_SHARE of the time the limit leaves (at CONFIRM_SECONDS an
# article: twice the cost from memory, as some come from disk), each month is estimated instead: its candidates,
# counted exactly by the index, times the share of a sample of them that the query matches (PER_MONTH a month,
# chosen by a hash of their ids). A month with no more candidates than that is confirmed whole, so exact. Without a
# time limit every candidate is confirmed.
CONFIRM_SECONDS = 20e-6
CONFIRM_SHARE = 0.25
PER_MONTH = 100
# Articles whose text is fetched at a time to be counted in Python (rows streamed, not all held at once).
ROWS_PER_FETCH = 50
_totals: dict[tuple[Any, ...], tuple[float, dict[str, int]]] = {}
_totals_lock = threading.Lock()


def articles_per_month(session: Session, filters: Filters) -> dict[str, int]:
    """All articles per month (the denominator of a rate), under the same filters as the term counts."""
    if article_totals.answers(filters):
        return article_totals.per_month(session, filters)
    newest = session.scalar(select(func.max(Article.id)))
    key = (str(session.get_bind().engine.url), filters, newest)
    now = time.monotonic()
    with _totals_lock:
        kept = _totals.get(key)
    if kept is not None and now - kept[0] < TOTALS_SECONDS:
        return dict(kept[1])
    month = Article.published_month
    statement = apply_filters(session, select(month, func.count(Article.id)).where(month.is_not(None)), filters)
    totals = {m: n for m, n in session.execute(statement.group_by(month)).all()}
    with _totals_lock:
        if len(_totals) > 256:
            _totals.clear()
        _totals[key] = (now, totals)
    return dict(totals)


@dataclass(frozen=True)
class Months:
    """Matching articles per month; `estimated`: some months are estimated from a sample of their candidates."""

    counts: dict[str, int] = field(default_factory=dict)
    estimated: bool = False


def query_months(session: Session, query: Node, filters: Filters) -> Months:
    """query_per_month, or on PostgreSQL, for a query with phrases whose candidates are too many to confirm within
    the time limit, its months estimated (CONFIRM_SHARE)."""
    if dialect_name(session) == "postgresql" and query.positional() and filters.by_site_only:
        left = seconds_left(session)
        if left is not None:
            most = int(CONFIRM_SHARE * left / CONFIRM_SECONDS)
            if candidates_at_most(session, query, most + 1) > most:
                return _estimated_per_month(session, query, filters)
    return Months(query_per_month(session, query, filters))


def _estimated_per_month(session: Session, query: Node, filters: Filters) -> Months:
    """Matching articles per month, estimated from each month's candidates (PostgreSQL, filters by_site_only);
    estimated only if some month had more candidates than were confirmed."""
    found, parameters = candidates_condition(query.gin_keys())
    search = table("article_search", column("article_id"), column("document"))
    articles = tables.articles
    month = articles.c.published_month
    numbered = (
        select(
            articles.c.id,
            month.label("month"),
            # A hash of the id orders the month's candidates at random, the same order every time (taking every k-th
            # by id picks the same article of each run of copies, where copies were stored in runs).
            func.row_number().over(partition_by=month, order_by=func.hashint4(articles.c.id)).label("rank"),
            func.count().over(partition_by=month).label("candidates"),
        )
        .select_from(search.join(articles, articles.c.id == search.c.article_id))
        .where(text(found).bindparams(**parameters), month.is_not(None))
    )
    numbered = _by_site_only(session, numbered, filters, site_id=articles.c.site_id, article_id=articles.c.id)
    candidates = numbered.subquery("candidates")
    tsquery = func.to_tsquery(literal_column("'simple'"), bindparam("confirm_query", query.tsquery()))
    confirmed = (
        select(search.c.document.op("@@")(tsquery)).where(search.c.article_id == candidates.c.id).scalar_subquery()
    )
    sampled = (
        select(candidates.c.month, candidates.c.candidates, func.count(), func.count().filter(confirmed))
        .where(candidates.c.rank <= PER_MONTH)
        .group_by(candidates.c.month, candidates.c.candidates)
    )
    with planner(session, enable_seqscan="off"):
        rows = session.execute(sampled).all()
    counts = {m: round(n * hits / tried) for m, n, tried, hits in rows if hits}
    return Months(counts, estimated=any(tried < n for _, n, tried, _ in rows))


def query_per_month(session: Session, query: Node, filters: Filters) -> dict[str, int]:
    """month -> articles a full query (OR, NOT, phrases, brackets) matches, under the filters."""
    matched = matches(session, query)
    if filters.by_site_only:
        # Month and site read from the index of migration 0014, not from the article rows (each holds a body: a
        # common word's matches read a page each). SQLite looks an id up in the table unless told to.
        articles = _ArticleMonths() if dialect_name(session) == "sqlite" else tables.articles
        statement = (
            select(articles.c.published_month, func.count())
            .select_from(articles)
            .join(matched, matched.c.id == articles.c.id)
            .where(articles.c.published_month.is_not(None))
        )
        statement = _by_site_only(session, statement, filters, site_id=articles.c.site_id, article_id=articles.c.id)
        return {m: n for m, n in session.execute(statement.group_by(articles.c.published_month)).all()}
    month = Article.published_month
    statement = apply_filters(
        session,
        select(month, func.count(Article.id)).join(matched, matched.c.id == Article.id).where(month.is_not(None)),
        filters,
    )
    return {m: n for m, n in session.execute(statement.group_by(month)).all()}


class _ArticleMonths(TableClause):
    """The articles table read through ix_articles_id_month (SQLite's `articles INDEXED BY …` in a FROM clause);
    one index per class, so SQLAlchemy's statement cache cannot confuse two."""

    inherit_cache = True
    INDEX = "ix_articles_id_month"

    def __init__(self) -> None:
        super().__init__(tables.articles.name, *(column(c.name) for c in tables.articles.c))


@compiles(_ArticleMonths)
def _article_months(element: _ArticleMonths, compiler: Any, **kw: Any) -> str:
    name = str(compiler.preparer.quote(element.name))
    return f"{name} INDEXED BY {element.INDEX}" if kw.get("asfrom") else name


def _by_site_only(
    session: Session, statement: Select[Any], filters: Filters, *, site_id: Any, article_id: Any
) -> Select[Any]:
    """The statement narrowed by filters that name no more than a site and each speech once
    (Filters.by_site_only), on a table carrying site_id and article_id columns of its own."""
    if filters.site:
        statement = statement.where(site_id.in_(select(Site.id).where(site_condition(filters.site))))
    if filters.dedupe == "reprints":
        statement = statement.where(not_a_reprint_loser(article_id, conditions(session, filters)))
    return statement


def term_per_month(
    session: Session, query: Node, variants: list[str], filters: Filters, *, term: str | None = None
) -> dict[str, tuple[int, int]]:
    """month -> (articles using the term, occurrences of its variants in them).

    A curated `term` whose counts are complete (db/terms.py) is read from article_terms; any other term is
    counted in the text of the articles the full-text index finds, by the same rule.
    """
    if term is not None and counted(session, term, variants):
        return {m: (n, int(o or 0)) for m, n, o in session.execute(_term_counts(session, term, filters)).all()}
    per_month: dict[str, tuple[int, int]] = {}
    for _, month, uses in _uses_in_text(session, query, variants, filters, Article.published_month):
        if month is not None:
            articles, total = per_month.get(month, (0, 0))
            per_month[month] = (articles + 1, total + uses)
    return per_month


def _plain(forms: list[str]) -> bool:
    """Forms of ideographs alone (counted with str.count where nothing in the text folds to them)."""
    return bool(forms) and all(form and all(_ideograph(c) for c in form) for form in forms)


def index_finds_exactly(variants: list[str]) -> bool:
    """Whether the articles the full-text index finds for these spellings are exactly those whose text uses one
    (the count of db/terms.py above 0): so for spellings of ideographs alone, since the index holds each run of
    them in the folded text as consecutive bigrams (and its last character), and a phrase of them is found only
    where its characters stand together. A spelling with letters, digits or punctuation is found by the index
    wherever its words stand in order, with anything between (互联网+政务服务 also in 互联网政务服务)."""
    return _plain([normalise(v) for v in variants])


def _uses_in_text(
    session: Session, query: Node, variants: list[str], filters: Filters, *columns: Any
) -> Iterator[tuple[Any, ...]]:
    """(id, *columns, occurrences) of each article the index finds that uses the term, counted in its text by
    the rule of db/terms.py (the counted path's rule, so both give the same answers)."""
    forms = [normalise(v) for v in variants]
    tally = counter_for({"term": forms})
    plain = _plain(forms)
    sources = fold_sources(forms) if plain else ""
    matched = matches(session, query)
    statement = apply_filters(
        session,
        select(Article.id, Article.title, Article.body, *columns)
        .join(matched, matched.c.id == Article.id)
        .join(Site, Site.id == Article.site_id),
        filters,
    )
    rows = session.execute(statement, execution_options={"yield_per": ROWS_PER_FETCH})
    for article_id, title, body, *values in rows:
        # Before each article (a check costs far less than counting one): the progress handler and
        # statement_timeout do not see the counting below.
        check(session)
        text = f"{title}\n{body}"
        if plain and not any(source in text for source in sources):
            uses = sum(text.count(form) for form in forms)  # what NFKC would leave of the text holds them alike
        else:
            uses = tally.count(title, body).get("term", 0)
        if uses:
            yield (article_id, *values, uses)


def _ideograph(char: str) -> bool:
    """A CJK unified ideograph (the basic block or extension A): NFKC leaves it as it is and composes nothing
    with it."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


# Where the characters lie that NFKC turns into text holding an ideograph though they are none (radicals,
# enclosed and parenthesised ideographs, compatibility ideographs): these ranges (tests check it over all of
# Unicode).
IDEOGRAPH_SOURCE_RANGES = ((0x2E00, 0x3400), (0xF900, 0xFB00), (0x1F200, 0x1F300), (0x2F800, 0x2FA20))


@lru_cache(maxsize=1)
def _sources_by_ideograph() -> dict[str, str]:
    """Ideograph -> the characters NFKC turns into text holding it."""
    found: dict[str, str] = {}
    for low, high in IDEOGRAPH_SOURCE_RANGES:
        for code in range(low, high):
            if _ideograph(chr(code)):
                continue
            for char in set(unicodedata.normalize("NFKC", chr(code))):
                if _ideograph(char):
                    found[char] = found.get(char, "") + chr(code)
    return found


def fold_sources(forms: list[str]) -> str:
    """The characters NFKC turns into text holding a character of the forms (for 政务: none; for 一: ⼀, ㈠, ㊀, …).

    A term of ideographs alone occurs in a text holding none of them as often as in the text's NFKC form: NFKC
    leaves the ideographs as they are and composes nothing with them, and what else it changes cannot become a
    character of the term. So where none is in the text, the term is counted with str.count instead of folding
    the whole text first (db/terms.py's rule, the same answer, far faster on Chinese pages); looking for a few
    characters costs a fraction of scanning the text for every character that folds to some ideograph."""
    sources = _sources_by_ideograph()
    return "".join(sorted({s for form in forms for char in set(form) for s in sources.get(char, "")}))


def _term_counts(session: Session, term: str, filters: Filters) -> Select[Any]:
    if not filters.by_site_only:
        month = Article.published_month
        statement = apply_filters(
            session,
            select(month, func.count(), func.sum(ArticleTerm.occurrences))
            .select_from(ArticleTerm)
            .join(Article, Article.id == ArticleTerm.article_id)
            .where(ArticleTerm.term == term, month.is_not(None)),
            filters,
        )
        return statement.group_by(month)
    month = ArticleTerm.published_month
    statement = select(month, func.count(), func.sum(ArticleTerm.occurrences)).where(
        ArticleTerm.term == term, month.is_not(None)
    )
    statement = _by_site_only(
        session, statement, filters, site_id=ArticleTerm.site_id, article_id=ArticleTerm.article_id
    )
    return statement.group_by(month)


def _when(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def users_of(
    session: Session, query: Node, variants: list[str], filters: Filters, *, limit: int = 20, term: str | None = None
) -> list[dict[str, Any]]:
    """Who uses the term most: per speaker and the organisation they spoke for (article_speakers); articles with
    no attributed speaker fall back to their 来源 (the organisation a copy names as its origin) and site.

    A curated `term` with complete counts is read from article_terms, any other counted in the text, as in
    term_per_month."""
    if term is None or not counted(session, term, variants):
        return _users_in_text(session, query, variants, filters, limit=limit)
    matched = (
        select(ArticleTerm.article_id.label("id"), ArticleTerm.occurrences.label("occurrences"))
        .where(ArticleTerm.term == term)
        .subquery("matched")
    )
    uses = matched.c.occurrences
    n_articles = func.count(func.distinct(Article.id)).label("articles")
    measures = (
        n_articles,
        func.sum(uses).label("occurrences"),
        func.min(Article.published_at),
        func.max(Article.published_at),
    )
    by_speaker = apply_filters(
        session,
        select(Person.name, ArticleSpeaker.org, *measures)
        .select_from(Article)
        .join(matched, matched.c.id == Article.id)
        .join(ArticleSpeaker, ArticleSpeaker.article_id == Article.id)
        .join(Person, Person.id == ArticleSpeaker.person_id),
        filters,
    ).group_by(Person.name, ArticleSpeaker.org)
    unattributed = apply_filters(
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
    return _most_first(rows, limit)


def _most_first(rows: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """Most articles first; a named speaker before a 来源 fallback with as many."""
    rows.sort(key=lambda r: (-r["articles"], r["speaker"] is None, r["speaker"] or "", r["source"] or ""))
    return rows[:limit]


def _users_in_text(
    session: Session, query: Node, variants: list[str], filters: Filters, *, limit: int
) -> list[dict[str, Any]]:
    """users_of for a term without counts: each match counted in its text, grouped here as the SQL groups."""
    found = {
        article_id: (uses, published, source, domain, site_name)
        for article_id, published, source, domain, site_name, uses in _uses_in_text(
            session, query, variants, filters, Article.published_at, Article.source, Site.domain, Site.name
        )
    }
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}

    def add(key: tuple[Any, ...], row: dict[str, Any], uses: int, published: Any) -> None:
        group = groups.setdefault(key, {**row, "articles": 0, "occurrences": 0, "first": None, "last": None})
        group["articles"] += 1
        group["occurrences"] += uses
        if published is not None:
            group["first"] = min(group["first"] or published, published)
            group["last"] = max(group["last"] or published, published)

    spoken: set[int] = set()
    ids = list(found)
    for start in range(0, len(ids), 500):
        speakers = session.execute(
            select(ArticleSpeaker.article_id, Person.name, ArticleSpeaker.org)
            .join(Person, Person.id == ArticleSpeaker.person_id)
            .where(ArticleSpeaker.article_id.in_(ids[start : start + 500]))
        )
        for article_id, name, org in speakers:
            spoken.add(article_id)
            uses, published, *_ = found[article_id]
            row = {"speaker": name, "org": org, "source": None, "site": None, "site_name": None}
            add(("speaker", name, org), row, uses, published)
    for article_id, (uses, published, source, domain, site_name) in found.items():
        if article_id not in spoken:
            row = {"speaker": None, "org": None, "source": source, "site": domain, "site_name": site_name}
            add(("source", source, domain, site_name), row, uses, published)
    rows = list(groups.values())
    for row in rows:
        row["first"], row["last"] = _when(row["first"]), _when(row["last"])
    return _most_first(rows, limit)


def articles_between(
    session: Session, start: datetime, end: datetime, filters: Filters, *, limit: int | None = None
) -> list[tuple[int, str, str]]:
    """(id, title, body) of articles published in [start, end), for term analysis."""
    statement = apply_filters(
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
    statement = apply_filters(
        session,
        select(func.count(Article.id)).join(Site).where(Article.published_at >= start, Article.published_at < end),
        filters,
    )
    return session.scalar(statement) or 0
