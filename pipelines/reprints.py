"""Reprint matching: sign each article (MinHash) and match it to earlier copies inside its store transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from analysis.reprints import Prepared, match_article, prepare
from crawler.extraction.record import Extracted
from crawler.items import ArticleItem
from db.reprints import ArticleText
from db.store import Stored


class ReprintsPipeline:
    """Runs before the store pipeline and queues two steps for it: the signature, computed on the store's
    thread before the article's transaction opens, and matching (index look-up, cluster and original), run in
    the article's transaction right after its write.

    The signature is computed off the crawl loop: its bulk is numpy arithmetic over the shingles (a 128 × n
    matrix), which releases the GIL, so it overlaps the crawl loop's parsing instead of stalling it. It runs on
    the thread that stores the article, not on a thread of its own: one hand-over to a thread per article, not two.
    """

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem):
            record = item.record
            if not record.title or not record.body:
                return item  # the store pipeline refuses it
            signed: list[Prepared] = []

            def sign() -> None:
                assert record.title is not None and record.body is not None
                signed.append(prepare(title=record.title, body=record.body, source=record.source, site=record.site))

            item.before_transaction.append(sign)
            item.in_transaction.append(_matcher(record, signed))
        return item


def _matcher(record: Extracted, signed: list[Prepared]) -> Any:
    def run(session: Session, stored: Stored) -> None:
        prepared = signed[-1]
        if stored.outcome == "unchanged":  # the stored row may differ from the record (a date fixed): read it
            match_article(session, stored.article_id, prepared)
            return
        assert record.title is not None and record.body is not None
        written = ArticleText(
            stored.article_id,
            record.site,
            record.title,
            record.body,
            record.source,
            prepared.content_hash,
            record.published_at,
        )
        match_article(session, stored.article_id, prepared, written=written, new=stored.outcome == "new")

    return run
