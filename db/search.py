"""Reads through the full-text index (migration 0005): ranked search, term counts per month, first use, who uses it.

SQLite answers from the FTS5 table ``articles_fts`` ranked by BM25 (a search without filters over the rewritten
query of db/ranking.py); PostgreSQL from ``article_search`` (tsvector, GIN) ranked by ts_rank_cd. Both index the
same tokens (db/fts.py), so a query matches the same articles on both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    bindparam,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)

from db import tables, totals
from db.filters import Filters, not_a_reprint_loser
from db.filters import apply as apply_filters
from db.fts import ID_BLOCK, block_lexeme
from db.ranking import ranking_query
from db.summary import SiteName, site_of, with_site
from db.types import connection_of, dialect_name
from ground.query import Node

if TYPE_CHECKING:
    from db.types import Reader

# BM25 column weights (title, body): a term in the title says more about the article than one in the body.
TITLE_WEIGHT = 5.0
BODY_WEIGHT = 1.0


def matches(session: Reader, query: Node) -> Subquery:
    """(id, score) of every article the query matches; a higher score is a better match."""
    if dialect_name(session) == "postgresql":
        document, tsquery = _pg_match(query)
        score: ColumnElement[Any] = func.ts_rank_cd(document, tsquery)
        found = select(column("article_id").label("id"), score.label("score")).select_from(table("article_search"))
        return found.where(document.op("@@")(tsquery)).subquery("matched")
    fts: ColumnElement[Any] = literal_column("articles_fts")
    score = -func.bm25(fts, TITLE_WEIGHT, BODY_WEIGHT)
    found = select(literal_column("articles_fts.rowid").label("id"), score.label("score"))
    return found.select_from(table("articles_fts")).where(_fts5_match(query)).subquery("matched")


def _pg_match(query: Node) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """article_search's document column and the query as a tsquery (PostgreSQL)."""
    tsquery = func.to_tsquery(literal_column("'simple'"), bindparam("fts_query", query.tsquery()))
    return column("document"), tsquery


def _fts5_match(query: Node) -> ColumnElement[bool]:
    """The query as an FTS5 MATCH on articles_fts (SQLite)."""
    return text("articles_fts MATCH :fts_query").bindparams(fts_query=query.fts5())  # type: ignore[return-value]


def _match_count_sqlite(session: Reader, query: Node, *, at_most: int) -> int:
    """How many articles the query matches (no more than `at_most`), from the FTS5 index alone, no score computed.
    (PostgreSQL counts in _ranked_page_postgresql.)"""
    found: Select[Any] = select(literal_column("rowid")).select_from(table("articles_fts")).where(_fts5_match(query))
    return session.scalar(select(func.count()).select_from(found.limit(at_most).subquery())) or 0


# A query without filters matching more articles than this ranks the most recently stored this many of them:
# BM25 over every match takes seconds at a million articles (bench/search.py) …
RANK_LIMIT = 2_000
# … and counts its matches up to this many (a total of COUNT_LIMIT means "at least"): counting every match of a
# phrase in a million articles costs 0.1–0.2 s on its own.
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class Found:
    """A search's answer: how many articles match (`exact`, else at least that many: only without filters, at
    COUNT_LIMIT, or on PostgreSQL at RANK_LIMIT for a query with phrases), how many of them are ranked and can be
    paged through, and one page of (article, site, score)."""

    total: int
    exact: bool
    ranked: int
    rows: list[tuple[Any, SiteName, float]]  # (an article row of with_site(), its site, its score)
    # Whether the scores mean the same as those of the same query without filters (PostgreSQL's ts_rank_cd scores
    # an article alone; SQLite's BM25 differs between its two paths), so a page shows them only when they do.
    scored: bool = True


SORTS = ("relevance", "date", "oldest")  # date: newest published first


def search(
    session: Reader, query: Node, filters: Filters, *, limit: int = 20, offset: int = 0, sort: str = "relevance"
) -> Found:
    """One page of matches: best first (then most recently stored), newest published first (sort="date") or
    oldest first (sort="oldest")."""
    if sort == "relevance" and filters.by_site_only and not filters.site and filters.dedupe != "reprints":
        return _search_index(session, query, limit=limit, offset=offset)
    if sort == "date" and dialect_name(session) == "sqlite":
        return _newest_sqlite(session, query, filters, limit=limit, offset=offset)
    if sort == "date":
        return _newest_postgresql(session, query, filters, limit=limit, offset=offset)
    matched = matches(session, query)
    base = with_site(matched.c.score).join(matched, matched.c.id == tables.articles.c.id)
    base = apply_filters(session, base, filters)
    counted = base.with_only_columns(tables.articles.c.id).limit(COUNT_LIMIT).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    if sort == "date":
        order = (tables.articles.c.published_at.desc().nulls_last(), tables.articles.c.id.desc())
    elif sort == "oldest":
        order = (tables.articles.c.published_at.asc().nulls_last(), tables.articles.c.id.asc())
    else:
        order = (matched.c.score.desc(), tables.articles.c.id.desc())
    rows = session.execute(base.order_by(*order).limit(limit).offset(offset)).all()
    scored = dialect_name(session) == "postgresql"
    return Found(total, total < COUNT_LIMIT, total, [(r, site_of(r), float(r.score)) for r in rows], scored)


