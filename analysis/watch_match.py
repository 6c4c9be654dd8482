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
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from analysis.search import literal_pattern
from db.filters import organisation_ids
from db.watches import active_watches, article_speakers, record_matches, watches_version
from ground.query import (
    CJK,
    CJK_RUN,
    RUN,
    And,
    Node,
    Not,
    Or,
    Term,
    document_tokens,
    normalise,
    parse_query,
    query_tokens,
)

if TYPE_CHECKING:
    from attribution import Attribution
    from db.articles import Stored
    from db.watch_models import Watch
    from ground.article import Extracted

log = logging.getLogger(__name__)

SENTENCE_END = ("。", "！", "？", "!", "?", "；", ";", "\n")
SENTENCE_CHARS = 300


def parse_watch_query(query: str) -> Node | None:
    """The watch's query as search parses it; an empty query (a watch of filters alone) is None."""
    return parse_query(query) if query.strip() else None


class Text:
    """An article's title and body normalised as the index sees them (NFKC, lower case); their index tokens joined
    by spaces (" 数字 字政 政府 ", for the terms that need them) computed on first use, once per article."""

    def __init__(self, title: str, body: str) -> None:
        self.title = normalise(title)
        self.body = normalise(body)

    @classmethod
    def of(cls, title: str, body: str) -> Text:
        return cls(title, body)

    @cached_property
    def joined(self) -> tuple[str, str]:
        return (
            " " + " ".join(document_tokens(self.title)) + " ",
            " " + " ".join(document_tokens(self.body)) + " ",
        )


# A query compiled for matching: ("sub", text) a term that is one run of Chinese, matched as a substring of the
# normalised text (its bigrams at consecutive positions are exactly its characters side by side in one run, and a
# lone character is a prefix of a token exactly where it stands); ("tok", needle) any other term, matched in the
# joined tokens (a prefix term leaves the needle open at its end; its tokens and runs kept too); ("and", positive,
# negated); ("or", children, ()).
Compiled = tuple[str, Any, Any]


def compile_term(term: Term) -> Compiled:
    text = re.sub(f"(?<=[{CJK}])\\s+(?=[{CJK}])", "", normalise(term.text))
    runs = RUN.findall(text)
    if len(runs) == 1 and CJK_RUN.match(runs[0]):
        return ("sub", runs[0], None)
    tokens, prefix = query_tokens(term.text)
    return ("tok", " " + " ".join(tokens) + ("" if prefix else " "), (tuple(tokens), tuple(runs)))


def compile_query(node: Node) -> Compiled:
    """The query with each term's test computed once (tokenising a term costs more than testing it)."""
    if isinstance(node, Term):
        return compile_term(node)
    if isinstance(node, And):
        positive = tuple(compile_query(c) for c in node.children if not isinstance(c, Not))
        negated = tuple(compile_query(c.child) for c in node.children if isinstance(c, Not))
        return ("and", positive, negated)
    if isinstance(node, Or):
        return ("or", tuple(compile_query(c) for c in node.children), ())
    raise AssertionError(f"a query cannot be {node!r} alone")


def _holds(query: Compiled, text: Text) -> bool:
    operator_, first, second = query
    if operator_ == "sub":
        return first in text.title or first in text.body
    if operator_ == "tok":
        # Each run of the term stands in the text wherever the term does: tokenise the text only if they all do.
        if not all(run in text.title or run in text.body for run in second[1]):
            return False
        title, body = text.joined
        return first in title or first in body
    if operator_ == "and":
        return all(_holds(c, text) for c in first) and not any(_holds(c, text) for c in second)
    return any(_holds(c, text) for c in first)


def holds(node: Node | Compiled, text: Text) -> bool:
    """Whether the query matches the text, as the full-text index would answer it."""
    query = node if isinstance(node, tuple) else compile_query(node)
    return _holds(query, text)


# Anchors: ("pair", two characters) the normalised text must hold side by side (looked up in its set of pairs), or
# ("in", text) it must contain (a lone character, a Latin word: tested with `in`).
Anchor = tuple[str, str]


def _pair(run: str) -> str:
    # The middle pair: it crosses the words of a formulation (数字政府 → 字政), rarer than either word.
    middle = len(run) // 2
    return run[middle - 1 : middle + 1]


