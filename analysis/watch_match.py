"""Watches matched at ingest: every active watch compiled once into one matcher, each new article tested in memory.

A watch's query is parsed by search's own parser (db/fts.py) and matched on the same tokens the full-text index
holds (bigrams of Chinese, Latin words), so a watch matches an article exactly when search would find it: a term is
its tokens at consecutive positions in the title or in the body (as FTS5 matches a phrase within one column), a
lone Chinese character a prefix of a token, AND/OR/NOT as in search. The filters are search's too (site by domain or
name, kind, speaker, org with its departments).

No query is run per watch: each watch is filed under one token it cannot match without (a rare bigram of one of its
AND'ed terms, one per alternative of an OR), and an article is tested only against the watches filed under a
token it holds. The token set and the joined token strings are computed once per article.
"""

from __future__ import annotations

import logging
import re
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from analysis.search import _pattern
from db.fts import And, Node, Not, Or, Term, document_tokens, parse_query, query_tokens
from db.queries import organisation_ids
from db.watches import active_watches, article_speakers, record_matches, watches_version

if TYPE_CHECKING:
    from crawler.attribution import Attribution
    from crawler.extraction.record import Extracted
    from db.store import Stored
    from db.watch_models import Watch

log = logging.getLogger(__name__)

SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
SENTENCE_CHARS = 300


def parse_watch_query(query: str) -> Node | None:
    """The watch's query as search parses it; an empty query (a watch of filters alone) is None."""
    return parse_query(query) if query.strip() else None


@dataclass(frozen=True)
class Text:
    """An article's title and body as the index tokenises them, joined by spaces and framed by them, so that a
    term is a substring test: " 数字 字政 政府 " (a prefix term leaves the frame open at its end)."""

    title: str
    body: str
    tokens: frozenset[str]

    @classmethod
    def of(cls, title: str, body: str) -> Text:
        title_tokens, body_tokens = document_tokens(title), document_tokens(body)
        return cls(
            " " + " ".join(title_tokens) + " ",
            " " + " ".join(body_tokens) + " ",
            frozenset(title_tokens) | frozenset(body_tokens),
        )


def _needle(term: Term) -> str:
    tokens, prefix = query_tokens(term.text)
    return " " + " ".join(tokens) + ("" if prefix else " ")


def holds(node: Node, text: Text) -> bool:
    """Whether the query matches the text, as the full-text index would answer it."""
    if isinstance(node, Term):
        needle = _needle(node)
        return needle in text.title or needle in text.body
    if isinstance(node, And):
        return all(not holds(c.child, text) if isinstance(c, Not) else holds(c, text) for c in node.children)
    if isinstance(node, Or):
        return any(holds(c, text) for c in node.children)
    raise AssertionError(f"a query cannot be {node!r} alone")


# Anchors: ("t", token) an article must hold, or ("p", character) a token of it must start with.
Anchor = tuple[str, str]


def anchors(node: Node) -> set[Anchor]:
    """Tokens one of which every article the query matches holds: the watch is tested only on such articles."""
    if isinstance(node, Term):
        tokens, prefix = query_tokens(node.text)
        whole = tokens[:-1] if prefix else tokens
        if not whole:
            return {("p", tokens[-1])}
        # A bigram before a Latin word, then the longest: the rarest token is the one we can guess best without
        # statistics (a run's unigram or a short word is common).
        return {("t", max(whole, key=lambda t: (len(t) == 2 and not t.isascii(), len(t), t)))}
    if isinstance(node, And):
        sets = [anchors(c) for c in node.children if not isinstance(c, Not)]
        return min(sets, key=len)
    if isinstance(node, Or):
        return set().union(*(anchors(c) for c in node.children))
    raise AssertionError(f"a query cannot be {node!r} alone")


@dataclass(frozen=True)
class CompiledWatch:
    id: int
    name: str
    node: Node | None
    site: str | None
    speaker: str | None
    org: str | None
    kind: str | None
    literals: tuple[str, ...]

    @classmethod
    def of(cls, watch: Watch) -> CompiledWatch:
        node = parse_watch_query(watch.query)
        literals = tuple(node.literals()) if node is not None else ()
        return cls(watch.id, watch.name, node, watch.site, watch.speaker, watch.org, watch.kind, literals)


@dataclass
class Article:
    """What the matcher reads of an article being stored."""

    id: int
    title: str
    body: str
    site: str
    site_name: str | None
    kind: str | None


