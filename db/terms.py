"""Curated-term counts per article: written with each article, back-filled for the archive, read by trends.

A trend of a curated term over ten years of a million articles cannot read every matching body to count the
term (at 1M articles that is seconds per term); the counts are made once, when the article is stored, and a
trend is a GROUP BY over article_terms. Counting is exact and per spelling, as the text path counts: the
non-overlapping occurrences of each spelling in the lower-cased title and body, summed per canonical term.

indexed_terms says which terms are complete over the archive and with which spellings. A term the analyst adds
(NEWSMON_TERMS_FILE), or whose spellings change, is counted in new articles at once but read from the text until
`newsmon terms index` has back-filled it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from datetime import datetime
from functools import cache

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from analysis.vocabulary import Vocabulary, load_vocabulary
from db.models import Article, ArticleTerm, IndexedTerm
from db.types import SHANGHAI

log = logging.getLogger(__name__)

SEPARATOR = "|"
CHUNK = 2000


class TermCounter:
    """Counts every curated term of a vocabulary in a text: str.count per spelling, case-insensitive.

    Lower-casing a whole Chinese article costs more than counting all 65 spellings in it (0.1 ms against
    2 µs a spelling), so only spellings with Latin letters are matched ignoring case, by a regex; the rest are
    counted as written. Either way the count is of non-overlapping uses, as the text path counts them.
    """

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.spellings: dict[str, list[str]] = {
            term: [v.lower() for v in vocabulary.variants(term)] for term in vocabulary.terms
        }
        self._plan: list[tuple[str, list[str], list[re.Pattern[str]]]] = []
        for term, spellings in self.spellings.items():
            plain = [s for s in spellings if s and s.lower() == s.upper()]
            cased = [re.compile(re.escape(s), re.IGNORECASE) for s in spellings if s and s.lower() != s.upper()]
            self._plan.append((term, plain, cased))

    def count(self, title: str, body: str) -> dict[str, int]:
        """Canonical term -> occurrences in title and body, for the terms that occur."""
        text = f"{title} {body}"
        counts = {}
        for term, plain, cased in self._plan:
            total = sum(text.count(s) for s in plain) + sum(len(p.findall(text)) for p in cased)
            if total:
                counts[term] = total
        return counts

    def signature(self, term: str) -> str:
        return SEPARATOR.join(self.spellings[term])


@cache
def _counter(extra: str | None) -> TermCounter:
    return TermCounter(load_vocabulary(extra))


def counter() -> TermCounter:
    """The counter of the vocabulary in force (data/terms/ and $NEWSMON_TERMS_FILE), built once per process."""
    return _counter(os.environ.get("NEWSMON_TERMS_FILE"))


def store_term_counts(
    session: Session, article_id: int, title: str, body: str, *, month: str | None, site_id: int
) -> None:
    """Replace the article's term counts (a changed article may have dropped a term)."""
    session.execute(delete(ArticleTerm).where(ArticleTerm.article_id == article_id))
    counts = counter().count(title, body)
    if counts:
        session.execute(
            insert(ArticleTerm),
            [
                {"term": t, "article_id": article_id, "occurrences": n, "published_month": month, "site_id": site_id}
                for t, n in counts.items()
            ],
        )


def indexed_spellings(session: Session) -> dict[str, str]:
    """Term -> the spellings its counts were made with, for the terms complete over the archive."""
    return {term: spellings for term, spellings in session.execute(select(IndexedTerm.term, IndexedTerm.spellings))}


def counted(session: Session, term: str, spellings: list[str]) -> bool:
    """Whether article_terms holds complete counts of this canonical term made with exactly these spellings."""
    return indexed_spellings(session).get(term) == SEPARATOR.join(s.lower() for s in spellings)


def index_terms(session: Session, terms: Iterable[str] | None = None, *, chunk: int = CHUNK) -> dict[str, int]:
    """Count the terms (default: every curated term not yet complete) in every stored article, then mark them
    complete. Returns term -> articles using it. Runs in the caller's transaction, a chunk of articles at a time."""
    tally = counter()
    have = indexed_spellings(session)
    todo = sorted(t for t in (terms if terms is not None else tally.spellings) if have.get(t) != tally.signature(t))
    unknown = [t for t in todo if t not in tally.spellings]
    if unknown:
        raise ValueError(f"not curated terms: {', '.join(unknown)} (add them to a terms file first)")
    if not todo:
        return {}
    wanted = set(todo)
    session.execute(delete(ArticleTerm).where(ArticleTerm.term.in_(todo)))
    used = dict.fromkeys(todo, 0)
    after = 0
    while True:
        rows = session.execute(
            select(Article.id, Article.title, Article.body, Article.published_month, Article.site_id)
            .where(Article.id > after)
            .order_by(Article.id)
            .limit(chunk)
        ).all()
        if not rows:
            break
        batch = []
        for article_id, title, body, month, site_id in rows:
            for term, n in tally.count(title, body).items():
                if term in wanted:
                    batch.append(
                        {"term": term, "article_id": article_id, "occurrences": n, "published_month": month}
                        | {"site_id": site_id}
                    )
                    used[term] += 1
        if batch:
            session.execute(insert(ArticleTerm), batch)
        after = rows[-1][0]
    now = datetime.now(SHANGHAI)
    session.execute(delete(IndexedTerm).where(IndexedTerm.term.in_(todo)))
    session.execute(
        insert(IndexedTerm), [{"term": t, "spellings": tally.signature(t), "indexed_at": now} for t in todo]
    )
    log.info("counted %d curated terms in every stored article (last id %d)", len(todo), after)
    return used
