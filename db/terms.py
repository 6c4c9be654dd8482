"""Curated-term counts per article: written with each article, back-filled for the archive, read by trends.

A trend of a curated term over ten years of a million articles cannot read every matching body to count the
term (at 1M articles that is seconds per term); the counts are made once, when the article is stored, and a
trend is a GROUP BY over article_terms.

One counting rule serves both paths (TermCounter): occurrences of each spelling in the title and body as the
search index sees them (NFKC, lower case: ５Ｇ is 5g), a spelling that begins or ends with a Latin letter or
digit only where the text does not go on with one (5g in 5g网络, not in 15g or 5gb), summed per canonical term.
A term not counted in the database is counted with the same rule in the text of the articles the index finds.

indexed_terms is the source of truth: the writer counts exactly the terms and spellings listed there, and a term
listed there is complete over the archive. A term the analyst adds (NEWSMON_TERMS_FILE), or one whose spellings
change, is read from the text until `newsmon index-terms` has counted it in every stored article.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from db import tables
from db.models import Article, ArticleTerm, IndexedTerm
from db.types import SHANGHAI
from ground.query import normalise
from ground.text import nfkc

log = logging.getLogger(__name__)

SEPARATOR = "|"
CHUNK = 2000
_WORD_CHAR = re.compile("[a-z0-9]", re.IGNORECASE)


class Vocabulary(Protocol):
    """What counting needs of the curated vocabulary (analysis/vocabulary.py): its terms and their spellings."""

    @property
    def terms(self) -> Mapping[str, Any]: ...

    def variants(self, term: str) -> list[str]: ...


def spellings_of(vocabulary: Vocabulary, term: str) -> list[str]:
    """The spellings counted for a term, as the index sees them."""
    return [normalise(v) for v in vocabulary.variants(term)]


class TermCounter:
    """Counts terms in a text by the one rule above.

    Spellings without a Latin letter or digit are counted with str.count on the NFKC text (2 µs a spelling for
    2,000 characters; case does not apply to them, and lower-casing a Chinese article costs more than counting
    every spelling in it); the others with a case-insensitive regex that also checks where words end.
    """

    def __init__(self, spellings: dict[str, list[str]]) -> None:
        self._plain: list[tuple[str, str]] = []
        self._latin: list[tuple[str, re.Pattern[str]]] = []
        for term, forms in spellings.items():
            for form in forms:
                if form and _WORD_CHAR.search(form):
                    self._latin.append((term, _edged(form)))
                elif form:
                    self._plain.append((term, form))

    def count(self, title: str, body: str) -> dict[str, int]:
        """Canonical term -> occurrences in title and body, for the terms that occur."""
        text = nfkc(f"{title}\n{body}")
        counts: dict[str, int] = {}
        for (term, _), n in zip(self._plain, [text.count(form) for _, form in self._plain], strict=True):
            if n:
                counts[term] = counts.get(term, 0) + n
        for term, pattern in self._latin:
            n = len(pattern.findall(text))
            if n:
                counts[term] = counts.get(term, 0) + n
        return counts


def _edged(spelling: str) -> re.Pattern[str]:
    before = "(?<![a-z0-9])" if _WORD_CHAR.match(spelling[0]) else ""
    after = "(?![a-z0-9])" if _WORD_CHAR.match(spelling[-1]) else ""
    return re.compile(before + re.escape(spelling) + after, re.IGNORECASE | re.ASCII)


@lru_cache(maxsize=16)
def _counter(spellings: tuple[tuple[str, str], ...]) -> TermCounter:
    return TermCounter({term: joined.split(SEPARATOR) for term, joined in spellings})


def counter_for(spellings: dict[str, list[str]]) -> TermCounter:
    return _counter(tuple(sorted((t, SEPARATOR.join(s)) for t, s in spellings.items())))


def indexed_spellings(session: Session) -> dict[str, str]:
    """Term -> the spellings ('|'-joined) it is counted with, for the terms complete over the archive."""
    return {term: spellings for term, spellings in session.connection().execute(_INDEXED)}


_INDEXED = select(IndexedTerm.term, IndexedTerm.spellings)
_ADD_COUNTS = insert(tables.article_terms)
_ADD_COUNTS_UNNEST = text(
    "INSERT INTO article_terms (term, article_id, occurrences, published_month, site_id) "
    "SELECT t, CAST(:article_id AS integer), n, CAST(:month AS varchar), CAST(:site_id AS integer) "
    "FROM unnest(CAST(:terms AS varchar[]), CAST(:occurrences AS integer[])) AS u(t, n)"
)


def counted(session: Session, term: str, spellings: list[str]) -> bool:
    """Whether article_terms holds complete counts of this canonical term made with exactly these spellings."""
    return indexed_spellings(session).get(term) == SEPARATOR.join(normalise(s) for s in spellings)


def store_term_counts(
    session: Session, article_id: int, title: str, body: str, *, month: str | None, site_id: int, new: bool = False
) -> None:
    """Write the article's counts of the indexed terms, replacing any it had (a changed article may have
    dropped a term). Read per transaction, so a long crawl counts a term from the moment it is indexed."""
    if not new:
        session.connection().execute(delete(ArticleTerm).where(ArticleTerm.article_id == article_id))
    indexed = indexed_spellings(session)
    if not indexed:
        return
    counts = _counter(tuple(sorted(indexed.items()))).count(title, body)
    if counts and session.get_bind().dialect.name == "postgresql":
        # One statement for all the rows (an executemany runs one INSERT per row on the server).
        session.connection().execute(
            _ADD_COUNTS_UNNEST,
            {
                "terms": list(counts),
                "occurrences": list(counts.values()),
                "article_id": article_id,
                "month": month,
                "site_id": site_id,
            },
        )
    elif counts:
        session.connection().execute(
            _ADD_COUNTS,
            [
                {"term": t, "article_id": article_id, "occurrences": n, "published_month": month, "site_id": site_id}
                for t, n in counts.items()
            ],
        )


def index_terms(
    session: Session,
    vocabulary: Vocabulary,
    terms: Iterable[str] | None = None,
    *,
    chunk: int = CHUNK,
    commit: Callable[[], None] | None = None,
) -> dict[str, int]:
    """Count the vocabulary's terms (default: every one not yet indexed with its current spellings) in every
    stored article, then list them in indexed_terms. Returns term -> articles using it.

    With `commit`, it is called after each chunk of articles, so a crawl can write meanwhile (on SQLite one
    transaction over the archive would hold the write lock for minutes); the terms are listed at the end.
    Articles stored meanwhile are counted by the pass too, as their ids come after the ones already read; one
    re-stored as changed behind the pass loses these terms' counts until the next run (the writer counts only
    listed terms).
    """
    have = indexed_spellings(session)
    wanted = {t: spellings_of(vocabulary, t) for t in (terms if terms is not None else vocabulary.terms)}
    unknown = [t for t in wanted if t not in vocabulary.terms]
    if unknown:
        raise ValueError(f"not curated terms: {', '.join(unknown)} (add them to a terms file first)")
    todo = {t: s for t, s in sorted(wanted.items()) if have.get(t) != SEPARATOR.join(s)}
    if not todo:
        return {}
    tally = TermCounter(todo)
    # Unlisted first: from here the writer no longer counts them, and their old rows go.
    session.execute(delete(IndexedTerm).where(IndexedTerm.term.in_(todo)))
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
                batch.append({"term": term, "article_id": article_id, "occurrences": n, "published_month": month})
                batch[-1]["site_id"] = site_id
                used[term] += 1
        if batch:
            session.execute(insert(ArticleTerm), batch)
        after = rows[-1][0]
        if commit is not None:
            commit()
    now = datetime.now(SHANGHAI)
    session.execute(
        insert(IndexedTerm), [{"term": t, "spellings": SEPARATOR.join(s), "indexed_at": now} for t, s in todo.items()]
    )
    if commit is not None:
        commit()
    log.info("counted %d curated terms in every stored article (last id %d)", len(todo), after)
    return used
