"""Terms in context: the sentences that hold a term (or a query's words), with the date, site and speaker of each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from analysis.search import check_filters, highlight, literal_pattern
from db import search as db_search
from db.filters import Filters
from db.limits import check
from db.queries import article_summary
from ground.query import QueryError, parse_query

# A sentence ends at 。！？；, their Latin forms, or a line break; its closing quote stays with it.
SENTENCE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+[”’」』）)]?)?")
ORDERS = ("newest", "oldest")
PAGE = 50  # articles read at a time
CONTEXT_COLUMNS = ["published_at", "site_name", "speaker", "sentence", "title", "id", "url"]


@dataclass(frozen=True)
class Contexts:
    query: str
    order: str
    articles: int  # how many articles match
    rows: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "order": self.order, "articles": self.articles, "sentences": self.rows}


def sentences_with(body: str, query_text: str) -> list[str]:
    """The sentences of the body holding any of the query's words, in order, stripped."""
    pattern = literal_pattern(parse_query(query_text).literals())
    if pattern is None:
        return []
    return [m.group().strip() for m in SENTENCE.finditer(body) if pattern.search(m.group())]


def contexts(
    session: Session, query_text: str, filters: Filters | None = None, *, order: str = "newest", limit: int = 50
) -> Contexts:
    """Up to `limit` sentences holding the query's words from the matching articles, newest or oldest article
    first; each speech once by default (dedupe="copies" reads every copy)."""
    if order not in ORDERS:
        raise QueryError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    if not query_text.strip():
        raise QueryError("give a term to read in context")
    filters = check_filters(session, filters or Filters(), default_dedupe="reprints")
    node = parse_query(query_text)
    literals = node.literals()
    sort = "date" if order == "newest" else "oldest"
    rows: list[dict[str, Any]] = []
    offset, total = 0, 0
    while len(rows) < limit:
        found = db_search.search(session, node, filters, limit=PAGE, offset=offset, sort=sort)
        total = found.total
        speakers = db_search.speakers_of(session, [a.id for a, _, _ in found.rows])
        for article, site, _ in found.rows:
            check(session)  # the sentences are cut in Python, where no statement's time limit runs
            summary = article_summary(article, site)
            for sentence in sentences_with(article.body, query_text):
                rows.append(
                    {
                        **summary,
                        "speaker": "、".join(s["name"] for s in speakers[article.id]) or None,
                        "sentence": sentence,
                        "sentence_html": highlight(sentence, literals),
                    }
                )
        offset += PAGE
        if offset >= found.total or not found.rows:
            break
    return Contexts(query_text, order, total, rows[:limit])
