"""Validate an extracted article before it is stored; an article that fails becomes a failed page."""

from __future__ import annotations

from typing import Any

from crawler.extraction.text import has_cjk
from crawler.items import ArticleItem, FailedPageItem

MIN_BODY_CHARS = 30
MAX_TITLE_CHARS = 300


def problems(item: ArticleItem) -> list[str]:
    """Why the record must not be stored as an article (empty list: it may)."""
    record = item.record
    found = []
    if not record.title or len(record.title) > MAX_TITLE_CHARS:
        found.append(f"title missing or longer than {MAX_TITLE_CHARS} characters")
    if not record.body or len(record.body) < MIN_BODY_CHARS:
        found.append(f"body shorter than {MIN_BODY_CHARS} characters")
    elif not has_cjk(record.body):
        found.append("body has no Chinese text (wrong charset or not an article)")
    if record.published_at is None:
        found.append("no publish date")
    return found


class ValidatePipeline:
    """Articles with a fatal problem are turned into failed pages (reason + raw bytes), never dropped silently."""

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem):
            found = problems(item)
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
