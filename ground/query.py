"""The query language and the tokens it is matched by: Chinese as overlapping character bigrams, Latin letters
and digits as words.

Search indexes bigrams, not jieba words (bench/segmentation.py measured bigrams ~100× faster than jieba, and
they need no dictionary: a term coined next year is found the day it appears). A phrase query is the
sequence of its bigrams at consecutive positions, so 数字政府 matches only where the four characters stand
together, never 数字 … 政府 apart. Each run of Chinese also ends with its last character alone, so a
one-character query (prefix match on the bigrams plus that unigram) finds every occurrence.

A query is words and "quoted phrases", OR, NOT (or -word) and brackets; parse_query() turns it into a tree whose
nodes write themselves as an FTS5 MATCH (SQLite) or a tsquery (PostgreSQL). db/fts.py holds the SQL side.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass

from ground.text import half_width

# CJK Unified Ideographs, Extension A and Compatibility Ideographs; everything else separates runs.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUN = re.compile(f"[{CJK}]+|[a-z0-9]+")
CJK_RUN = re.compile(f"^[{CJK}]")


def normalise(text: str) -> str:
    """NFKC (full-width Ａ１ → a1) and lower case, as the index sees text, one character at a time.

    Character by character (a combining accent is not composed with the letter before it) because that is what
    SQL can do with a table of folds; on text that is already NFKC, as nearly all text is, it is plain NFKC.
    """
    if not unicodedata.is_normalized("NFKC", text):
        text = half_width(text)  # what NFKC changes in almost every Chinese page, one for one
        if not unicodedata.is_normalized("NFKC", text):
            text = "".join(unicodedata.normalize("NFKC", char) for char in text)
    return text.lower()


def document_tokens(text: str | None) -> list[str]:
    """Tokens of a title or body in index order: bigrams of each Chinese run, then its last character."""
    tokens: list[str] = []
    for run in RUN.findall(normalise(text or "")):
        if CJK_RUN.match(run):
            # map(add) pairs neighbours in C: about twice as fast as slicing (this runs on every ingest).
            tokens.extend(map(operator.add, run, run[1:]))
            tokens.append(run[-1])
        else:
            tokens.append(run)
    return tokens


def query_tokens(text: str) -> tuple[list[str], bool]:
    """Tokens a query term must match at consecutive positions, and whether the last one is a prefix.

    A term is tokenised as a document is, so that 互联网+政务服务 lines up with the index, except that the
    final run's trailing unigram is dropped (the document goes on after the term: 数字政府建设 has no 府
    unigram after 政府). A term ending in a lone Chinese character matches it as a prefix, which finds it
    both as the start of a bigram and as a run's last character. Spaces between Chinese characters are
    dropped: "数字 政府" in quotes means 数字政府.
    """
    text = re.sub(f"(?<=[{CJK}])\\s+(?=[{CJK}])", "", normalise(text))
    runs = RUN.findall(text)
    tokens = document_tokens(text)
    if not runs or not CJK_RUN.match(runs[-1]):
        return tokens, False
    if len(runs[-1]) == 1:
        return tokens, True
    return tokens[:-1], False


class QueryError(ValueError):
    """A search query that cannot be run (unbalanced quotes, nothing but NOT …); the message says why."""


@dataclass(frozen=True)
class Term:
    """Text that must appear as written (a word, or a quoted phrase).

    tsquery() is the query PostgreSQL matches (a phrase: its bigrams at consecutive positions); candidates() the
    same without positions (a phrase: all its bigrams anywhere), which the GIN index answers without reading a
    document, a superset of the matches; gin_keys() the candidates as tsqueries to AND, each its own GIN scan key (a
    key per bigram lets the scan skip through a common bigram's list: 字政 AND 政府 took 6 ms at a million articles,
    '字政' & '政府' in one key 39 ms); positional() whether the two differ (a phrase of several tokens).
    """

    text: str

    def fts5(self) -> str:
        tokens, prefix = query_tokens(self.text)
        return '"' + " ".join(tokens) + '"' + ("*" if prefix else "")

    def tsquery(self) -> str:
        tokens, prefix = query_tokens(self.text)
        return " <-> ".join(f"'{t}'" for t in tokens) + (":*" if prefix else "")

    def candidates(self) -> str:
        return " & ".join(self.gin_keys())

    def gin_keys(self) -> list[str]:
        tokens, prefix = query_tokens(self.text)
        return [f"'{t}'" + (":*" if prefix and n == len(tokens) - 1 else "") for n, t in enumerate(tokens)]

    def positional(self) -> bool:
        return len(query_tokens(self.text)[0]) > 1

    def literals(self) -> list[str]:
        return [self.text]


@dataclass(frozen=True)
class Not:
    child: Node

    def fts5(self) -> str:
        raise QueryError("NOT needs something to exclude from: write `A NOT B`")

    tsquery = candidates = fts5

    def gin_keys(self) -> list[str]:
        return [self.fts5()]

    def positional(self) -> bool:
        return self.child.positional()

    def literals(self) -> list[str]:
        return []


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]

    def _split(self) -> tuple[list[Node], list[Node]]:
        positive: list[Node] = [c for c in self.children if not isinstance(c, Not)]
        negative = [c.child for c in self.children if isinstance(c, Not)]
        if not positive:
            raise QueryError("a query needs at least one term that is not negated")
        return positive, negative

    def fts5(self) -> str:
        positive, negative = self._split()
        text = "(" + " AND ".join(c.fts5() for c in positive) + ")"
        return text + "".join(f" NOT ({n.fts5()})" for n in negative)

    def tsquery(self) -> str:
        positive, negative = self._split()
        return "(" + " & ".join([c.tsquery() for c in positive] + [f"!({n.tsquery()})" for n in negative]) + ")"

    def candidates(self) -> str:
        return "(" + " & ".join(self.gin_keys()) + ")"

    def gin_keys(self) -> list[str]:
        # A negated phrase is left out: without positions there is no subset of its matches to exclude.
        positive, negative = self._split()
        exact = [f"!({n.tsquery()})" for n in negative if not n.positional()]
        return [k for c in positive for k in c.gin_keys()] + exact

    def positional(self) -> bool:
        return any(c.positional() for c in self.children)

    def literals(self) -> list[str]:
        return [text for c in self.children for text in c.literals()]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]

    def fts5(self) -> str:
        return "(" + " OR ".join(c.fts5() for c in self.children) + ")"

    def tsquery(self) -> str:
        return "(" + " | ".join(c.tsquery() for c in self.children) + ")"

    def candidates(self) -> str:
        return "(" + " | ".join(c.candidates() for c in self.children) + ")"

    def gin_keys(self) -> list[str]:
        return [self.candidates()]

    def positional(self) -> bool:
        return any(c.positional() for c in self.children)

    def literals(self) -> list[str]:
        return [text for c in self.children for text in c.literals()]


Node = Term | Not | And | Or
LEXEME = re.compile(r'"([^"]*)"|(\()|(\))|([^\s()"]+)|(")')


def parse_query(text: str) -> Node:
    """Parse `数字政府 "一网 通办" OR 放管服 NOT 试点 -征求意见`: words and quoted phrases, AND (implicit),
    OR (also |), NOT (also a leading -), parentheses. NOT binds tighter than AND, AND tighter than OR."""
    lexemes: list[tuple[str, str]] = []
    for match in LEXEME.finditer(text):
        phrase, opening, closing, word, stray = match.groups()
        if stray is not None:
            raise QueryError("unbalanced quotes")
        if phrase is not None:
            lexemes.append(("term", phrase))
        elif opening:
            lexemes.append(("(", opening))
        elif closing:
            lexemes.append((")", closing))
        elif word in ("OR", "|"):
            lexemes.append(("or", word))
        elif word in ("AND", "&"):
            lexemes.append(("and", word))
        elif word == "NOT":
            lexemes.append(("not", word))
        elif word.startswith("-") and len(word) > 1:
            lexemes.extend([("not", "-"), ("term", word[1:])])
        else:
            lexemes.append(("term", word))
    lexemes = _joined(lexemes)
    parser = _Parser(lexemes)
    node = parser.parse_or()
    if parser.position != len(lexemes):
        raise QueryError(f"unexpected {lexemes[parser.position][1]!r}")
    if node is None:
        raise QueryError("the query has no words to search for")
    if isinstance(node, Not):
        raise QueryError("a query needs at least one term that is not negated")
    return node


def _joined(lexemes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The lexemes with each OR and AND checked to stand between two operands (a dangling `数字政府 OR` is a
    mistake, not a search for 数字政府); AND is then dropped, as juxtaposition already means it."""
    for n, (kind, word) in enumerate(lexemes):
        if kind not in ("or", "and"):
            continue
        before = lexemes[n - 1][0] if n > 0 else None
        after = lexemes[n + 1][0] if n + 1 < len(lexemes) else None
        if before not in ("term", ")") or after not in ("term", "(", "not"):
            raise QueryError(f"{word} needs a word, a phrase or a group on each side")
    return [lexeme for lexeme in lexemes if lexeme[0] != "and"]


