"""What a crawl carries over from the runs before it: column frontiers, and pages to fetch again."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.articles import ensure_site
from db.models import Article, ColumnFrontier, CrawlRun, FailedPage, Site
from db.types import now_shanghai

RETRY_DAYS = 14  # a page that failed (or could not be stored) is fetched again by the crawls of this long
RETRY_LIMIT = 2000  # at most this many per crawl, the most recent failures first
GONE = (404, 410)


def column_frontiers(session: Session, site: str) -> dict[str, str]:
    """column URL -> the newest article its last complete run listed."""
    rows = session.execute(
        select(ColumnFrontier.column_url, ColumnFrontier.article_url).join(Site).where(Site.domain == site)
    )
    return {column: article for column, article in rows.tuples()}


def advance_frontiers(session: Session, site: str, tops: dict[str, str], run_id: int | None) -> None:
    """After a complete run: each column it read is complete down from the article at its top."""
    site_id = ensure_site(session, site)
    existing = {
        row.column_url: row for row in session.scalars(select(ColumnFrontier).where(ColumnFrontier.site_id == site_id))
    }
    now = now_shanghai()
    for column, article in tops.items():
        row = existing.get(column)
        if row is None:
            session.add(
                ColumnFrontier(site_id=site_id, column_url=column, article_url=article, run_id=run_id, reached_at=now)
            )
        else:
            row.article_url, row.run_id, row.reached_at = article, run_id, now


def retry_urls(session: Session, sites: Iterable[str]) -> list[str]:
    """Pages of the sites that failed recently and are still not stored: a failed fetch, a failed write, an
    unreadable list page. 404/410 answers are left to gone_urls (believed once seen in two runs)."""
    since = now_shanghai() - timedelta(days=RETRY_DAYS)
    stored = select(Article.id).where(Article.url == FailedPage.url).exists()
    rows = session.execute(
        select(FailedPage.url, func.max(FailedPage.failed_at).label("last"))
        .join(CrawlRun, FailedPage.run_id == CrawlRun.id)
        .join(Site, CrawlRun.site_id == Site.id)
        .where(Site.domain.in_(tuple(sites)), FailedPage.failed_at >= since, ~stored)
        .group_by(FailedPage.url)
        .order_by(func.max(FailedPage.failed_at).desc())
        .limit(RETRY_LIMIT)
    )
    return [url for url, _ in rows.tuples()]


def crawl_left_gaps(session: Session, site: str, since_run_id: int) -> bool:
    """Whether a run of the site since `since_run_id` (the runs of one distributed crawl) failed on a list page
    or ended incomplete: then the crawl as a whole did not read its columns completely."""
    runs = select(CrawlRun.id).join(Site).where(Site.domain == site, CrawlRun.id >= since_run_id)
    failed_list = select(FailedPage.id).where(FailedPage.run_id.in_(runs), FailedPage.reason.like("list page:%"))
    incomplete = select(CrawlRun.id).where(CrawlRun.id.in_(runs), CrawlRun.status == "incomplete")
    return bool(session.scalar(select(failed_list.exists())) or session.scalar(select(incomplete.exists())))
