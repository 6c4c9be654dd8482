"""Reads shared by the CLI and (later) the web dashboard: articles and their versions, runs, alerts, status."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from db.models import Alert, Article, ArticleVersion, CrawlRun, FailedPage, Lease, Site
from db.types import SHANGHAI


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI)


def article_summary(article: Article, site: Site) -> dict[str, Any]:
    return {
        "id": article.id,
        "url": article.url,
        "site": site.domain,
        "site_name": site.name,
        "title": article.title,
        "published_at": _iso(article.published_at),
        "source": article.source,
        "authors": article.authors,
        "chars": len(article.body),
    }


def list_articles(
    session: Session,
    *,
    site: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    contains: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Articles newest first. date_to is inclusive; `contains` matches title or body (plain substring)."""
    query: Select[Any] = select(Article, Site).join(Site)
    if site:
        query = query.where(or_(Site.domain == site, Site.name == site))
    if date_from:
        query = query.where(Article.published_at >= _day_start(date_from))
    if date_to:
        query = query.where(Article.published_at < _day_start(date_to + timedelta(days=1)))
    if contains:
        query = query.where(
            or_(Article.title.contains(contains, autoescape=True), Article.body.contains(contains, autoescape=True))
        )
    query = query.order_by(Article.published_at.desc().nulls_last(), Article.id.desc()).limit(limit).offset(offset)
    return [article_summary(a, s) for a, s in session.execute(query).all()]


def get_article(session: Session, article_id: int) -> dict[str, Any] | None:
    row = session.execute(select(Article, Site).join(Site).where(Article.id == article_id)).first()
    if row is None:
        return None
    article, site = row
    return {
        **article_summary(article, site),
        "published_precision": article.published_precision,
        "editors": article.editors,
        "body": article.body,
        "content_hash": article.content_hash,
        "charset": article.charset,
        "field_rules": article.field_rules,
        "warnings": article.warnings,
        "first_seen_at": _iso(article.first_seen_at),
        "last_seen_at": _iso(article.last_seen_at),
        "removed_at": _iso(article.removed_at),
    }


def run_record(run: CrawlRun, site: Site) -> dict[str, Any]:
    return {
        "id": run.id,
        "site": site.domain,
        "spider": run.spider,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "pages_fetched": run.pages_fetched,
        "articles_new": run.articles_new,
        "articles_changed": run.articles_changed,
        "articles_unchanged": run.articles_unchanged,
        "pages_failed": run.pages_failed,
        "pages_skipped": run.pages_skipped,
        "http_errors": run.http_errors,
        "articles_removed": run.articles_removed,
        "http_status_counts": run.http_status_counts,
        "field_coverage": run.field_coverage,
        "resumed_from": run.resumed_from,
        "message": run.message,
    }


