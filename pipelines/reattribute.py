"""Attribute stored articles again from their stored text (after the rules or the registry improved)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import select
from sqlalchemy.orm import Session

from attribution import ArticleText, attribute
from db.models import Article
from db.registry import store_attribution

REATTRIBUTE_BATCH = 200  # articles per transaction: another writer waits for one batch, never the whole run


def reattribute_articles(
    transaction: Callable[[], AbstractContextManager[Session]], *, every: bool = False, batch: int = REATTRIBUTE_BATCH
) -> int:
    """Attribute stored articles again from their stored text: those never attributed (stored before the
    attribution schema), or every article with `every` (after the rules or the registry improved).

    `transaction()` opens one transaction (Database.session); each batch of articles is committed in its own,
    so a crawl writing meanwhile waits for a batch, not for the whole run, and a stopped run keeps its batches.
    """
    done, after = 0, 0
    while True:
        with transaction() as session:
            query = select(Article).where(Article.id > after).order_by(Article.id).limit(batch)
            if not every:
                query = query.where(Article.kind.is_(None))
            articles = session.scalars(query).all()
            for article in articles:
                result = attribute(
                    ArticleText(
                        article.title, article.body.split("\n"), article.published_at, article.authors, article.editors
                    )
                )
                published = article.published_at.date() if article.published_at else article.first_seen_at.date()
                store_attribution(session, article.id, result, seen_on=result.spoken_on or published)
                after = article.id
            done += len(articles)
        if len(articles) < batch:
            return done
