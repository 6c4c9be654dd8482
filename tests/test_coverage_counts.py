"""A run's coverage counts every article page it extracted, including the ones extraction could not read."""

from __future__ import annotations

from scrapy.utils.test import get_crawler

from crawler.items import FailedPageItem
from pipelines.coverage import CoveragePipeline


def _counts(*reasons: str) -> tuple[int, int]:
    crawler = get_crawler()
    crawler.stats.open_spider()
    pipeline = CoveragePipeline.from_crawler(crawler)
    for n, reason in enumerate(reasons):
        pipeline.process_item(FailedPageItem(url=f"http://www.news.cn/{n}.htm", reason=reason))
    stats = crawler.stats
    return stats.get_value("newsmon/coverage/pages", 0), stats.get_value("newsmon/extraction_failed", 0)


def test_pages_extraction_failed_or_crashed_on_count_as_pages_with_no_field() -> None:
    assert _counts(
        "extraction failed: no body found",
        "extraction crashed: ValueError: bad markup",
        "list page: HTTP 500",  # not an article page
        "redirected away from the article: a → b",
    ) == (2, 2)