def list_runs(session: Session, *, site: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    query = select(CrawlRun, Site).join(Site)
    if site:
        query = query.where(Site.domain == site)
    rows = session.execute(query.order_by(CrawlRun.id.desc()).limit(limit)).all()
    return [run_record(r, s) for r, s in rows]


def get_run(session: Session, run_id: int) -> dict[str, Any] | None:
    row = session.execute(select(CrawlRun, Site).join(Site).where(CrawlRun.id == run_id)).first()
    if row is None:
        return None
    record = run_record(*row)
    failed = session.execute(
        select(FailedPage.id, FailedPage.url, FailedPage.reason, FailedPage.http_status)
        .where(FailedPage.run_id == run_id)
        .order_by(FailedPage.id)
    ).all()
    record["failed_pages"] = [
        {"id": f.id, "url": f.url, "reason": f.reason, "http_status": f.http_status} for f in failed
    ]
    record["stats"] = row[0].stats
    return record


def list_failed_pages(session: Session, *, run_id: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    query = select(FailedPage).order_by(FailedPage.id.desc()).limit(limit)
    if run_id is not None:
        query = query.where(FailedPage.run_id == run_id)
    return [
        {
            "id": f.id,
            "run_id": f.run_id,
            "url": f.url,
            "reason": f.reason,
            "http_status": f.http_status,
            "failed_at": _iso(f.failed_at),
            "bytes": len(f.body) if f.body else 0,
        }
        for f in session.scalars(query)
    ]


def articles_per_site(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Site.domain, Site.name, func.count(Article.id), func.max(Article.published_at))
        .outerjoin(Article)
        .group_by(Site.id)
        .order_by(func.count(Article.id).desc(), Site.domain)
    ).all()
    return [{"site": d, "name": n, "articles": c, "newest": _iso(m)} for d, n, c, m in rows]


def last_run(session: Session, site: str) -> dict[str, Any] | None:
    """The site's newest run (by id), whatever its status."""
    row = session.execute(
        select(CrawlRun, Site).join(Site).where(Site.domain == site).order_by(CrawlRun.id.desc()).limit(1)
    ).first()
    return run_record(*row) if row else None


def recent_runs(session: Session, site: str, *, before_run: int, limit: int = 5) -> list[CrawlRun]:
    """The site's finished runs before `before_run`, newest first: the baseline a run is judged against."""
    query = (
        select(CrawlRun)
        .join(Site)
        .where(Site.domain == site, CrawlRun.id < before_run, CrawlRun.status == "finished")
        .order_by(CrawlRun.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def run_row(session: Session, run_id: int) -> tuple[CrawlRun, str] | None:
    row = session.execute(select(CrawlRun, Site.domain).join(Site).where(CrawlRun.id == run_id)).first()
    return (row[0], row[1]) if row else None


def publish_times(session: Session, site: str, *, limit: int = 30) -> list[datetime]:
    """The site's newest publish times, newest first: its rhythm, for the quiet-site check."""
    rows = session.scalars(
        select(Article.published_at)
        .join(Site)
        .where(Site.domain == site, Article.published_at.is_not(None))
        .order_by(Article.published_at.desc())
        .limit(limit)
    )
    return [t for t in rows if t is not None]


def article_history(session: Session, article_id: int) -> list[dict[str, Any]]:
    """Every stored version of an article, oldest first."""
    versions = session.scalars(
        select(ArticleVersion).where(ArticleVersion.article_id == article_id).order_by(ArticleVersion.version)
    )
    return [
        {
            "version": v.version,
            "seen_at": _iso(v.seen_at),
            "run_id": v.run_id,
            "title": v.title,
            "body": v.body,
            "source": v.source,
            "published_at": _iso(v.published_at),
            "content_hash": v.content_hash,
        }
        for v in versions
    ]


def alert_record(alert: Alert, site: Site) -> dict[str, Any]:
    return {
        "id": alert.id,
        "site": site.domain,
        "kind": alert.kind,
        "status": alert.status,
        "run_id": alert.run_id,
        "created_at": _iso(alert.created_at),
        "expected": alert.expected,
        "seen": alert.seen,
        "message": alert.message,
        "resolved_at": _iso(alert.resolved_at),
        "deliveries": alert.deliveries,
    }


def list_alerts(
    session: Session, *, site: str | None = None, status: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    query = select(Alert, Site).join(Site)
    if site:
        query = query.where(Site.domain == site)
    if status:
        query = query.where(Alert.status == status)
    rows = session.execute(query.order_by(Alert.id.desc()).limit(limit)).all()
    return [alert_record(a, s) for a, s in rows]


def lease_holder(session: Session, name: str) -> dict[str, Any] | None:
    lease = session.get(Lease, name)
    if lease is None:
        return None
    return {"owner": lease.owner, "acquired_at": _iso(lease.acquired_at), "expires_at": _iso(lease.expires_at)}


def site_health(session: Session, *, now: datetime, weeks: int = 8) -> list[dict[str, Any]]:
    """Per site: last run, articles published in the last 7 days against the weekly mean of the weeks before,
    open alerts. (Next run times live in the scheduler's job store; scheduler.py adds them.)"""
    week_start = now - timedelta(days=7)
    history_start = week_start - timedelta(weeks=weeks)
    result = []
    for site in session.scalars(select(Site).order_by(Site.domain)):
        last = last_run(session, site.domain)
        recent = session.scalar(
            select(func.count(Article.id)).where(Article.site_id == site.id, Article.published_at >= week_start)
        )
        before = session.scalar(
            select(func.count(Article.id)).where(
                Article.site_id == site.id,
                Article.published_at >= history_start,
                Article.published_at < week_start,
            )
        )
        open_alerts = session.scalar(
            select(func.count(Alert.id)).where(Alert.site_id == site.id, Alert.status == "open")
        )
        result.append(
            {
                "site": site.domain,
                "name": site.name,
                "last_run": last,
                "articles_7d": int(recent or 0),
                "usual_7d": round(int(before or 0) / weeks, 1),
                "open_alerts": int(open_alerts or 0),
            }
        )
    return result


def alerts_by_id(session: Session, alert_ids: list[int]) -> list[dict[str, Any]]:
    rows = session.execute(select(Alert, Site).join(Site).where(Alert.id.in_(alert_ids)).order_by(Alert.id)).all()
    return [alert_record(a, s) for a, s in rows]


def recent_article_urls(session: Session, site: str, *, since: datetime) -> list[str]:
    """URLs of the site's articles first seen or published since `since` and not marked removed."""
    rows = session.scalars(
        select(Article.url)
        .join(Site)
        .where(
            Site.domain == site,
            Article.removed_at.is_(None),
            or_(Article.first_seen_at >= since, Article.published_at >= since),
        )
        .order_by(Article.id)
    )
    return list(rows)