def anchors(node: Node | Compiled) -> set[Anchor]:
    """What every article the query matches holds: the watch is tested only on articles holding one of them."""
    query = node if isinstance(node, tuple) else compile_query(node)
    operator_, first, second = query
    if operator_ == "sub":
        return {("pair", _pair(first))} if len(first) > 1 else {("in", first)}
    if operator_ == "tok":
        pairs = [t for t in second[0] if len(t) == 2 and CJK_RUN.match(t)]
        if pairs:
            return {("pair", pairs[len(pairs) // 2])}
        return {("in", max(second[0], key=len))}
    if operator_ == "and":
        return min((anchors(c) for c in first), key=len)
    return set().union(*(anchors(c) for c in first))


@dataclass(frozen=True)
class CompiledWatch:
    id: int
    name: str
    node: Node | None
    query: Compiled | None
    site: str | None
    speaker: str | None
    org: str | None
    kind: str | None
    pattern: re.Pattern[str] | None  # the query's terms in the text, for the matching sentence

    @classmethod
    def of(cls, watch: Watch) -> CompiledWatch:
        node = parse_watch_query(watch.query)
        query = compile_query(node) if node is not None else None
        pattern = literal_pattern(node.literals()) if node is not None else None
        return cls(watch.id, watch.name, node, query, watch.site, watch.speaker, watch.org, watch.kind, pattern)


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

    by_pair: dict[str, list[CompiledWatch]] = field(default_factory=dict)
    by_text: dict[str, list[CompiledWatch]] = field(default_factory=dict)
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
            if compiled.query is None:
                matcher.always.append(compiled)
                if not (watch.site or watch.speaker or watch.org or watch.kind):
                    matcher.terms_only.add(watch.id)
                continue
            for kind, key in anchors(compiled.query):
                filed = matcher.by_pair if kind == "pair" else matcher.by_text
                filed.setdefault(key, []).append(compiled)
        return matcher

    @cached_property
    def _pair_search(self) -> tuple[re.Pattern[str], list[str]]:
        """One regex finding every anchor pair in a pass (its first characters are a set the engine skips by), and
        the pairs it can miss: findall does not overlap, so a pair is missed only right after another pair ending
        with its first character (字政 in 数字政 when 数字 is an anchor too); those are searched for one by one."""
        pairs = sorted(self.by_pair)
        pattern = re.compile("|".join(map(re.escape, pairs)))
        last = {pair[1] for pair in pairs}
        return pattern, [pair for pair in pairs if pair[0] in last]

    def candidates(self, text: Text) -> list[CompiledWatch]:
        found: dict[int, CompiledWatch] = {w.id: w for w in self.always}
        hits: list[list[CompiledWatch]] = []
        if self.by_pair:
            pattern, overlapping = self._pair_search
            held = set(pattern.findall(text.title)) | set(pattern.findall(text.body))
            held |= {pair for pair in overlapping if pair not in held and (pair in text.body or pair in text.title)}
            hits += [self.by_pair[pair] for pair in held]
        hits += [w for key, w in self.by_text.items() if key in text.title or key in text.body]
        for watches in hits:
            for watch in watches:
                found[watch.id] = watch
        return list(found.values())

    def match(self, session: Session, article: Article) -> dict[int, str]:
        """watch id -> the sentence that matched, for every watch matching the article (text, then filters)."""
        if self.count == 0:
            return {}
        text = Text(article.title, article.body)
        found: dict[int, str] = {}
        speakers: list[tuple[str, int | None]] | None = None
        for watch in self.candidates(text):
            if watch.query is not None and not _holds(watch.query, text):
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
            found[watch.id] = sentence_of(article.title, article.body, watch.pattern)
        return found


def matching_sentence(title: str, body: str, literals: Iterable[str]) -> str:
    """The first sentence of the body where a term of the query stands (else the title, else the lead)."""
    return sentence_of(title, body, literal_pattern(list(literals)))


def sentence_of(title: str, body: str, pattern: re.Pattern[str] | None) -> str:
    match = pattern.search(body) if pattern is not None else None
    if match is None and pattern is not None and pattern.search(title):
        return _short(title)
    at = match.start() if match is not None else 0
    start = max((body.rfind(mark, 0, at) for mark in SENTENCE_END), default=-1) + 1
    ends = [i for i in (body.find(mark, at) for mark in SENTENCE_END) if i >= 0]
    # A sentence ending in 。” leaves the closing quote to the next one: not where a sentence starts.
    chosen = body[start : min(ends) + 1 if ends else len(body)].strip().lstrip("”’」』）)]】 ")
    return _short(chosen or title)


def _short(text: str) -> str:
    return text if len(text) <= SENTENCE_CHARS else text[:SENTENCE_CHARS] + "…"


# One compiled matcher per engine (a crawl's writer threads share it), recompiled when a watch changes. Whether one
# changed is asked of the database at most every VERSION_EVERY seconds (a watch added or paused elsewhere applies
# to a running crawl within that time), and at once after this process changed one (db.watches.generation).
VERSION_EVERY = 1.0


@dataclass
class _Cached:
    version: tuple[int, Any]
    generation: int
    checked: float
    matcher: Matcher


_MATCHERS: weakref.WeakKeyDictionary[Engine, _Cached] = weakref.WeakKeyDictionary()


def matcher_for(session: Session) -> Matcher:
    from db import watches

    engine = session.get_bind()
    assert isinstance(engine, Engine)
    now = time.monotonic()
    cached = _MATCHERS.get(engine)
    if cached is not None and cached.generation == watches.generation and now - cached.checked < VERSION_EVERY:
        return cached.matcher
    version = watches_version(session)
    if cached is not None and cached.version == version:
        cached.checked, cached.generation = now, watches.generation
        return cached.matcher
    started = time.perf_counter()
    matcher = Matcher.compile(active_watches(session) if version[0] else [])
    _MATCHERS[engine] = _Cached(version, watches.generation, now, matcher)
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
    from ground.sites import site_name

    article = Article(
        stored.article_id,
        record.title,
        record.body,
        record.site,
        site_name(record.site),
        attribution.kind if attribution is not None else None,
    )
    try:
        found = matcher.match(session, article)
    except Exception:
        # A watch that cannot be tested must not cost the article its transaction: the article is kept, unmatched.
        log.exception("watches could not be matched against article %d", stored.article_id)
        return 0
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
    from db.watches import WatchError, add_watch
    from ground.query import QueryError
    from ground.speech import KINDS

    if not NAME.match(name):
        raise WatchError("a watch name is 1–100 characters without spaces, /, \\, ?, # or %")
    parse_watch_query(query)
    if not query.strip() and not (site or speaker or org or kind or new_term):
        raise QueryError("a watch needs a query, a filter (--site, --speaker, --org, --kind) or --new-term")
    if kind and kind not in KINDS:
        raise QueryError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return add_watch(session, name, query.strip(), site=site, speaker=speaker, org=org, kind=kind, new_term=new_term)
