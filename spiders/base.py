"""What every newsmon spider shares: list-page walking, stop-at-known, multi-page stitching, failures."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.database import database_for
from crawler.items import ArticleItem, FailedPageItem
from crawler.ledger import ARTICLE, LIST, PAGE_META, Clerk, Ledger, page_of, redirect_chain
from crawler.page_checks import MAX_PAGE_BYTES, MAX_PAGE_ELEMENTS, page_problem
from db.articles import known_urls
from db.frontier import column_frontiers, retry_urls
from db.queries import gone_urls, recent_article_urls
from db.types import now_shanghai
from extraction import Extracted, extract_fields, unstorable
from extraction.dates import DateParseError, ParsedDate, parse_date
from ground.sites import site_by_key, site_name

log = logging.getLogger(__name__)

# What a polite spider never exceeds, whatever the project settings say (≤ 2 per domain).
POLITE_SETTINGS: dict[str, Any] = {
    "ROBOTSTXT_OBEY": True,
    "AUTOTHROTTLE_ENABLED": True,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
}


@dataclass(frozen=True)
class ListItem:
    """One entry of a list page or feed: the article URL and, where the list shows one, its date."""

    url: str
    listed: ParsedDate | None = None


def list_date(text: str | None) -> ParsedDate | None:
    """A list's date stamp ("2024-05-09", "05-09 10:12", "3小时前", "昨天 08:30") read by the one date parser."""
    if not text or not text.strip():
        return None
    try:
        return parse_date(text.strip(" []【】()（）\n\t"))
    except DateParseError:
        return None


