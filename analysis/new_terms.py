"""The new-term check of --new-term watches, after each crawl run: terms the archive never used before, and terms
whose share of articles jumped, each with the first article that used it (where a new 提法 first appeared).

The batch is what the watch matched since its last check (copies apart). Its terms are jieba words and curated
vocabulary terms (analysis/vocabulary.py, as `newsmon terms` reads them); each is looked up in the full-text index
over the rest of the archive: absent, the term is new; used by a share of the batch at least JUMP times its share
of the archive (and MIN_ARTICLES articles), it is rising.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from analysis.vocabulary import Vocabulary, analysis_terms, load_vocabulary
from analysis.watch_match import parse_watch_query
from db import search as db_search
from db.engine import Database
from db.watch_models import Watch
from db.watches import (
    article_total,
    articles_text,
    articles_using,
    new_term_batch,
    record_terms,
)
from ground.query import QueryError, Term, normalise

log = logging.getLogger(__name__)

JUMP = 3.0  # a rising term's share of the batch is at least this many times its share of the archive …
MIN_ARTICLES = 2  # … in at least this many articles of the batch
MIN_SHARE_GAIN = 50.0  # … and at least this many articles per 1000 more
COUNT_CAP = 1000  # the archive's uses are counted this far (a share below it is all a jump needs)
MAX_CANDIDATES = 2000  # terms looked up per watch and run: curated ones first, then the most used
MAX_REPORTED = 50  # terms reported per watch and run: curated ones first, then the most used
# Against fewer articles than this, every everyday word is "new": the check waits for an archive (its batches are
# still consumed, so a first crawl into an empty database reports nothing).
MIN_ARCHIVE = 200


def check_new_terms(
    database: Database,
    *,
    run_id: int | None = None,
    vocabulary: Vocabulary | None = None,
    min_archive: int = MIN_ARCHIVE,
) -> dict[str, list[dict[str, Any]]]:
    """Run the check for every active --new-term watch; watch name -> the terms it reports this time."""
    from sqlalchemy import select

    with database.session() as session:
        watches = list(session.scalars(select(Watch).where(Watch.status == "active", Watch.new_term.is_(True))))
    if not watches:
        return {}
    vocabulary = vocabulary or load_vocabulary()
    found: dict[str, list[dict[str, Any]]] = {}
    for watch in watches:
        with database.session() as session:
            found[watch.name] = _check(session, watch, vocabulary, run_id=run_id, min_archive=min_archive)
    return found


def _check(
    session: Any, watch: Watch, vocabulary: Vocabulary, *, run_id: int | None, min_archive: int
) -> list[dict[str, Any]]:
    batch = new_term_batch(session, watch.id, watch.terms_checked_through)
    if not batch:
        return []
    ids = [article_id for _, article_id in batch]
    checked_through = max(match_id for match_id, _ in batch)
    archive = max(article_total(session) - len(ids), 0)
    if archive < min_archive:
        record_terms(session, watch.id, [], checked_through=checked_through)
        return []
    texts = sorted(articles_text(session, ids), key=lambda a: (a[3] is None, a[3] or 0, a[0]))
    uses: Counter[str] = Counter()
    first: dict[str, int] = {}
    for article_id, title, body, _ in texts:  # earliest published first: the first article using each term
        for term in analysis_terms(vocabulary, f"{title}\n{body}"):
            uses[term] += 1
            first.setdefault(term, article_id)
    node = parse_watch_query(watch.query)
    asked = {normalise(literal) for literal in node.literals()} if node is not None else set()
    candidates = sorted(
        (t for t in uses if normalise(t) not in asked), key=lambda t: (t not in vocabulary.terms, -uses[t], t)
    )[:MAX_CANDIDATES]
    rows: list[dict[str, Any]] = []
    for term in candidates:
        try:
            query = Term(term)
            before = articles_using(session, query, besides=ids, at_most=COUNT_CAP)
        except QueryError:
            continue
        share_now = uses[term] * 1000 / len(ids)
        share_before = before * 1000 / archive if archive else 0.0
        if before == 0 and archive:
            rows.append(_row(term, "new", first[term], uses[term], share_before, share_now, run_id))
        elif (
            uses[term] >= MIN_ARTICLES
            and share_now >= JUMP * share_before
            and share_now - share_before >= MIN_SHARE_GAIN
        ):
            earliest = db_search.first_use(session, query, db_search.Filters())
            first_id = earliest[0][0].id if earliest else first[term]
            rows.append(_row(term, "rising", first_id, uses[term], share_before, share_now, run_id))
    rows.sort(key=lambda r: (r["term"] not in vocabulary.terms, -r["articles"], r["term"]))
    rows = rows[:MAX_REPORTED]
    record_terms(session, watch.id, rows, checked_through=checked_through)
    if rows:
        log.info("watch %s: %d new or rising terms", watch.name, len(rows))
    return rows


def _row(
    term: str, change: str, first_article_id: int, articles: int, before: float, now: float, run_id: int | None
) -> dict[str, Any]:
    return {
        "term": term[:100],
        "change": change,
        "first_article_id": first_article_id,
        "articles": articles,
        "share_before": round(before, 2),
        "share_now": round(now, 2),
        "run_id": run_id,
    }
