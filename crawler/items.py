"""The items spiders yield: an extracted article with its raw bytes, or a page that failed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crawler.attribution.model import Attribution
from crawler.extraction.record import Extracted

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from db.store import Stored


@dataclass
class ArticleItem:
    """One article (all its pages stitched) plus the bytes of its first page as served."""

    record: Extracted
    raw_body: bytes = field(repr=False)  # never in a log line
    http_status: int
    content_type: str | None
    settles: str | None = None  # the URL the run discovered the page at (crawler/ledger.py), if not record.url
    attribution: Attribution | None = None  # set by pipelines.attribute.AttributePipeline

    # Steps later pipelines ask the store pipeline to run on its thread before the article's transaction opens
    # (CPU work kept off the crawl loop and out of the transaction), then in the transaction, after the write.
    before_transaction: list[Callable[[], None]] = field(default_factory=list)
    in_transaction: list[Callable[[Session, Stored], None]] = field(default_factory=list)


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
