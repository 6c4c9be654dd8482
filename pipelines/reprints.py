"""Reprint matching: sign each article (MinHash) and match it to earlier copies inside its store transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from analysis.reprints import Prepared, match_article, prepare
from crawler.items import ArticleItem
from db.store import Stored


class ReprintsPipeline:
    """Runs before the store pipeline: the signature is computed here, outside any transaction, and matching
    (index look-up, cluster and original) is queued to run in the article's transaction right after its write."""

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem):
            record = item.record
            if not record.title or not record.body:
                return item  # the store pipeline refuses it
            prepared = prepare(title=record.title, body=record.body, source=record.source, site=record.site)
            item.in_transaction.append(_matcher(prepared))
        return item


def _matcher(prepared: Prepared) -> Any:
    def run(session: Session, stored: Stored) -> None:
        match_article(session, stored.article_id, prepared)

    return run
