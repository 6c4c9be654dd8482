"""The items spiders yield: an extracted article with its raw bytes, or a page that failed."""

from __future__ import annotations

from dataclasses import dataclass, field

from ground.article import Extracted


@dataclass
class ArticleItem:
    """One article (all its pages stitched) plus the bytes of its first page as served."""

    record: Extracted
    raw_body: bytes = field(repr=False)  # never in a log line
    http_status: int
    content_type: str | None
    settles: str | None = None  # the URL the run discovered the page at (crawler/ledger.py), if not record.url


@dataclass
class FailedPageItem:
    """A page that could not become an article: the reason and, when there were any, the bytes."""

    url: str
    reason: str
    raw_body: bytes | None = field(default=None, repr=False)
    http_status: int | None = None
    content_type: str | None = None
    charset: str | None = None
    kind: str = "article"  # or "list": a list page that could not be read leaves its run incomplete
    settles: str | None = None  # the URL the run discovered the page at, if not url
