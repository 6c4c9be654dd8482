"""Helpers for the per-spider fixture tests: a page as a Scrapy response at its real URL, and what the
spider makes of it (article requests, the next list page, the stitched article item)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem, FailedPageItem
from mirror.common import relpath
from spiders.base import NewsmonSpider
from tests.conftest import MIRROR_SITE


def spider_for(cls: type[NewsmonSpider]) -> NewsmonSpider:
    """A spider wired to a crawler (stats, settings) but to no database: nothing is known yet."""
    crawler = get_crawler(cls)
    spider = cls()
    spider._set_crawler(crawler)
    return spider


def response(url: str, body: bytes, content_type: str = "text/html", status: int = 200) -> Response:
    request = Request(url)
    kind = TextResponse if "json" in content_type else HtmlResponse
    return kind(url=url, body=body, headers={"Content-Type": content_type}, request=request, status=status)


def mirror_response(url: str, *, file: str | None = None, content_type: str | None = None) -> Response:
    """The bundled mirror's page for a real URL (or the named file, for API answers stored per query)."""
    path = MIRROR_SITE / (file or relpath(url))
    kind = content_type or ("application/json" if path.suffix == ".json" else "text/html")
    return response(url, path.read_bytes(), kind)


@dataclass
class ListResult:
    articles: list[str] = field(default_factory=list)  # article URLs requested, in list order
    lists: list[str] = field(default_factory=list)  # further list requests (next page, feeds)
    listed: dict[str, Any] = field(default_factory=dict)  # article URL -> the date the list showed


def parse_list(spider: NewsmonSpider, page: Response) -> ListResult:
    result = ListResult()
    for out in spider.parse(page):
        assert isinstance(out, scrapy.Request), out
        if out.callback == spider.parse_article:
            result.articles.append(out.url)
            result.listed[out.url] = out.cb_kwargs.get("listed")
        else:
            result.lists.append(out.url)
    return result


def article_item(spider: NewsmonSpider, page: Response, pages: Iterable[Response] = ()) -> ArticleItem:
    """Run the spider's article callback, answering its continuation requests with `pages` in order."""
    later = {p.url: p for p in pages}
    outputs = list(spider.parse_article(page))
    while outputs:
        out = outputs.pop(0)
        if isinstance(out, ArticleItem):
            return out
        if isinstance(out, FailedPageItem):
            raise AssertionError(f"{out.url} failed: {out.reason}")
        assert isinstance(out, scrapy.Request) and out.url in later and out.callback is not None, out
        outputs.extend(out.callback(later[out.url], **out.cb_kwargs))
    raise AssertionError("no article item")


SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