# Newest first: a query matching at least this many articles is paged by a walk of the published_at index (on
# PostgreSQL the newest-first index of migration 0013), newest first, that tests each entry against the query and
# stops at the page's end; one matching fewer has its matches sorted (the walk would pass many entries to find each
# of them).
WALK_FROM = 2_000


def _newest_sqlite(session: Reader, query: Node, filters: Filters, *, limit: int, offset: int) -> Found:
    """search(sort="date") on SQLite: no BM25 computed (SQLite's scores are not shown beside a date order)."""
    ids: Select[Any] = select(literal_column("rowid")).select_from(table("articles_fts")).where(_fts5_match(query))
    counted = apply_filters(session, select(tables.articles.c.id).where(tables.articles.c.id.in_(ids)), filters).limit(
        COUNT_LIMIT
    )
    total = session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    # "+id" keeps the planner from reading the matches by id and sorting them all: it walks the date index.
    among = literal_column("+articles.id").in_(ids) if total >= WALK_FROM else tables.articles.c.id.in_(ids)
    base = apply_filters(session, with_site().where(among), filters)
    rows = session.execute(base.order_by(*_newest_first(session)).limit(limit).offset(offset)).all()
    return Found(total, total < COUNT_LIMIT, total, [(r, site_of(r), 0.0) for r in rows], False)


def _newest_postgresql(session: Reader, query: Node, filters: Filters, *, limit: int, offset: int) -> Found:
    """search(sort="date") on PostgreSQL. Counted to COUNT_LIMIT, a query with phrases to RANK_LIMIT (from
    article_search alone when the filters name no more than reprints kept: the count's LIMIT then stops the reading
    of tsvectors). A query matching at least
    WALK_FROM articles is paged by a walk of the newest-first index (migration 0013) that tests each article it
    passes and stops at the page's end; one matching fewer has its matches sorted."""
    document, tsquery = _pg_match(query)
    in_index: Select[Any] = (
        select(column("article_id")).select_from(table("article_search")).where(document.op("@@")(tsquery))
    )
    # Counting a phrase reads each match's tsvector: to RANK_LIMIT, as a search by relevance counts it.
    most = RANK_LIMIT if query.positional() else COUNT_LIMIT
    if filters.by_site_only and not filters.site:
        # No article column needed: each speech once is the copies of migration 0013's index left out.
        speeches = (
            in_index.where(not_a_reprint_loser(column("article_id"), [])) if filters.dedupe == "reprints" else in_index
        )
        counted = speeches.limit(most)
    else:
        counted = apply_filters(
            session, select(tables.articles.c.id).where(tables.articles.c.id.in_(in_index)), filters
        ).limit(most)
    with planner(session, enable_seqscan="off", enable_indexscan="off"):  # the GIN index finds them (see above)
        total = session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    if total >= min(most, WALK_FROM):
        # A condition the planner cannot turn into a join: tested article by article as the index is walked.
        holds = (
            select(document.op("@@")(tsquery))
            .select_from(table("article_search"))
            .where(column("article_id") == tables.articles.c.id)
            .scalar_subquery()
        )
        among: ColumnElement[Any] = holds.is_(True)
    else:
        among = tables.articles.c.id.in_(in_index)
    base = apply_filters(session, with_site().where(among), filters)
    rows = session.execute(base.order_by(*_newest_first(session)).limit(limit).offset(offset)).all()
    return Found(total, total < most, total, [(r, site_of(r), 0.0) for r in rows], False)