@dataclass
class Matcher:
    """Every active watch, filed by anchor; built once and reused for every article until a watch changes."""

    by_token: dict[str, list[CompiledWatch]] = field(default_factory=dict)
    by_prefix: dict[str, list[CompiledWatch]] = field(default_factory=dict)
    always: list[CompiledWatch] = field(default_factory=list)  # watches of filters alone
    # Standing --new-term watches (no query, no filter): they read every article for its terms; their matches
    # are not sent as such.
    terms_only: set[int] = field(default_factory=set)
    count: int = 0

    @classmethod
    def compile(cls, watches: Iterable[Watch]) -> Matcher:
        matcher = cls()
        for watch in watches:
            try:
                compiled = CompiledWatch.of(watch)
            except ValueError as error:  # a query saved before the language changed: skipped, said once
                log.error("watch %s cannot be matched: %s", watch.name, error)
                continue
            matcher.count += 1
            if compiled.node is None:
                matcher.always.append(compiled)
                if not (watch.site or watch.speaker or watch.org or watch.kind):
                    matcher.terms_only.add(watch.id)
                continue
            for kind, token in anchors(compiled.node):
                filed = matcher.by_token if kind == "t" else matcher.by_prefix
                filed.setdefault(token, []).append(compiled)
        return matcher

    def candidates(self, text: Text) -> list[CompiledWatch]:
        found: dict[int, CompiledWatch] = {w.id: w for w in self.always}
        tokens = text.tokens
        if len(self.by_token) < len(tokens):
            hits = [watches for token, watches in self.by_token.items() if token in tokens]
        else:
            hits = [self.by_token[token] for token in tokens if token in self.by_token]
        if self.by_prefix:
            starts = {token[0] for token in tokens}
            hits += [watches for char, watches in self.by_prefix.items() if char in starts]
        for watches in hits:
            for watch in watches:
                found[watch.id] = watch
        return list(found.values())

    def match(self, session: Session, article: Article) -> dict[int, str]:
        """watch id -> the sentence that matched, for every watch matching the article (text, then filters)."""
        if self.count == 0:
            return {}
        text = Text.of(article.title, article.body)
        found: dict[int, str] = {}
        speakers: list[tuple[str, int | None]] | None = None
        for watch in self.candidates(text):
            if watch.node is not None and not holds(watch.node, text):
                continue
            if watch.site and watch.site not in (article.site, article.site_name):
                continue
            if watch.kind and watch.kind != article.kind:
                continue
            if watch.speaker or watch.org:
                if speakers is None:
                    speakers = article_speakers(session, article.id)
                if watch.speaker and watch.speaker not in {name for name, _ in speakers}:
                    continue
                if watch.org and not set(organisation_ids(session, watch.org)) & {org for _, org in speakers}:
                    continue
            found[watch.id] = matching_sentence(article.title, article.body, watch.literals)
        return found


def matching_sentence(title: str, body: str, literals: Iterable[str]) -> str:
    """The first sentence of the body where a term of the query stands (else the title, else the lead)."""
    pattern = _pattern(list(literals))
    sentences = [s.strip() for s in SENTENCE.findall(body) if s.strip()]
    chosen = None
    if pattern is not None:
        chosen = next((s for s in sentences if pattern.search(s)), None)
        if chosen is None and pattern.search(title):
            chosen = title
    chosen = chosen or (sentences[0] if sentences else title)
    return chosen if len(chosen) <= SENTENCE_CHARS else chosen[:SENTENCE_CHARS] + "…"


# One compiled matcher per engine (a crawl's writer threads share it), recompiled when a watch changes: the only
# per-article cost without watches is the one-row version query.
_MATCHERS: weakref.WeakKeyDictionary[Engine, tuple[tuple[int, Any], Matcher]] = weakref.WeakKeyDictionary()


def matcher_for(session: Session) -> Matcher:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    version = watches_version(session)
    cached = _MATCHERS.get(engine)
    if cached is not None and cached[0] == version:
        return cached[1]
    started = time.perf_counter()
    matcher = Matcher.compile(active_watches(session) if version[0] else [])
    _MATCHERS[engine] = (version, matcher)
    if matcher.count:
        log.info("%d watches compiled in %.1f ms", matcher.count, (time.perf_counter() - started) * 1000)
    return matcher


def match_watches(
    session: Session,
    stored: Stored,
    record: Extracted,
    attribution: Attribution | None = None,
    *,
    run_id: int | None = None,
) -> int:
    """The ingest hook, in the article's transaction after it is stored (and its reprints matched): record the
    watches it matches. An unchanged article (a re-crawl) is not matched again; a changed one may match more."""
    if stored.outcome == "unchanged" or not record.title or not record.body:
        return 0
    matcher = matcher_for(session)
    if matcher.count == 0:
        return 0
    from crawler.extraction.sites import site_name

    article = Article(
        stored.article_id,
        record.title,
        record.body,
        record.site,
        site_name(record.site),
        attribution.kind if attribution is not None else None,
    )
    found = matcher.match(session, article)
    return record_matches(session, stored.article_id, found, run_id=run_id, quiet=matcher.terms_only)


NAME = re.compile(r"^[^\s/\\?#%]{1,100}$")


def create_watch(
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
    """Check and save a watch: the query must parse as a search query (or be empty with a filter or --new-term),
    the kind be an attribution kind, the name fit in a URL path segment (its feed is /watch/NAME.atom).

    Raises QueryError or WatchError (both ValueError) with a message for the user. Matching starts with the next
    article stored: the archive is what search is for."""
    from crawler.attribution.model import KINDS
    from db.fts import QueryError
    from db.watches import WatchError, add_watch

    if not NAME.match(name):
        raise WatchError("a watch name is 1–100 characters without spaces, /, \\, ?, # or %")
    parse_watch_query(query)
    if not query.strip() and not (site or speaker or org or kind or new_term):
        raise QueryError("a watch needs a query, a filter (--site, --speaker, --org, --kind) or --new-term")
    if kind and kind not in KINDS:
        raise QueryError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return add_watch(session, name, query.strip(), site=site, speaker=speaker, org=org, kind=kind, new_term=new_term)
