"""The FTS5 query a search is ranked by (SQLite): BM25 scoring a phrase the way Lucene does, cheaply.

FTS5's bm25() computes each phrase's document frequency by matching the phrase over the whole index: for a
common phrase of common bigrams (政务服务: 政务 务服 服务) that is 0.1–0.2 s at a million articles, however few
rows are scored. The search itself stays exact (db/search.py matches the query as written); only the ranking
is computed over a rewritten query in which each phrase becomes a NEAR group of its bigrams:

    "政务 务服 服务"   →   NEAR("政务" "务服", 0)

FTS5 counts a single token's documents by reading its document list alone (no positions compared), and NEAR
keeps only the occurrences of each bigram that stand together as in the phrase, so a matched article scores
    sum over the phrase's bigrams t of  IDF(t) · f · (k1 + 1) / (f + k1 · (1 − b + b · |D| / avgdl))
with f the phrase's (column-weighted) frequency: BM25 as Lucene applies it to a phrase (its IDF is the sum
of its terms' IDFs), with FTS5's k1, b, IDF and column weights. Bigrams in at least half the articles are
left out: FTS5 floors their IDF (≤ 0) to 1e-6, so they add nothing to a score, yet reading their document
lists (服务, 政府: nearly every benchmark article) costs the most; the price is that they no longer hold the
phrase together where f is counted (数字政府 is scored as 数字政…). Whether a bigram is that common is estimated
from the SAMPLE most recently stored articles (exact when there are no more). NOT branches are left out too: an
article the query matches has no occurrence of them, so they add nothing to its score either.

A query with no phrase of several bigrams and no NOT is its own rewrite: ranked by bm25() as it is matched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

from ground.query import And, Node, Not, Or, Term, query_tokens

if TYPE_CHECKING:
    from db.types import Reader

# Articles (the most recently stored) in which a bigram's share is estimated.
SAMPLE = 20_000
# A bigram in at least this share of the articles has an IDF of at most 0 (FTS5 makes it 1e-6): left out.
COMMON = 0.5


def ranking_query(session: Reader, query: Node) -> str:
    """The FTS5 expression whose bm25() ranks the articles `query` matches (see the module docstring)."""
    return _Rewriter(session).rewrite(query)


class _Rewriter:
    def __init__(self, session: Reader) -> None:
        self.session = session
        self._floor: tuple[int, int] | None = None
        self._shares: dict[str, float] = {}

    def rewrite(self, node: Node) -> str:
        if isinstance(node, Term):
            return self._term(node)
        if isinstance(node, Or):
            return "(" + " OR ".join(self.rewrite(c) for c in node.children) + ")"
        if isinstance(node, And):
            positive = [c for c in node.children if not isinstance(c, Not)]
            if len(positive) == 1:
                return self.rewrite(positive[0])
            return "(" + " AND ".join(self.rewrite(c) for c in positive) + ")"
        return node.fts5()  # raises QueryError: a NOT needs something to exclude from

    def _term(self, term: Term) -> str:
        tokens, prefix = query_tokens(term.text)
        if prefix or len(tokens) < 2:
            return term.fts5()  # one token (or a prefix): its document list is all there is to read
        first: dict[str, int] = {}
        for position, token in enumerate(tokens):
            first.setdefault(token, position)
        kept = [t for t in first if self._share(t) < COMMON]
        if not kept:  # every bigram is everywhere: keep the least common, a score needs one term
            kept = [min(first, key=self._share)]
        if len(kept) == 1:
            return _quoted(kept[0])
        positions = [first[t] for t in kept]
        between = max(positions) - min(positions) - 1
        return f"NEAR({' '.join(_quoted(t) for t in kept)}, {between})"

    def _share(self, token: str) -> float:
        """The share of the sampled articles that contain the token."""
        if token not in self._shares:
            low, size = self._sample()
            found = self.session.scalar(
                text("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH :t AND rowid > :low"),
                {"t": _quoted(token), "low": low},
            )
            self._shares[token] = (found or 0) / max(size, 1)
        return self._shares[token]

    def _sample(self) -> tuple[int, int]:
        """(rowid below the sample, articles in it): the SAMPLE most recently stored articles, or all."""
        if self._floor is None:
            # FTS5's table of per-article token counts: one small row an article, the quickest to step through.
            recent = text("SELECT id FROM articles_fts_docsize ORDER BY id DESC LIMIT 1 OFFSET :n")
            low = self.session.scalar(recent, {"n": SAMPLE})
            if low is None:
                size = self.session.scalar(text("SELECT count(*) FROM articles_fts_docsize")) or 0
                self._floor = (0, size)
            else:
                self._floor = (low, SAMPLE)
        return self._floor


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'