def browse(session: Reader, filters: Filters, *, limit: int = 20, offset: int = 0) -> Found:
    """One page of the articles passing the filters, newest published first: a search with no query.

    The total comes from the article totals where they answer the filters (db/totals.py), else is counted up to
    COUNT_LIMIT; the page is a walk of the published_at index, newest first, that stops at the page's end."""
    if totals.answers(filters):
        total, exact = totals.count(session, filters), True
    else:
        counted = apply_filters(session, select(tables.articles.c.id), filters).limit(COUNT_LIMIT).subquery()
        total = session.scalar(select(func.count()).select_from(counted)) or 0
        exact = total < COUNT_LIMIT
    base = apply_filters(session, with_site(), filters)
    rows = session.execute(base.order_by(*_newest_first(session)).limit(limit).offset(offset)).all()
    return Found(total, exact, total, [(r, site_of(r), 0.0) for r in rows], False)


def _newest_first(session: Reader) -> tuple[ColumnElement[Any], ...]:
    """Newest published first, undated last, then highest id. SQLite sorts NULL first ascending, so last
    descending, and walks its published_at index (whose entries end with the id) for the plain form only."""
    if dialect_name(session) == "sqlite":
        return (tables.articles.c.published_at.desc(), tables.articles.c.id.desc())
    return (tables.articles.c.published_at.desc().nulls_last(), tables.articles.c.id.desc())


def _search_index(session: Reader, query: Node, *, limit: int, offset: int) -> Found:
    """Search without filters from the full-text index alone: count and rank there, then read one page."""
    if dialect_name(session) == "postgresql":
        total, exact, page = _ranked_page_postgresql(session, query, limit=limit, offset=offset)
    else:
        total = _match_count_sqlite(session, query, at_most=COUNT_LIMIT)
        exact = total < COUNT_LIMIT
        page = _ranked_page_sqlite(session, query, limit=limit, offset=offset)
    found = {
        r.id: (r, site_of(r))
        for r in session.execute(with_site().where(tables.articles.c.id.in_([i for i, _ in page])))
    }
    rows = [(*found[i], float(score)) for i, score in page if i in found]
    return Found(total, exact, min(total, RANK_LIMIT), rows)


# One step of the walk through a query's matches, newest first (_ranked_page_postgresql): the newest :need
# matches among the window's candidates, scored by ts_rank_cd. {found} (candidates_condition) finds the candidates:
# a condition on the document for each GIN key of the query without positions and one for the window's blocks, all
# answered by one GIN index scan, so only the window's candidates are read from the heap. {recheck} confirms a
# phrase's positions in each candidate's tsvector, which ts_rank_cd reads again only where it matches, and the LIMIT
# stops the reads at :need matches.
_WINDOW = """
SELECT id, ts_rank_cd(document, to_tsquery('simple', :query)) AS score FROM (
    SELECT article_id AS id, document FROM article_search WHERE {found} ORDER BY article_id DESC OFFSET 0
) AS walked {recheck} LIMIT :need
"""
_RECHECK = "WHERE document @@ to_tsquery('simple', :query)"
# A query without phrases counted by the GIN index alone (its candidates are its matches), to :most.
_COUNT = "SELECT count(*) FROM (SELECT 1 FROM article_search WHERE {found} LIMIT :most) AS found"
# The first step's width in blocks of ids (db/fts.py ID_BLOCK); each later step is sized from the matches so far.
FIRST_STEP = 1


def candidates_condition(keys: list[str], blocks: str | None = None) -> tuple[str, dict[str, Any]]:
    """The condition that a document holds every key (and the blocks' tsquery: cast, as to_tsquery would drop the
    "_" of a block lexeme), and its parameters."""
    conditions = [f"document @@ to_tsquery('simple', :key{n})" for n in range(len(keys))]
    parameters: dict[str, Any] = {f"key{n}": key for n, key in enumerate(keys)}
    if blocks is not None:
        conditions.append("document @@ CAST(:blocks AS tsquery)")
        parameters["blocks"] = blocks
    return " AND ".join(conditions), parameters


def candidates_at_most(session: Reader, query: Node, most: int) -> int:
    """How many articles the GIN index alone finds for the query, counted no further than `most` (PostgreSQL): its
    matches where it has no phrase; where it has, every article holding a phrase's bigrams anywhere (a superset)."""
    found, parameters = candidates_condition(query.gin_keys())
    with planner(session, enable_seqscan="off", enable_indexscan="off"):
        return session.scalar(text(_COUNT.format(found=found)), parameters | {"most": most}) or 0


def _blocks(blocks: range) -> str:
    return " | ".join(f"'{block_lexeme(b)}'" for b in blocks)