class NewsmonSpider(scrapy.Spider):
    """Base spider: subclasses name the site, its columns, and how to read a list page."""

    # The site's record in ground/sites.py, found by the spider's name: its domain and alias domains.
    site: ClassVar[str]  # registrable domain, e.g. people.com.cn
    columns: ClassVar[tuple[str, ...]]  # list pages where officials' speeches and activities appear
    article_url: ClassVar[re.Pattern[str]]  # which links are article pages (first page of an article)
    # Other registrable domains the site publishes under (xinhuanet.com for news.cn): their stored URLs count.
    aliases: ClassVar[tuple[str, ...]] = ()
    custom_settings = POLITE_SETTINGS

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "site" not in cls.__dict__ and "name" in cls.__dict__:  # a subclass may name its site itself
            record = site_by_key(cls.name)
            cls.site, cls.aliases = record.domain, record.aliases

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known: set[str] = set()
        # Article URLs that answered 404/410 before: old items the site removed are not asked for again.
        self.gone: set[str] = set()
        # Article URLs requested in this run: lists overlap (a column and its feed, consecutive pages).
        self.requested: set[str] = set()
        self.full_crawl = False
        self.resume = False  # the site's last run was cut short: read list pages past known URLs
        self.max_list_pages = 20
        self.run_id: int | None = None  # set by crawler.recorder.CrawlRunRecorder
        self.recheck: list[str] = []  # stored articles fetched again to catch edits and removals
        self.retry: list[str] = []  # pages earlier runs failed on or could not store: fetched again
        # Per column (its first list URL): the newest article its last complete run listed. Stopping at a known
        # article is safe only at or below it; above it an incomplete run may have left gaps.
        self.frontiers: dict[str, str] = {}
        self.tops: dict[str, str] = {}  # per column, the newest article listed now: the next frontier
        self.ledger = Ledger()
        self.clerk: Clerk | None = None
        self.max_page_bytes = MAX_PAGE_BYTES
        self.max_page_elements = MAX_PAGE_ELEMENTS

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsmonSpider:
        spider: NewsmonSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.full_crawl = crawler.settings.getbool("NEWSMON_FULL_CRAWL")
        spider.max_list_pages = crawler.settings.getint("NEWSMON_MAX_LIST_PAGES", 20)
        spider.resume = crawler.settings.getbool("NEWSMON_RESUME")
        spider.max_page_bytes = crawler.settings.getint("NEWSMON_MAX_PAGE_BYTES", MAX_PAGE_BYTES)
        spider.max_page_elements = crawler.settings.getint("NEWSMON_MAX_PAGE_ELEMENTS", MAX_PAGE_ELEMENTS)
        recheck_days = crawler.settings.getint("NEWSMON_RECHECK_DAYS")
        domains = (cls.site, *cls.aliases)
        with database_for(crawler).session() as session:
            if not spider.full_crawl:
                for domain in domains:
                    spider.known |= known_urls(session, domain)
                spider.gone = gone_urls(session, domains)
            if recheck_days > 0:
                since = now_shanghai() - timedelta(days=recheck_days)
                for domain in domains:
                    spider.recheck += recent_article_urls(session, domain, since=since)
            spider.frontiers = column_frontiers(session, cls.site)
            spider.retry = [url for url in retry_urls(session, domains) if cls.article_url.search(url)]
        # Kept on the spider: the crawler's signals hold their receivers weakly.
        spider.clerk = Clerk(spider.ledger, crawler, getattr(spider, "allowed_domains", None), spider._record_failed)
        return spider

    def _record_failed(self, page: tuple[str, str], reason: str) -> None:
        """Record a page as failed from outside a callback: a local data: request whose callback yields it."""
        assert self.crawler.engine is not None
        self.crawler.engine.crawl(
            scrapy.Request(
                "data:,",
                callback=self._failed_here,
                cb_kwargs={"url": page[1], "reason": reason},
                meta={PAGE_META: page},
                dont_filter=True,
            )
        )

    def _failed_here(self, response: Response, url: str, reason: str) -> Iterator[Any]:
        yield FailedPageItem(url=url, reason=reason)

    @property
    def site_name(self) -> str:
        return site_name(self.site)

    async def start(self) -> AsyncIterator[Any]:
        for url in self.columns:
            yield self.list_request(url, 1)
        for url in self.recheck:
            self.crawler.stats.inc_value("newsmon/rechecked")
            yield self.article_request(url, dont_filter=True)
        for url in self.retry:
            if url not in self.requested and url not in self.gone:
                self.requested.add(url)
                self.crawler.stats.inc_value("newsmon/retried")
                # Past a resumed job's seen-requests, which hold the failed fetch.
                yield self.article_request(url, dont_filter=True)

    # ---- list pages --------------------------------------------------------------------------------------

    def list_links(self, response: Response) -> Iterable[str]:
        """Absolute URLs of the article links on a list page (subclasses narrow this to the list container)."""
        for href in response.css("a::attr(href)").getall():
            yield response.urljoin(href.strip())

    def list_items(self, response: Response) -> Iterable[ListItem]:
        """The entries of a list page or feed; by default its links, undated (JSON feeds override this)."""
        return (ListItem(url) for url in self.list_links(response))

    def more_lists(self, response: Response) -> Iterable[scrapy.Request]:
        """Further list requests a page points to (the JSON feed behind a channel page); none by default."""
        return ()

    def canonical(self, url: str) -> str:
        """The URL an article is stored under when the site redirects it (xinhuanet.com → news.cn)."""
        return url

    def list_request(
        self, url: str, depth: int, *, column: str | None = None, past_frontier: bool = False, **kwargs: Any
    ) -> scrapy.Request:
        """A list page; depth 1 starts a column (a column page, or a feed behind one), deeper pages follow it."""
        meta = {
            PAGE_META: (LIST, url),
            "newsmon_column": column or url,
            # Carried in the request (not kept in the spider) so that whichever worker reads the next page knows.
            "newsmon_past_frontier": past_frontier,
        }
        return scrapy.Request(
            url, callback=self.parse, errback=self.list_failed, cb_kwargs={"depth": depth}, meta=meta, **kwargs
        )

    def article_request(self, url: str, *, listed: ParsedDate | None = None, **kwargs: Any) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"listed": listed},
            meta={PAGE_META: (ARTICLE, url)},
            **kwargs,
        )

    def next_list_page(self, response: Response) -> str | None:
        """The 下一页 link of a list page, if any."""
        for link in response.css("a"):
            if "下一页" in "".join(link.css("::text").getall()):
                href = link.attrib.get("href")
                if href and not href.startswith("javascript"):
                    return response.urljoin(href)
        return None

    def parse(self, response: Response, depth: int = 1) -> Iterator[Any]:
        """A column's list page: request new articles; go on to the next page only while nothing is known."""
        stats = self.crawler.stats
        problem = self._page_problem(response)
        if problem:
            page = page_of(response.meta)
            yield FailedPageItem(
                url=page[1] if page else response.url,
                reason=f"list page: {problem}",
                raw_body=response.body,
                http_status=response.status,
                content_type=_content_type(response),
                kind=LIST,
            )
            return
        column = response.meta.get("newsmon_column", response.url)
        frontier = self.frontiers.get(column)
        past_frontier = bool(response.meta.get("newsmon_past_frontier"))
        seen_known = False
        listed = 0
        for item in self.list_items(response):
            url = item.url
            if not self.article_url.search(url):
                continue
            listed += 1
            if depth == 1 and column not in self.tops:
                self.tops[column] = self.canonical(url)
            if frontier and self.canonical(url) == frontier:
                past_frontier = True
            if url in self.known or self.canonical(url) in self.known:
                seen_known = True
                stats.inc_value("newsmon/list_known_urls")
                continue
            if url in self.gone:
                stats.inc_value("newsmon/list_gone_urls")
                continue
            if url in self.requested:
                # The same item on two consecutive pages (the list moved on between fetches) or in two lists.
                stats.inc_value("newsmon/list_duplicates")
                continue
            self.requested.add(url)
            yield self.article_request(url, listed=item.listed)
        stats.inc_value("newsmon/list_pages")
        more = list(self.more_lists(response))
        if listed == 0 and not more:
            log.warning("list page %s has no article links: layout changed?", response.url)
            stats.inc_value("newsmon/empty_list_pages")
        yield from more
        next_page = self.next_list_page(response)
        if next_page and seen_known and past_frontier and not self.full_crawl and not self.resume:
            log.info("stopping at %s: it lists articles already stored", response.url)
        elif next_page and depth < self.max_list_pages:
            yield self.list_request(next_page, depth + 1, column=column, past_frontier=past_frontier)
        elif next_page and frontier and not past_frontier:
            log.warning("%s: page limit %d reached above the last complete run's newest article", column, depth)
            stats.inc_value("newsmon/frontier_not_reached")
        page = page_of(response.meta)
        self.ledger.settle(page[1] if page else response.url)

    # ---- article pages -----------------------------------------------------------------------------------

    def parse_article(self, response: Response, listed: ParsedDate | None = None) -> Iterator[Any]:
        """An article's first page: extract it, then fetch and stitch its further pages if it has any."""
        content_type = _content_type(response)
        page = page_of(response.meta)
        key = page[1] if page else response.url
        if not self.article_url.search(response.url):
            # Redirected away from the article (to a home page, a login wall): nothing to store, but the
            # article's URL is kept as failed so that the next crawl asks again.
            log.info("skipped %s: not an article page after redirect", response.url)
            self.crawler.stats.inc_value("newsmon/pages_skipped")
            yield FailedPageItem(
                url=key,
                reason=f"redirected away from the article: {redirect_chain(response.meta, response.url)}",
                http_status=response.status,
                content_type=content_type,
            )
            return
        problem = self._page_problem(response)
        if problem:
            yield FailedPageItem(
                settles=key,
                url=response.url,
                reason=problem,
                raw_body=response.body,
                http_status=response.status,
                content_type=content_type,
            )
            return
        try:
            record = extract_fields(response.url, response.body, content_type)
        except Exception as error:  # a bug on one page must not lose the page or stop the crawl
            log.exception("extraction crashed on %s", response.url)
            yield FailedPageItem(
                settles=key,
                url=response.url,
                reason=f"extraction crashed: {type(error).__name__}: {error}",
                raw_body=response.body,
                http_status=response.status,
                content_type=content_type,
            )
            return
        if record.published_at is None and listed is not None:
            # Some pages state no time at all; the date the list showed is the best there is.
            record.published_at, record.published_precision = listed.value, listed.precision
            record.rules["published_at"] = f"{self.name}:list-date"
        if reasons := unstorable(record):
            yield FailedPageItem(
                settles=key,
                url=response.url,
                reason="extraction failed: " + "; ".join(reasons),
                raw_body=response.body,
                http_status=response.status,
                content_type=content_type,
            )
            return
        item = ArticleItem(
            record=record,
            raw_body=response.body,
            http_status=response.status,
            content_type=content_type,
            settles=key,
        )
        yield from self._continue(item, list(record.next_pages))

    def _continue(self, item: ArticleItem, remaining: list[str]) -> Iterator[Any]:
        if not remaining:
            yield item
            return
        yield scrapy.Request(
            remaining[0],
            callback=self.parse_continuation,
            errback=self.continuation_failed,
            cb_kwargs={"item": item, "remaining": remaining[1:]},
            dont_filter=True,
        )

    def parse_continuation(self, response: Response, item: ArticleItem, remaining: list[str]) -> Iterator[Any]:
        problem = self._page_problem(response)
        if problem:
            item.record.warnings.append(f"page {response.url} of the article was not read: {problem}")
            yield from self._continue(item, remaining)
            return
        try:
            part = extract_fields(response.url, response.body, _content_type(response))
        except Exception as error:  # keep the pages already read; say what is missing
            log.exception("extraction crashed on %s", response.url)
            item.record.warnings.append(f"page {response.url} of the article could not be read: {error}")
        else:
            if part.body:
                _append_body(item.record, part)
            else:
                item.record.warnings.append(f"page {response.url} of the article had no body text")
        yield from self._continue(item, remaining)

    def continuation_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        item: ArticleItem = request.cb_kwargs["item"]
        item.record.warnings.append(f"page {request.url} of the article could not be fetched: {_why(failure)}")
        yield from self._continue(item, request.cb_kwargs["remaining"])

    def _page_problem(self, response: Response) -> str | None:
        """Cut off, or too big to parse in a page's time budget (crawler/page_checks.py)."""
        problem = page_problem(
            response.body,
            _content_type(response),
            max_bytes=self.max_page_bytes,
            max_elements=self.max_page_elements,
        )
        if problem:
            self.crawler.stats.inc_value("newsmon/suspicious_pages")
            log.warning("%s: %s", response.url, problem)
        return problem

    # ---- failures ----------------------------------------------------------------------------------------

    def article_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        page = page_of(request.meta)
        yield FailedPageItem(
            url=page[1] if page else request.url,  # the URL the run discovered, not the last hop of a redirect
            reason=_why(failure) + _after_redirects(request.meta, request.url),
            raw_body=response.body if response is not None else None,
            http_status=response.status if response is not None else None,
            content_type=_content_type(response) if response is not None else None,
        )

    def list_failed(self, failure: Failure) -> Iterator[Any]:
        """A list page that could not be read: kept as a failed page, and the run cannot be complete."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        page = page_of(request.meta)
        url = page[1] if page else request.url
        log.error("list page %s failed: %s", url, _why(failure))
        self.crawler.stats.inc_value("newsmon/list_pages_failed")
        yield FailedPageItem(
            url=url,
            reason=f"list page: {_why(failure)}",
            raw_body=response.body if response is not None else None,
            http_status=response.status if response is not None else None,
            content_type=_content_type(response) if response is not None else None,
            kind=LIST,
        )


def _content_type(response: Response) -> str | None:
    value = response.headers.get("Content-Type")
    return value.decode("latin-1") if value else None


def _why(failure: Failure) -> str:
    response = getattr(failure.value, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    return f"{failure.type.__name__ if failure.type else 'error'}: {failure.getErrorMessage()}"


def _after_redirects(meta: dict[str, Any], last: str) -> str:
    return f" (after redirects: {redirect_chain(meta, last)})" if meta.get("redirect_urls") else ""


def _append_body(record: Extracted, part: Extracted) -> None:
    assert part.body is not None
    record.body = f"{record.body}\n{part.body}" if record.body else part.body
