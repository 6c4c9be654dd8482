"""The extraction result: one article's fields, the rule that produced each, and what looked wrong."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

# Every field the gold schema of ../shared/corpus has that extraction (not attribution) produces.
FIELDS = ("title", "published_at", "source", "authors", "editors", "body")


class ExtractionError(Exception):
    """The page looked like an article but a required field could not be extracted."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotAnArticle(Exception):
    """The page is not an article (a list page, an index, a video shell); it is skipped, not failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Extracted:
    """An article as read off one page; `rules` names the rule that produced each field."""

    url: str
    site: str
    charset: str
    title: str | None = None
    published_at: datetime | None = None
    published_precision: str | None = None
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    body: str | None = None
    rules: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # URLs of the article's further pages (…-2.html), to be fetched and stitched by the spider.
    next_pages: list[str] = field(default_factory=list)
    # field -> the rules tried, for every field no rule found (what `newsmon extract` reports).
    tried: dict[str, list[str]] = field(default_factory=dict)
    # The page's own summary of the article (its description), when it has one.
    lead: str | None = None

    @property
    def paragraphs(self) -> list[str]:
        return self.body.split("\n") if self.body else []

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["published_at"] = self.published_at.isoformat() if self.published_at else None
        return data