def _ranked_page_postgresql(
    session: Reader, query: Node, *, limit: int, offset: int
) -> tuple[int, bool, list[tuple[int, float]]]:
    """How many articles match (exactly, or at least that many), and one page of the RANK_LIMIT newest matches by
    ts_rank_cd, then newest first.

    Reading a tsvector is the cost here: about 16 KB an article, stored out of line (TOAST, uncompressed as pglz
    cannot shrink it by the quarter it requires); confirming a phrase in it and ranking it take about 25 µs an
    article at a million articles. So the newest matches are found a window of ids at a time, newest first (the
    GIN index answers the query and the window's blocks together), and each is read to be confirmed and ranked in
    one pass, until RANK_LIMIT match. The count comes from the GIN index alone where it is exact (a query without
    phrases: its candidates are its matches), counted to COUNT_LIMIT; a query with phrases is counted as far as the
    walk confirmed its matches: exactly when it reached the oldest article, else at least RANK_LIMIT.
    """
    positional = query.positional()
    recheck = _RECHECK if positional else ""
    keys, tsquery = query.gin_keys(), query.tsquery()
    newest = session.scalar(text("SELECT max(article_id) FROM article_search")) or 0
    top = newest // ID_BLOCK
    with planner(session, enable_seqscan="off", enable_indexscan="off"):
        # Only the GIN index finds candidates: a sequential scan (or one of the primary key, newest first) would
        # read the tsvector of every article it tests, which the planner does not count as a cost.
        counted = None
        if not positional:
            found, parameters = candidates_condition(keys)
            counted = session.scalar(text(_COUNT.format(found=found)), parameters | {"most": COUNT_LIMIT}) or 0
        if counted is not None and counted < COUNT_LIMIT:
            # The density of matches is known: one window should hold RANK_LIMIT of them.
            width = int(1.25 * (top + 1) * RANK_LIMIT / max(counted, 1)) + 1
        else:
            width = FIRST_STEP + (newest % ID_BLOCK < ID_BLOCK // 2)  # and the block before a top block half full
        best: list[tuple[int, float]] = []
        high, matched = top, 0  # the window's newest block, matches so far
        while high >= 0 and matched < RANK_LIMIT:
            low = max(0, high - width + 1)
            blocks: str | None = _blocks(range(high, low - 1, -1))
            if low == 0 and high >= top - high:  # the rest of the archive: fewer blocks walked than left
                blocks = f"!({_blocks(range(top, high, -1))})" if high < top else None
            found, parameters = candidates_condition(keys, blocks)
            window = text(_WINDOW.format(found=found, recheck=recheck))
            parameters |= {"query": tsquery, "need": RANK_LIMIT - matched}
            hits = [(article_id, float(score)) for article_id, score in session.execute(window, parameters)]
            matched += len(hits)
            best.extend(hits)
            # The next window: wide enough for the matches still needed at the density seen so far (with a margin),
            # and at most eight times the blocks walked (a term may be rarer in the newest blocks than before).
            walked = top - low + 1
            needed = int(1.5 * walked * (RANK_LIMIT - matched) / matched) + 1 if matched else 8 * walked
            width = min(needed, 8 * walked)
            high = low - 1
    best.sort(key=lambda hit: (-hit[1], -hit[0]))
    page = best[offset : offset + limit]
    if counted is not None:
        return counted, counted < COUNT_LIMIT, page
    return matched, high < 0 and matched < RANK_LIMIT, page


@contextmanager
def planner(session: Reader, **settings: str) -> Iterator[None]:
    """Planner settings for the statements inside (PostgreSQL, this transaction only), restored afterwards; one
    round trip to read them, one to set them and one to restore them. JIT compilation is off inside: a plan type
    switched off costs so much in the planner's units that every statement would pass the JIT threshold and be
    compiled, tens of milliseconds for statements that run in a few."""
    settings = {"jit": "off", **settings}
    names = list(settings)
    read = ", ".join(f"current_setting(:n{i})" for i in range(len(names)))
    change = "SELECT " + ", ".join(f"set_config(:n{i}, :v{i}, true)" for i in range(len(names)))
    named = {f"n{i}": name for i, name in enumerate(names)}
    before = session.execute(text(f"SELECT {read}"), named).one()
    session.execute(text(change), named | {f"v{i}": settings[name] for i, name in enumerate(names)})
    try:
        yield
    finally:
        session.execute(text(change), named | {f"v{i}": value for i, value in enumerate(before)})


def _ranked_page_sqlite(session: Reader, query: Node, *, limit: int, offset: int) -> list[tuple[int, float]]:
    """The RANK_LIMIT most recently stored matches (the exact query), ordered by BM25 over ranking_query
    (db/ranking.py), which FTS5 evaluates without matching the query's phrases over the whole index."""
    ranking = ranking_query(session, query)
    recent = "FROM articles_fts WHERE articles_fts MATCH :q ORDER BY rowid DESC LIMIT :n"
    weights = {"title": TITLE_WEIGHT, "body": BODY_WEIGHT}
    scores: dict[int, float]
    if ranking == query.fts5():  # no phrase of several bigrams, no NOT: ranked in the pass that finds them
        scored = session.execute(
            text(f"SELECT rowid, -bm25(articles_fts, :title, :body) {recent}"),
            {"q": ranking, "n": RANK_LIMIT, **weights},
        )
        scores = {i: s for i, s in scored}
        window = list(scores)
    else:
        window = list(session.scalars(text(f"SELECT rowid {recent}"), {"q": query.fts5(), "n": RANK_LIMIT}))
        if not window:
            return []
        # A rowid range, not IN (…): FTS5 would start over for every id, and compute BM25's statistics again.
        scored = session.execute(
            text(
                "SELECT rowid, -bm25(articles_fts, :title, :body) FROM articles_fts "
                "WHERE articles_fts MATCH :r AND rowid BETWEEN :low AND :high"
            ),
            {"r": ranking, "low": window[-1], "high": window[0], **weights},
        )
        scores = {i: s for i, s in scored}
    ordered = sorted(window, key=lambda i: (-scores.get(i, 0.0), -i))
    return [(i, scores.get(i, 0.0)) for i in ordered[offset : offset + limit]]


def first_use(session: Reader, query: Node, filters: Filters, *, limit: int = 1) -> list[tuple[Any, SiteName]]:
    """The earliest published articles the query matches."""
    matched = matches(session, query)
    statement = apply_filters(
        session,
        with_site()
        .join(matched, matched.c.id == tables.articles.c.id)
        .where(tables.articles.c.published_at.is_not(None)),
        filters,
    )
    rows = session.execute(statement.order_by(tables.articles.c.published_at, tables.articles.c.id).limit(limit)).all()
    return [(r, site_of(r)) for r in rows]


def speakers_of(session: Reader, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Per article id: its speakers (name, role, org), in the text's order; one query for all the ids."""
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return found
    speakers = session.execute(
        select(
            tables.article_speakers.c.article_id,
            tables.people.c.name,
            tables.article_speakers.c.role,
            tables.article_speakers.c.org,
        )
        .join(tables.people)
        .where(tables.article_speakers.c.article_id.in_(ids))
        .order_by(tables.article_speakers.c.article_id, tables.article_speakers.c.position)
    )
    for article_id, name, role, org in speakers:
        found[article_id].append({"name": name, "role": role, "org": org})
    return found


def attribution_of(session: Reader, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per article id: its speakers (speakers_of) and reprint membership, for exports."""
    speakers = speakers_of(session, ids)
    found: dict[int, dict[str, Any]] = {i: {"speakers": speakers[i], "cluster_id": None, "original_id": i} for i in ids}
    if not ids:
        return found
    clusters = session.execute(
        select(
            tables.article_reprints.c.article_id,
            tables.article_reprints.c.cluster_id,
            tables.article_reprints.c.canonical_id,
        ).where(tables.article_reprints.c.article_id.in_(ids))
    )
    for article_id, cluster_id, canonical_id in clusters:
        found[article_id].update(cluster_id=cluster_id, original_id=canonical_id)
    return found


def iter_articles(session: Reader, ids: list[int]) -> list[tuple[Any, SiteName]]:
    """Articles by id in the given order (for exports)."""
    if not ids:
        return []
    rows = {r.id: (r, site_of(r)) for r in session.execute(with_site().where(tables.articles.c.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def matching_ids(session: Reader, query: Node, filters: Filters) -> list[int]:
    """Every matching article id, best first (an export's rows, in the order search shows them)."""
    matched = matches(session, query)
    statement = apply_filters(
        session,
        select(tables.articles.c.id).join(matched, matched.c.id == tables.articles.c.id).join(tables.sites),
        filters,
    )
    order = statement.order_by(matched.c.score.desc(), tables.articles.c.id.desc())
    return list(session.scalars(order))


def schema_revision(session: Reader) -> str | None:
    """The Alembic revision the database is at (recorded in export manifests)."""
    from db.engine import revision_of

    return revision_of(connection_of(session))


def scan_count(session: Reader, literal: str, filters: Filters) -> int:
    """Articles whose title or body contains the text, by a plain LIKE scan: the baseline search is measured against."""
    statement = apply_filters(
        session,
        select(func.count(tables.articles.c.id))
        .join(tables.sites)
        .where(
            or_(
                tables.articles.c.title.contains(literal, autoescape=True),
                tables.articles.c.body.contains(literal, autoescape=True),
            )
        ),
        filters,
    )
    return session.scalar(statement) or 0
