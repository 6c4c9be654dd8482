"""Watchlists in the database: saved queries, their matches and new terms, digests; shared by CLI, ingest and web."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Boolean, Integer, TextClause, bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session

from db import tables
from db.models import Article, ArticleSpeaker, Person, Site
from db.search import speakers_of
from db.types import insert_for, iso, now_shanghai
from db.watch_models import Watch, WatchDigest, WatchMatch, WatchTerm

STATUSES = ("active", "paused")
# Bumped by every change to a watch made in this process: the ingest matcher (analysis/watch_match.py) then asks the
# database at once whether it must recompile instead of waiting for its next check.
generation = 0


def _changed() -> None:
    global generation
    generation += 1


FILTERS = ("site", "speaker", "org", "kind")


class WatchError(ValueError):
    """A watch that cannot be added or found; the message says why."""


def watch_json(watch: Watch) -> dict[str, Any]:
    return {
        "id": watch.id,
        "name": watch.name,
        "query": watch.query,
        "site": watch.site,
        "speaker": watch.speaker,
        "org": watch.org,
        "kind": watch.kind,
        "new_term": watch.new_term,
        "status": watch.status,
        "created_at": iso(watch.created_at),
        "last_digest_at": iso(watch.last_digest_at),
        "feed": f"/watch/{watch.name}.atom",
    }


def add_watch(
    session: Session,
    name: str,
    query: str,
    *,
    site: str | None = None,
    speaker: str | None = None,
    org: str | None = None,
    kind: str | None = None,
    new_term: bool = False,
) -> dict[str, Any]:
    """Save a watch (the query already checked by the caller); a name in use is a WatchError."""
    if session.scalar(select(Watch.id).where(Watch.name == name)) is not None:
        raise WatchError(f"a watch named {name!r} exists")
    now = now_shanghai()
    watch = Watch(
        name=name,
        query=query,
        site=site,
        speaker=speaker,
        org=org,
        kind=kind,
        new_term=new_term,
        status="active",
        created_at=now,
        updated_at=now,
        # Terms are reported from the matches made after the watch exists.
        terms_checked_through=session.scalar(select(func.max(WatchMatch.id))) or 0,
    )
    session.add(watch)
    session.flush()
    _changed()
    return watch_json(watch)


def _counts(session: Session, watch_ids: list[int]) -> dict[int, dict[str, Any]]:
    counts: dict[int, dict[str, Any]] = {
        i: {"matches": 0, "copies": 0, "pending": 0, "last_match_at": None} for i in watch_ids
    }
    rows = session.execute(
        select(
            WatchMatch.watch_id,
            func.count().filter(WatchMatch.copy_of.is_(None)),
            func.count().filter(WatchMatch.copy_of.is_not(None)),
            func.count().filter(WatchMatch.pending.is_(True)),
            func.max(WatchMatch.matched_at),
        )
        .where(WatchMatch.watch_id.in_(watch_ids))
        .group_by(WatchMatch.watch_id)
    )
    for watch_id, matches, copies, pending, last in rows:
        counts[watch_id] = {"matches": matches, "copies": copies, "pending": pending, "last_match_at": iso(last)}
    return counts


def list_watches(session: Session) -> list[dict[str, Any]]:
    """Every watch, by name, with how many articles it matched (copies apart) and how many wait to be sent."""
    watches = list(session.scalars(select(Watch).order_by(Watch.name)))
    counts = _counts(session, [w.id for w in watches])
    return [{**watch_json(w), **counts[w.id]} for w in watches]


def find_watch(session: Session, name: str) -> Watch | None:
    return session.scalar(select(Watch).where(Watch.name == name))


def get_watch(session: Session, name: str, *, latest: int = 20) -> dict[str, Any] | None:
    """One watch: its definition, counts, latest matches, new terms and the latest digests sent."""
    watch = find_watch(session, name)
    if watch is None:
        return None
    digests = session.scalars(
        select(WatchDigest).where(WatchDigest.watch_id == watch.id).order_by(WatchDigest.id.desc()).limit(10)
    )
    return {
        **watch_json(watch),
        **_counts(session, [watch.id])[watch.id],
        "per_month": matches_per_month(session, watch.id),
        "latest": match_entries(session, watch.id, limit=latest),
        "new_terms": term_entries(session, watch.id),
        "digests": [
            {
                "run_id": d.run_id,
                "channel": d.channel,
                "sent_at": iso(d.sent_at),
                "status": d.status,
                "attempts": d.attempts,
                "error": d.error,
                "matches": d.matches,
                "terms": d.terms,
            }
            for d in digests
        ],
    }


def set_status(session: Session, name: str, status: str) -> bool:
    """Pause or resume a watch; False when there is no such watch. A paused watch matches nothing."""
    assert status in STATUSES
    watch = find_watch(session, name)
    if watch is None:
        return False
    watch.status, watch.updated_at = status, now_shanghai()
    session.flush()
    _changed()
    return True


def remove_watch(session: Session, name: str) -> bool:
    """Delete a watch with its matches, terms and digests; False when there is no such watch."""
    watch_id = session.scalar(select(Watch.id).where(Watch.name == name))
    if watch_id is None:
        return False
    session.execute(delete(WatchMatch).where(WatchMatch.watch_id == watch_id))
    session.execute(delete(WatchTerm).where(WatchTerm.watch_id == watch_id))
    session.execute(delete(WatchDigest).where(WatchDigest.watch_id == watch_id))
    session.execute(delete(Watch).where(Watch.id == watch_id))
    _changed()
    return True


# ---- ingest ------------------------------------------------------------------------------------------------


# Statements run for every stored article, built once so that SQLAlchemy compiles them once (db/articles.py does
# the same for the article's own writes).
_VERSION = select(func.count(Watch.id), func.max(Watch.updated_at))
_SPEAKERS = (
    select(Person.name, ArticleSpeaker.organisation_id)
    .join(Person, Person.id == ArticleSpeaker.person_id)
    .where(ArticleSpeaker.article_id == bindparam("article_id"))
)


def watches_version(session: Session) -> tuple[int, Any]:
    """Changes whenever a watch is added, removed, paused or resumed: the ingest matcher's cache key."""
    row = session.connection().execute(_VERSION).one()
    return int(row[0]), row[1]


