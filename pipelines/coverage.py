"""Count, per run, how many article pages had each field and how many got it from the site's own rules."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from crawler.items import ArticleItem, FailedPageItem

# The fields whose coverage tells a layout change (title, date, body, 来源).
COVERED_FIELDS = ("title", "published_at", "body", "source")


class CoveragePipeline:
    """Runs before validation so that every extracted page counts, the ones validation will reject too.

    A page whose extraction failed counts as a page with no field at all: a template change that breaks
    extraction must pull coverage down, not vanish from it.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CoveragePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        stats = self.crawler.stats
        assert stats is not None
        if isinstance(item, ArticleItem):
            stats.inc_value("newsmon/coverage/pages")
            record = item.record
            for name in COVERED_FIELDS:
                if getattr(record, name):
                    stats.inc_value(f"newsmon/coverage/{name}")
                    # "people.com.cn:css:div.rm_txt_con" is the site's rule; "generic:…" is the fallback.
                    if not str(record.rules.get(name, "generic:")).startswith("generic:"):
                        stats.inc_value(f"newsmon/coverage/{name}/site_rule")
        elif isinstance(item, FailedPageItem) and item.reason.startswith(("extraction failed", "extraction crashed")):
            stats.inc_value("newsmon/coverage/pages")
            stats.inc_value("newsmon/extraction_failed")
        return item
