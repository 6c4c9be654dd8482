"""Store articles and failed pages, each in its own transaction, and count outcomes for the run record.

A stored article whose page now answers 404/410 is marked removed (kept, with the date), not failed.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler

from crawler.database import database_for
from crawler.extraction.sites import site_name
from crawler.items import ArticleItem, FailedPageItem
from db.store import RawInput, mark_removed, record_failed_page, store_article

log = logging.getLogger(__name__)

GONE = (404, 410)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        stats = self.crawler.stats
        assert stats is not None
        run_id = getattr(self.crawler.spider, "run_id", None)
        database = database_for(self.crawler)
        if isinstance(item, ArticleItem):
            record = item.record
            raw = RawInput(
                body=item.raw_body, http_status=item.http_status, content_type=item.content_type, charset=record.charset
            )
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
            stats.inc_value(f"newsmon/articles_{stored.outcome}")
            log.info("%s article %d: %s", stored.outcome, stored.article_id, record.url)
        elif isinstance(item, FailedPageItem) and item.http_status in GONE and self._removed(item.url):
            stats.inc_value("newsmon/articles_removed")
            log.warning("article removed from the site (HTTP %s): %s", item.http_status, item.url)
        elif isinstance(item, FailedPageItem):
            failed_raw = None
            if item.raw_body is not None:
                failed_raw = RawInput(
                    body=item.raw_body,
                    http_status=item.http_status,
                    content_type=item.content_type,
                    charset=item.charset,
                )
            with database.session() as session:
                record_failed_page(
                    session, item.url, item.reason, raw=failed_raw, http_status=item.http_status, run_id=run_id
                )
            stats.inc_value("newsmon/pages_failed")
            log.warning("failed page %s: %s", item.url, item.reason)
        return item

    def _removed(self, url: str) -> bool:
        with database_for(self.crawler).session() as session:
            return mark_removed(session, url) is not None
