"""The items spiders yield: an extracted article with its raw bytes, or a page that failed."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.attribution.model import Attribution
from crawler.extraction.record import Extracted


@dataclass
class ArticleItem:
    """One article (all its pages stitched) plus the bytes of its first page as served."""

    record: Extracted
    raw_body: bytes
    http_status: int
    content_type: str | None
    attribution: Attribution | None = None  # set by pipelines.attribute.AttributePipeline


@dataclass
class FailedPageItem:
    """A page that could not become an article: the reason and, when there were any, the bytes."""

    url: str
    reason: str
    raw_body: bytes | None = None
    http_status: int | None = None
    content_type: str | None = None
    charset: str | None = None
