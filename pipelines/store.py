"""Store articles and failed pages, each in its own transaction, and count outcomes for the run record.

A stored article whose page answers 404/410 in a second run is marked removed (kept, with the date), not failed;
the first time is a failed page, since a site's glitch answers 404 too.

A write that fails on a locked database or a lost connection is retried with backoff (NEWSMON_WRITE_RETRY_SECONDS);
one the database refuses for this page alone is kept as a failed page with the reason and the bytes; when the
database takes no writes at all (disk full, read-only) the crawl stops and says so (crawler.run.CrawlStopped).
Each page's outcome settles it in the spider's ledger (crawler/ledger.py).

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
from functools import partial
from typing import Any, TypeVar

from scrapy.crawler import Crawler

from crawler.database import database_for
from crawler.items import ArticleItem, FailedPageItem
from crawler.ledger import LIST, Ledger
from db.articles import RawInput, Stored, mark_removed, record_failed_page
from db.engine import Database
from db.queries import seen_gone_before
from db.write_errors import FATAL, WriteFailed, with_retries
from pipelines.ingest import prepare, write

log = logging.getLogger(__name__)

GONE = (404, 410)
T = TypeVar("T")


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.threads = max(1, crawler.settings.getint("NEWSMON_STORE_THREADS", 4))
        self.retry_budget = crawler.settings.getfloat("NEWSMON_WRITE_RETRY_SECONDS", 120.0)
        self.executor: ThreadPoolExecutor | None = None
        self.fatal: str | None = None  # set once the database takes no more writes: nothing more is tried

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def close_spider(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem | FailedPageItem):
            return item
        ledger: Ledger | None = getattr(self.crawler.spider, "ledger", None)
        url = item.record.url if isinstance(item, ArticleItem) else item.url
        settles = item.settles or url
        if self.fatal is None:
            try:
                await self._write(item)
            except WriteFailed as error:
                if error.kind == FATAL:
                    self._stop(error)
                elif await self._keep_as_failed(item, url, error):
                    if ledger is not None:
                        ledger.settle(settles)
                    return item
            else:
                if ledger is not None:
                    if isinstance(item, FailedPageItem) and item.kind == LIST:
                        ledger.list_failed(settles)
                    else:
                        ledger.settle(settles)
                return item
        # Not written, and not recorded as failed either: the next crawl fetches it again (it is not stored).
        self.crawler.stats.inc_value("newsmon/pages_not_written")
        if ledger is not None:
            ledger.not_written(settles)
        return item

    async def _write(self, item: ArticleItem | FailedPageItem) -> None:
        stats = self.crawler.stats
        assert stats is not None
        run_id = getattr(self.crawler.spider, "run_id", None)
        database = database_for(self.crawler)  # opened (and migrated) here on the loop, once, not in a thread
        if isinstance(item, ArticleItem):
            stored = await self._off_loop(database, _store_article, database, item, run_id)
            stats.inc_value(f"newsmon/articles_{stored.outcome}")
            log.info("%s article %d: %s", stored.outcome, stored.article_id, item.record.url)
        elif item.http_status in GONE and await self._off_loop(database, _mark_removed, database, item.url, run_id):
            stats.inc_value("newsmon/articles_removed")
            log.warning("article removed from the site (HTTP %s): %s", item.http_status, item.url)
        else:
            await self._off_loop(database, _record_failed, database, item, run_id)
            _count_failed(stats, item)

    async def _keep_as_failed(self, item: ArticleItem | FailedPageItem, url: str, error: WriteFailed) -> bool:
        """The page could not be written: keep it as a failed page with the reason and its bytes, if that can be
        written; True if it was."""
        log.error("could not store %s: %s", url, error)
        failed = FailedPageItem(
            url=url,
            reason=f"could not be stored: {error}",
            raw_body=item.raw_body,
            http_status=item.http_status,
            content_type=item.content_type,
            charset=item.record.charset if isinstance(item, ArticleItem) else item.charset,
        )
        try:
            await self._write(failed)
        except WriteFailed as again:
            if again.kind == FATAL:
                self._stop(again)
            return False
        return True

    def _stop(self, error: WriteFailed) -> None:
        """The database takes no more writes: stop fetching, and let the caller say so (crawler.run)."""
        if self.fatal is not None:
            return
        self.fatal = f"the database refused a write, crawl stopped: {error}"
        self.crawler.newsmon_fatal = self.fatal  # type: ignore[attr-defined]
        log.error("%s", self.fatal)
        assert self.crawler.engine is not None and self.crawler.spider is not None
        self.crawler.engine.close_spider(self.crawler.spider, "database write failed")

    async def _off_loop(self, database: Database, function: Callable[..., T], *args: Any) -> T:
        """Run a write on the pool, retried while its errors are transient; inline for an in-memory SQLite
        database, which is one per thread."""
        if database.engine.dialect.name == "sqlite" and database.engine.url.database in (None, "", ":memory:"):
            return with_retries(function, *args, budget=self.retry_budget)
        if self.executor is None:
            self.executor = ThreadPoolExecutor(self.threads, thread_name_prefix="newsmon-store")
        retried = partial(with_retries, budget=self.retry_budget)
        return await asyncio.get_running_loop().run_in_executor(self.executor, retried, function, *args)


def _store_article(database: Database, item: ArticleItem, run_id: int | None) -> Stored:
    """The ingest sequence on a store thread: the CPU part before the transaction opens, then the writes."""
    record = item.record
    raw = RawInput(
        body=item.raw_body, http_status=item.http_status, content_type=item.content_type, charset=record.charset
    )
    ready = prepare(record)
    with database.session() as session:
        return write(session, ready, raw=raw, run_id=run_id)


def _mark_removed(database: Database, url: str, run_id: int | None) -> bool:
    """Mark a stored article removed if an earlier run also found it gone; once is kept as a failed page."""
    with database.session() as session:
        return seen_gone_before(session, url, run_id) and mark_removed(session, url) is not None


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