def active_watches(session: Session) -> list[Watch]:
    return list(session.scalars(select(Watch).where(Watch.status == "active").order_by(Watch.id)))


def article_speakers(session: Session, article_id: int) -> list[tuple[str, int | None]]:
    """(person name, organisation id) of each speaker the article's attribution stored."""
    return [(name, org) for name, org in session.connection().execute(_SPEAKERS, {"article_id": article_id})]


def record_matches(
    session: Session, article_id: int, found: dict[int, str], *, run_id: int | None, quiet: set[int] | None = None
) -> int:
    """Store the article's matches (watch id -> matching sentence); a watch that matched it before keeps its row
    (re-crawling changes nothing), and a reprint of a speech a watch matched becomes a copy of that match (found
    by the INSERT itself: no query of its own). The matches of `quiet` watches are kept but not sent. Returns how
    many watches matched."""
    if not found:
        return 0
    quiet = quiet or set()
    now = now_shanghai()
    rows: list[dict[str, Any]] = [
        {
            "watch_id": watch_id,
            "article_id": article_id,
            "sentence": sentence,
            "matched_at": now,
            "run_id": run_id,
            "loud": watch_id not in quiet,
            "delivered": {},
        }
        for watch_id, sentence in found.items()
    ]
    session.connection().execute(_insert_matches(), rows)  # one executemany for all the article's matches
    return len(rows)


# The casts type the parameters PostgreSQL would otherwise read as text in a SELECT list (a NULL run id).
# copy_of: the watch's first original match among the other articles of the article's reprint cluster; a copy is
# shown under its original and never sent on its own (pending false). "WHERE true" lets SQLite read ON CONFLICT
# after INSERT … SELECT.
_INSERT_MATCH = """
INSERT INTO watch_matches (watch_id, article_id, copy_of, sentence, matched_at, run_id, pending, delivered)
SELECT CAST(:watch_id AS INTEGER), CAST(:article_id AS INTEGER), original.id, CAST(:sentence AS TEXT), :matched_at,
       CAST(:run_id AS INTEGER), original.id IS NULL AND CAST(:loud AS BOOLEAN), :delivered
FROM (
    SELECT (
        SELECT min(m.id) FROM watch_matches AS m
        JOIN article_reprints AS r ON r.article_id = m.article_id
        JOIN article_reprints AS this ON this.cluster_id = r.cluster_id
        WHERE this.article_id = :article_id AND m.article_id != :article_id AND m.watch_id = :watch_id
          AND m.copy_of IS NULL
    ) AS id
) AS original
WHERE true
ON CONFLICT (watch_id, article_id) DO NOTHING
"""


@cache
def _insert_matches() -> TextClause:
    """The INSERT as text compiled once, its parameters typed (see db.articles._insert_or_skip)."""
    columns = tables.watch_matches.c
    return text(_INSERT_MATCH).bindparams(
        bindparam("watch_id", type_=Integer()),
        bindparam("article_id", type_=Integer()),
        bindparam("sentence", type_=columns.sentence.type),
        bindparam("matched_at", type_=columns.matched_at.type),
        bindparam("run_id", type_=Integer()),
        bindparam("loud", type_=Boolean()),
        bindparam("delivered", type_=columns.delivered.type),
    )


