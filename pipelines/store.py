"""Store articles and failed pages, each in its own transaction, and count outcomes for the run record.

A stored article whose page now answers 404/410 is marked removed (kept, with the date), not failed.

The writes run on a small pool of threads (NEWSMON_STORE_THREADS), not on the crawl's event loop: a write
spends most of its time waiting on the database (PostgreSQL's commit flush and triggers, SQLite's write lock),
and while one waits the loop goes on downloading and extracting. Each write is still one transaction of its own;
concurrent writers are safe as they are across processes (the unique URL index, SQLite's single writer,
PostgreSQL's advisory locks around reprint matching). Counters are updated back on the loop, where Scrapy's
stats live. Scrapy waits for pending items before it closes the spider, so a finished crawl has stored them all;
a full pool makes new items wait (Scrapy's scraper then stops taking responses: back-pressure, not a queue).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from scrapy.crawler import Crawler

from analysis.watch_match import match_watches
from crawler.database import database_for
from crawler.extraction.sites import site_name
from crawler.items import ArticleItem, FailedPageItem
from db.engine import Database
from db.store import RawInput, Stored, mark_removed, record_failed_page, store_article

log = logging.getLogger(__name__)

GONE = (404, 410)
T = TypeVar("T")


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.threads = max(1, crawler.settings.getint("NEWSMON_STORE_THREADS", 4))
        self.executor: ThreadPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def close_spider(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None

    async def process_item(self, item: Any) -> Any:
        stats = self.crawler.stats
        assert stats is not None
        run_id = getattr(self.crawler.spider, "run_id", None)
        database = database_for(self.crawler)  # opened (and migrated) here on the loop, once, not in a thread
        if isinstance(item, ArticleItem):
            stored = await self._off_loop(database, _store_article, database, item, run_id)
            stats.inc_value(f"newsmon/articles_{stored.outcome}")
            log.info("%s article %d: %s", stored.outcome, stored.article_id, item.record.url)
        elif isinstance(item, FailedPageItem) and item.http_status in GONE:
            if await self._off_loop(database, _mark_removed, database, item.url):
                stats.inc_value("newsmon/articles_removed")
                log.warning("article removed from the site (HTTP %s): %s", item.http_status, item.url)
            else:
                await self._off_loop(database, _record_failed, database, item, run_id)
                _count_failed(stats, item)
        elif isinstance(item, FailedPageItem):
            await self._off_loop(database, _record_failed, database, item, run_id)
            _count_failed(stats, item)
        return item

    async def _off_loop(self, database: Database, function: Callable[..., T], *args: Any) -> T:
        """Run a write on the pool; inline for an in-memory SQLite database, which is one per thread."""
        if database.engine.dialect.name == "sqlite" and database.engine.url.database in (None, "", ":memory:"):
            return function(*args)
        if self.executor is None:
            self.executor = ThreadPoolExecutor(self.threads, thread_name_prefix="newsmon-store")
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)


def _store_article(database: Database, item: ArticleItem, run_id: int | None) -> Stored:
    record = item.record
    raw = RawInput(
        body=item.raw_body, http_status=item.http_status, content_type=item.content_type, charset=record.charset
    )
    for prepare in item.before_transaction:
        prepare()
    with database.session() as session:
        stored = store_article(
            session,
            record,
            site_name=site_name(record.site),
            raw=raw,
            run_id=run_id,
            attribution=item.attribution,
        )
        for step in item.in_transaction:
            step(session, stored)
        match_watches(session, stored, record, item.attribution, run_id=run_id)
    return stored


def _mark_removed(database: Database, url: str) -> bool:
    with database.session() as session:
        return mark_removed(session, url) is not None


def _record_failed(database: Database, item: FailedPageItem, run_id: int | None) -> None:
    failed_raw = None
    if item.raw_body is not None:
        failed_raw = RawInput(
            body=item.raw_body, http_status=item.http_status, content_type=item.content_type, charset=item.charset
        )
    with database.session() as session:
        record_failed_page(session, item.url, item.reason, raw=failed_raw, http_status=item.http_status, run_id=run_id)


def _count_failed(stats: Any, item: FailedPageItem) -> None:
    stats.inc_value("newsmon/pages_failed")
    log.warning("failed page %s: %s", item.url, item.reason)
