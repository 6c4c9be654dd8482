"""Attribute each validated article: kind, speakers with posts, occasion, place and day (crawler/attribution)."""

from __future__ import annotations

import logging
from typing import Any

from crawler.attribution import attribute_record
from crawler.items import ArticleItem

log = logging.getLogger(__name__)


class AttributePipeline:
    """Runs between validate and store; the store resolves the speakers to registry rows."""

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem):
            item.attribution = attribute_record(item.record)
            log.debug(
                "%s: %s, speakers %s", item.record.url, item.attribution.kind, item.attribution.speaker_names or "-"
            )
        return item
