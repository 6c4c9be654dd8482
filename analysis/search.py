"""Full-text search: parse the query, run it through the index (db/search.py), highlight where it matched."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from db import search as db_search
from db.facets import facet_counts
from db.filters import Filters, copies_passing
from db.queries import article_summary, known_sites
from db.search import SORTS
from ground.kinds import KINDS
from ground.query import CJK, Node, QueryError, parse_query

SNIPPET_CHARS = 120
MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
DEDUPE = ("copies", "reprints")


def check_filters(session: Session, filters: Filters, *, default_dedupe: str = "copies") -> Filters:
    """The filters with the command's dedupe default filled in; an unknown site, kind or dedupe is a QueryError
    that lists the valid ones (a filter nothing can match is a mistake, not an empty answer)."""
    if filters.dedupe is not None and filters.dedupe not in DEDUPE:
        raise QueryError(f"dedupe must be one of {', '.join(DEDUPE)}, not {filters.dedupe!r}")
    check_sites(session, filters.site)
    check_kind(filters.kind)
    return replace(filters, dedupe=filters.dedupe or default_dedupe)


def check_sites(session: Session, sites: str | Sequence[str] | None) -> None:
    """Every site named must be one the database holds, by domain or name."""
    named = [sites] if isinstance(sites, str) else list(sites or ())
    if not named:
        return
    known = known_sites(session)
    unknown = [s for s in named if not any(s in pair for pair in known)]
    if unknown:
        listed = ", ".join(f"{domain} ({name})" for domain, name in known) or "none yet"
        raise QueryError(f"no site {', '.join(map(repr, unknown))} in the database; its sites: {listed}")


def check_kind(kind: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise QueryError(f"no kind {kind!r}; kinds: {', '.join(KINDS)}")


@dataclass(frozen=True)
class SearchPage:
    query: str
    total: int
    limit: int
    offset: int
    hits: list[dict[str, Any]]
    total_exact: bool = True  # False when the search stopped counting: `total` is then a lower bound
    ranked: int | None = None  # how many of the matches are ranked (and can be paged through); None: all

    @property
    def total_text(self) -> str:
        return f"{self.total}" if self.total_exact else f"{self.total}+"

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "total_exact": self.total_exact,
            "ranked": self.ranked,
            "limit": self.limit,
            "offset": self.offset,
            "hits": self.hits,
        }


def search(
    session: Session,
    query_text: str,
    filters: Filters | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    sort: str = "relevance",
) -> SearchPage:
    """One page of articles matching the query, best first or newest first (sort="date"), each with a
    highlighted snippet; an empty query browses the articles passing the filters, newest first. With
    dedupe="reprints" each speech is shown once, its original, with how many copies passed the filters.

    Raises QueryError with a message for the user when the query cannot be run.
    """
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    filters = check_filters(session, filters or Filters())
    node = parse_query(query_text) if query_text.strip() else None
    if node is None:
        found = db_search.browse(session, filters, limit=limit, offset=offset)
    else:
        found = db_search.search(session, node, filters, limit=limit, offset=offset, sort=sort)
    literals = node.literals() if node is not None else []
    ids = [article.id for article, _, _ in found.rows]
    speakers = db_search.speakers_of(session, ids)
    copies = copies_passing(session, ids, filters) if filters.dedupe == "reprints" else {}
    hits = [
        {
            **article_summary(article, site),
            "score": round(score, 4) if found.scored and node is not None else None,
            "title_html": highlight(article.title, literals),
            "snippet": snippet(article.body, literals),
            "speakers": [s["name"] for s in speakers[article.id]],
            **({"copies": copies[article.id]} if copies else {}),
        }
        for article, site, score in found.rows
    ]
    # Fewer ranked than match, or a count that stopped at the ranked window (a phrase on PostgreSQL: 2000+).
    ranked = found.ranked if found.ranked < found.total or not found.exact else None
    return SearchPage(query_text, found.total, limit, offset, hits, found.exact, ranked)


def facets(
    session: Session, query_text: str, filters: Filters | None = None, *, matched: int | None = None
) -> dict[str, list[dict[str, Any]]]:
    """How the articles a search (or a browse, with no query) finds spread over site, 来源, kind, year, speaker
    and organisation, most first: the top speakers, bodies, sites and 来源 for a query. `matched`: how many
    articles the search found (SearchPage.total), if known. Beyond db/facets.py EXACT matches a count may be an
    estimate from a sample of them, marked "estimated"."""
    filters = check_filters(session, filters or Filters())
    node = parse_query(query_text) if query_text.strip() else None
    return facet_counts(session, node, filters, matched=matched)


def literal_pattern(literals: list[str]) -> re.Pattern[str] | None:
    """A regex for the literal text of the query's terms; Chinese may have been split by spaces in quotes."""
    parts = []
    for literal in sorted({lit.strip() for lit in literals if lit.strip()}, key=len, reverse=True):
        literal = re.sub(f"(?<=[{CJK}])\\s+(?=[{CJK}])", "", literal)
        parts.append(r"\s*".join(re.escape(ch) for ch in literal if not ch.isspace()))
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def highlight(text: str, literals: list[str]) -> str:
    """HTML-escaped text with every occurrence of the terms wrapped in <mark>."""
    pattern = literal_pattern(literals)
    if pattern is None:
        return html.escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out += [html.escape(text[last : match.start()]), MARK_OPEN, html.escape(match.group()), MARK_CLOSE]
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def snippet(body: str, literals: list[str], width: int = SNIPPET_CHARS) -> str:
    """About `width` characters of the body around the first occurrence of a term, highlighted (HTML)."""
    pattern = literal_pattern(literals)
    match = pattern.search(body) if pattern else None
    start = 0 if match is None else max(0, match.start() - width // 3)
    end = min(len(body), start + width)
    piece = body[start:end].replace("\n", " ")
    return ("…" if start > 0 else "") + highlight(piece, literals) + ("…" if end < len(body) else "")


def mark_to_rich(fragment: str) -> str:
    """A highlighted HTML fragment as Rich markup for the terminal."""
    from rich.markup import escape

    text = html.unescape(fragment.replace(MARK_OPEN, "\x00").replace(MARK_CLOSE, "\x01"))
    return escape(text).replace("\x00", "[bold yellow]").replace("\x01", "[/]")


def parse(query_text: str) -> Node:
    return parse_query(query_text)
