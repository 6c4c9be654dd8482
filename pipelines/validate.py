"""Turn an extracted article that must not be stored into a failed page (reason + raw bytes), never dropped."""

from __future__ import annotations

from typing import Any

from crawler.items import ArticleItem, FailedPageItem
from pipelines.ingest import check


class ValidatePipeline:
    """The ingest check (pipelines/ingest.py) on the crawl loop, before the article reaches the store."""

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem):
            found = check(item.record)
            if found:
                return FailedPageItem(
                    url=item.record.url,
                    reason="validation failed: " + "; ".join(found),
                    raw_body=item.raw_body,
                    http_status=item.http_status,
                    content_type=item.content_type,
                    charset=item.record.charset,
                    settles=item.settles,
                )
        return item