# ---- what a watch found, for digests, feeds and pages ------------------------------------------------------


def _entries(session: Session, matches: list[WatchMatch]) -> list[dict[str, Any]]:
    ids = [m.article_id for m in matches]
    articles = {a.id: (a, s) for a, s in session.execute(select(Article, Site).join(Site).where(Article.id.in_(ids)))}
    speakers = speakers_of(session, ids)
    copies: dict[int, list[dict[str, Any]]] = {m.id: [] for m in matches}
    if matches:
        rows = session.execute(
            select(WatchMatch.copy_of, Article.id, Article.url, Site.domain, Site.name, Article.published_at)
            .join(Article, Article.id == WatchMatch.article_id)
            .join(Site, Site.id == Article.site_id)
            .where(WatchMatch.copy_of.in_(list(copies)))
            .order_by(WatchMatch.id)
        )
        for copy_of, article_id, url, domain, site_name, published in rows:
            copies[copy_of].append(
                {
                    "article_id": article_id,
                    "url": url,
                    "site": domain,
                    "site_name": site_name,
                    "published_at": iso(published),
                }
            )
    entries = []
    for m in matches:
        if m.article_id not in articles:
            continue
        article, site = articles[m.article_id]
        entries.append(
            {
                "match_id": m.id,
                "article_id": article.id,
                "title": article.title,
                "url": article.url,
                "site": site.domain,
                "site_name": site.name,
                "published_at": iso(article.published_at),
                "kind": article.kind,
                "speakers": [s["name"] for s in speakers[article.id]],
                "sentence": m.sentence,
                "matched_at": iso(m.matched_at),
                "delivered": dict(m.delivered or {}),
                "copies": copies[m.id],
            }
        )
    return entries


def match_entries(session: Session, watch_id: int, *, limit: int = 20) -> list[dict[str, Any]]:
    """A watch's latest matches (copies shown under their original), newest match first."""
    matches = session.scalars(
        select(WatchMatch)
        .where(WatchMatch.watch_id == watch_id, WatchMatch.copy_of.is_(None))
        .order_by(WatchMatch.id.desc())
        .limit(limit)
    )
    return _entries(session, list(matches))


def pending_entries(session: Session, watch_id: int, *, limit: int = 500) -> list[dict[str, Any]]:
    """Matches not yet sent on every channel, oldest first (a digest sends them in the order they were found)."""
    matches = session.scalars(
        select(WatchMatch)
        .where(WatchMatch.watch_id == watch_id, WatchMatch.pending.is_(True))
        .order_by(WatchMatch.id)
        .limit(limit)
    )
    return _entries(session, list(matches))


def _term_json(term: WatchTerm, article: tuple[Article, Site] | None) -> dict[str, Any]:
    first = None
    if article is not None:
        a, s = article
        first = {
            "article_id": a.id,
            "title": a.title,
            "url": a.url,
            "site": s.domain,
            "published_at": iso(a.published_at),
        }
    return {
        "term_id": term.id,
        "term": term.term,
        "change": term.change,
        "articles": term.articles,
        "share_before": term.share_before,
        "share_now": term.share_now,
        "found_at": iso(term.found_at),
        "first_article": first,
        "delivered": dict(term.delivered or {}),
    }


def term_entries(session: Session, watch_id: int, *, pending: bool = False, limit: int = 50) -> list[dict[str, Any]]:
    """New and rising terms a watch reported, newest first (pending: those not yet sent, oldest first)."""
    statement = select(WatchTerm).where(WatchTerm.watch_id == watch_id)
    if pending:
        statement = statement.where(WatchTerm.pending.is_(True)).order_by(WatchTerm.id)
    else:
        statement = statement.order_by(WatchTerm.id.desc())
    terms = list(session.scalars(statement.limit(limit)))
    ids = [t.first_article_id for t in terms if t.first_article_id is not None]
    articles = {a.id: (a, s) for a, s in session.execute(select(Article, Site).join(Site).where(Article.id.in_(ids)))}
    return [_term_json(t, articles.get(t.first_article_id or 0)) for t in terms]