# Deeper groups (or NOT NOT … chains) are refused: nobody writes them, and each level is a level of recursion
# here and in every function that walks the parsed query.
MAX_NESTING = 32


class _Parser:
    def __init__(self, lexemes: list[tuple[str, str]]) -> None:
        self.lexemes = lexemes
        self.position = 0
        self.depth = 0

    def _peek(self) -> str | None:
        return self.lexemes[self.position][0] if self.position < len(self.lexemes) else None

    def parse_or(self) -> Node | None:
        children = [c for c in [self.parse_and()] if c is not None]
        while self._peek() == "or":
            self.position += 1
            child = self.parse_and()
            if child is not None:
                children.append(child)
        if not children:
            return None
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> Node | None:
        children: list[Node] = []
        while self._peek() in ("term", "not", "("):
            child = self.parse_unary()
            if child is not None:
                children.append(child)
        if not children:
            return None
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self) -> Node | None:
        kind, value = self.lexemes[self.position]
        self.position += 1
        if kind in ("not", "("):
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise QueryError(f"the query nests parentheses or NOTs more than {MAX_NESTING} deep")
            try:
                return self._parse_nested(kind)
            finally:
                self.depth -= 1
        tokens, _ = query_tokens(value)
        return Term(value) if tokens else None  # punctuation alone matches nothing: ignore it

    def _parse_nested(self, kind: str) -> Node | None:
        if kind == "not":
            if self._peek() not in ("term", "("):
                raise QueryError("NOT must be followed by a word, a phrase or a group")
            child = self.parse_unary()
            return Not(child) if child is not None else None
        inner = self.parse_or()
        if self._peek() != ")":
            raise QueryError("unbalanced parentheses")
        self.position += 1
        return inner
