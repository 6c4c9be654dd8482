"""The domain vocabulary: curated e-government terms with their variants, and newsmon's own jieba tokenizer."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ground.query import CJK, Node, Or, QueryError, Term, query_tokens
from ground.settings import setting

if TYPE_CHECKING:
    import jieba

log = logging.getLogger(__name__)

TERMS_DIR = Path(__file__).resolve().parents[1] / "data" / "terms"
# High enough that jieba keeps a curated term whole against its general dictionary's splits.
TERM_FREQUENCY = 200_000
WORD = re.compile(f"^[{CJK}]{{2,}}$")


@dataclass
class Vocabulary:
    """Canonical term -> its variants (the canonical form first); every variant counts as the canonical term."""

    terms: dict[str, list[str]] = field(default_factory=dict)
    _canonical: dict[str, str] = field(default_factory=dict)

    def add(self, variants: list[str]) -> None:
        canonical = self._canonical.get(variants[0].lower(), variants[0])
        merged = self.terms.setdefault(canonical, [canonical])
        for variant in variants:
            if variant.lower() not in self._canonical:
                self._canonical[variant.lower()] = canonical
            if variant not in merged:
                merged.append(variant)

    def canonical(self, word: str) -> str | None:
        return self._canonical.get(word.lower())

    def variants(self, term: str) -> list[str]:
        """The spellings counted for a term: its known variants, or the term alone if it is not curated.

        A variant that contains another (放管服改革 contains 放管服) is left out: it would be counted twice.
        """
        spellings = self.terms.get(self.canonical(term) or term, [term])
        return [v for v in spellings if not any(o != v and o.lower() in v.lower() for o in spellings)]

    def query(self, term: str) -> Node:
        """A search query matching any spelling of the term."""
        variants = [v for v in self.variants(term) if query_tokens(v)[0]]
        if not variants:
            raise QueryError(f"{term!r} has no characters or words to search for")
        return Term(variants[0]) if len(variants) == 1 else Or(tuple(Term(v) for v in variants))

    def tokenizer(self) -> jieba.Tokenizer:
        """A jieba tokenizer of newsmon's own (not jieba's global one, which others load their registries into)
        with every curated spelling as one word."""
        return _tokenizer(tuple(sorted(self._canonical)))


def parse_terms(lines: Iterable[str]) -> list[list[str]]:
    entries = []
    for raw in lines:
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        variants = [v.strip() for v in line.split("|") if v.strip()]
        if variants:
            entries.append(variants)
    return entries


def load_vocabulary(extra: Path | str | None = None, *, analyst: bool = True) -> Vocabulary:
    """The curated files in data/terms/, then the analyst's file (argument, or the search.terms_file setting) unless
    `analyst` is false (the shipped terms alone)."""
    vocabulary = Vocabulary()
    files = sorted(TERMS_DIR.glob("*.txt"))
    extra = (extra or setting("search.terms_file")) if analyst else None
    if extra:
        path = Path(extra)
        if not path.is_file():
            raise FileNotFoundError(f"terms file {path} does not exist")
        files.append(path)
    for path in files:
        for variants in parse_terms(path.read_text(encoding="utf-8").splitlines()):
            vocabulary.add(variants)
    return vocabulary


@cache
def _tokenizer(words: tuple[str, ...]) -> jieba.Tokenizer:
    import jieba  # only the commands that segment text (terms) pay for loading it

    tokenizer = jieba.Tokenizer()
    jieba.setLogLevel(logging.WARNING)
    tokenizer.initialize()
    for word in words:
        # jieba's dictionary is case-sensitive; curated Latin spellings go in as written and lower-cased.
        tokenizer.add_word(word, TERM_FREQUENCY)
    return tokenizer


def segment(vocabulary: Vocabulary, text: str) -> list[str]:
    """Words of a text (jieba, no HMM: stable tokens, about 2× faster), curated spellings as one token."""
    return list(vocabulary.tokenizer().cut(text, HMM=False))


def analysis_terms(vocabulary: Vocabulary, text: str) -> set[str]:
    """The distinct terms of a text worth comparing across periods: curated terms by their canonical form, and
    other Chinese words of two or more characters."""
    found = set()
    for word in segment(vocabulary, text):
        canonical = vocabulary.canonical(word)
        if canonical:
            found.add(canonical)
        elif WORD.match(word):
            found.add(word)
    return found