def matches_per_month(session: Session, watch_id: int) -> dict[str, int]:
    """Matches per month of publication (copies apart): the watch's matches over time."""
    month = Article.published_month
    rows = session.execute(
        select(month, func.count())
        .select_from(WatchMatch)
        .join(Article, Article.id == WatchMatch.article_id)
        .where(WatchMatch.watch_id == watch_id, WatchMatch.copy_of.is_(None), month.is_not(None))
        .group_by(month)
        .order_by(month)
    )
    return {m: n for m, n in rows}


def feed_entries(session: Session, watch_id: int, *, limit: int = 50) -> list[dict[str, Any]]:
    """The feed's entries: the latest matches, newest published first (then newest match)."""
    matches = session.scalars(
        select(WatchMatch)
        .join(Article, Article.id == WatchMatch.article_id)
        .where(WatchMatch.watch_id == watch_id, WatchMatch.copy_of.is_(None))
        .order_by(Article.published_at.desc().nulls_last(), WatchMatch.id.desc())
        .limit(limit)
    )
    return _entries(session, list(matches))


def mark_delivered(
    session: Session, match_ids: list[int], term_ids: list[int], channel: str, channels: list[str], when: datetime
) -> None:
    """Note that `channel` sent these; an item every configured channel has sent is no longer pending."""
    items: list[WatchMatch | WatchTerm] = [*session.scalars(select(WatchMatch).where(WatchMatch.id.in_(match_ids)))]
    items += session.scalars(select(WatchTerm).where(WatchTerm.id.in_(term_ids)))
    for item in items:
        delivered = {**(item.delivered or {}), channel: when.isoformat()}
        item.delivered = delivered
        item.pending = not all(c in delivered for c in channels)
    session.flush()


def record_digest(
    session: Session,
    watch_id: int,
    *,
    run_id: int | None,
    channel: str,
    status: str,
    attempts: int,
    error: str | None,
    matches: int,
    terms: int,
    when: datetime,
) -> None:
    session.add(
        WatchDigest(
            watch_id=watch_id,
            run_id=run_id,
            channel=channel,
            sent_at=when,
            status=status,
            attempts=attempts,
            error=error,
            matches=matches,
            terms=terms,
        )
    )
    if status == "sent":
        session.execute(update(Watch).where(Watch.id == watch_id).values(last_digest_at=when))
    session.flush()


# ---- the new-term check ----------------------------------------------------------------------------------


def new_term_batch(session: Session, watch_id: int, after: int, *, limit: int = 1000) -> list[tuple[int, int]]:
    """(match id, article id) of the watch's matches (copies apart) after match `after`, oldest first."""
    rows = session.execute(
        select(WatchMatch.id, WatchMatch.article_id)
        .where(WatchMatch.watch_id == watch_id, WatchMatch.id > after, WatchMatch.copy_of.is_(None))
        .order_by(WatchMatch.id)
        .limit(limit)
    )
    return [(m, a) for m, a in rows]


def articles_text(session: Session, ids: list[int]) -> list[tuple[int, str, str, datetime | None]]:
    rows = session.execute(
        select(Article.id, Article.title, Article.body, Article.published_at).where(Article.id.in_(ids))
    )
    return [(i, t, b, p) for i, t, b, p in rows]


def articles_using(session: Session, query: Any, *, besides: list[int], at_most: int) -> int:
    """How many articles other than `besides` the query (a db.fts Node) matches, counted to `at_most`, from the
    full-text index alone (no score: BM25's statistics would cost more than the count)."""
    from sqlalchemy import column, literal_column, table

    from db.search import _fts5_match, _pg_match

    if session.get_bind().dialect.name == "postgresql":
        document, tsquery = _pg_match(query)
        found: Any = select(column("article_id")).select_from(table("article_search")).where(document.op("@@")(tsquery))
        found = found.where(column("article_id").not_in(besides))
    else:
        found = select(literal_column("rowid")).select_from(table("articles_fts")).where(_fts5_match(query))
        found = found.where(literal_column("rowid").not_in(besides))
    return int(session.scalar(select(func.count()).select_from(found.limit(at_most).subquery())) or 0)


def article_total(session: Session) -> int:
    return int(session.scalar(select(func.count(Article.id))) or 0)


def record_terms(session: Session, watch_id: int, rows: list[dict[str, Any]], *, checked_through: int) -> None:
    """Keep the terms found (a term is reported once per watch) and move the watch's check past its batch."""
    now = now_shanghai()
    if rows:
        values = [{**r, "watch_id": watch_id, "found_at": now, "pending": True, "delivered": {}} for r in rows]
        statement = (
            insert_for(session, WatchTerm).values(values).on_conflict_do_nothing(index_elements=["watch_id", "term"])
        )
        session.execute(statement)
    session.execute(update(Watch).where(Watch.id == watch_id).values(terms_checked_through=checked_through))
