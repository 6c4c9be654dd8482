"""The article as attribution reads it: title, paragraphs split into sentences, and who wrote it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

_SENTENCE_END = re.compile(r"(?<=[。！？!?])(?![”’\"』」])|(?<=[。！？!?][”’\"』」])")


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: int  # index of the paragraph; -1 for the title


@dataclass
class ArticleText:
    """What attribution needs of an article; built from an extraction record or a plain-text import."""

    title: str
    paragraphs: list[str]
    published_at: datetime | None = None
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    # (title, paragraphs) -> their sentences: the rules ask for the sentences five times per article, and the
    # look-behind split over every paragraph was a tenth of attribution's time. Keyed on the text it was built
    # from, so a caller that changes the title or the paragraphs gets them split again.
    _split: tuple[tuple[str, tuple[str, ...]], tuple[Sentence, ...]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def sentences(self) -> list[Sentence]:
        key = (self.title, tuple(self.paragraphs))
        if self._split is None or self._split[0] != key:
            found = [Sentence(self.title, -1)] if self.title else []
            for index, paragraph in enumerate(self.paragraphs):
                found.extend(Sentence(s.strip(), index) for s in _SENTENCE_END.split(paragraph) if s.strip())
            self._split = (key, tuple(found))
        return list(self._split[1])

    @property
    def lead(self) -> str:
        """The first paragraph with real content (datelines and the lead sentence live here)."""
        for paragraph in self.paragraphs:
            if len(paragraph) >= 20:
                return paragraph
        return self.paragraphs[0] if self.paragraphs else ""
