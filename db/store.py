"""Writes: sites, articles (idempotent upsert by URL) and their versions, raw pages, failed pages, runs, alerts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crawler.extraction.record import Extracted
from crawler.extraction.sites import site_name as default_site_name
from crawler.extraction.text import nfkc_key
from db.models import Alert, Article, ArticleVersion, CrawlRun, FailedPage, Lease, RawPage, Site
from db.types import SHANGHAI

Outcome = Literal["new", "changed", "unchanged"]


def now_shanghai() -> datetime:
    return datetime.now(SHANGHAI)


def content_hash(title: str, body: str) -> str:
    """What counts as the article's content: title and body, compared NFKC without whitespace."""
    return hashlib.sha256(f"{nfkc_key(title)}\n{nfkc_key(body)}".encode()).hexdigest()


def _insert(session: Session, table: Any) -> Any:
    """INSERT … ON CONFLICT support for the dialect in use (SQLite and PostgreSQL both have it)."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def ensure_site(session: Session, domain: str, name: str | None = None) -> int:
    """The site's id, inserting it if new; safe when two writers add the same site at once."""
    stmt = _insert(session, Site).values(domain=domain, name=name or domain, created_at=now_shanghai())
    session.execute(stmt.on_conflict_do_nothing(index_elements=["domain"]))
    site_id = session.scalar(select(Site.id).where(Site.domain == domain))
    assert site_id is not None
    return site_id


@dataclass(frozen=True)
class RawInput:
    """Bytes of a fetched page as served, kept beside the article (or failed page) made from them."""

    body: bytes
    http_status: int | None = None
    content_type: str | None = None
    charset: str | None = None


@dataclass(frozen=True)
class Stored:
    article_id: int
    outcome: Outcome


def store_article(
    session: Session,
    record: Extracted,
    *,
    site_name: str | None = None,
    raw: RawInput | None = None,
    run_id: int | None = None,
    seen_at: datetime | None = None,
) -> Stored:
    """Insert or update the article at record.url; the unique URL index, not a prior check, prevents twins.

    Returns whether the article was new, changed (title/body differ from the stored copy) or unchanged.
    """
    if not record.title or not record.body:
        raise ValueError(f"{record.url}: an article needs a title and a body")
    seen = seen_at or now_shanghai()
    site_id = ensure_site(session, record.site, site_name or default_site_name(record.site))
    digest = content_hash(record.title, record.body)
    values: dict[str, Any] = {
        "site_id": site_id,
        "title": record.title,
        "published_at": record.published_at,
        "published_precision": record.published_precision,
        "source": record.source,
        "authors": record.authors,
        "editors": record.editors,
        "body": record.body,
        "content_hash": digest,
        "charset": record.charset,
        "field_rules": record.rules,
        "warnings": record.warnings,
    }
    inserted = session.execute(
        _insert(session, Article)
        .values(url=record.url, first_seen_at=seen, last_seen_at=seen, **values)
        .on_conflict_do_nothing(index_elements=["url"])
        .returning(Article.id)
    ).scalar()
    if inserted is not None:
        outcome: Outcome = "new"
        article_id = int(inserted)
    else:
        query = select(Article.id, Article.content_hash).where(Article.url == record.url)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = session.execute(query).one()
        article_id = row.id
        outcome = "unchanged" if row.content_hash == digest else "changed"
        # Answering again means the page is back: a removal mark no longer holds.
        changes = {"last_seen_at": seen, "removed_at": None}
        if outcome == "changed":
            changes.update(values)
        session.execute(update(Article).where(Article.id == article_id).values(**changes))
    if outcome != "unchanged":
        _add_version(session, article_id, record, digest, seen_at=seen, run_id=run_id)
    if raw is not None:
        store_raw_page(session, record.url, raw, article_id=article_id, run_id=run_id, fetched_at=seen)
    return Stored(article_id, outcome)


def _add_version(
    session: Session, article_id: int, record: Extracted, digest: str, *, seen_at: datetime, run_id: int | None
) -> None:
    """Keep the text as a new version; the previous versions stay as they were (edit tracking)."""
    latest = session.scalar(select(func.max(ArticleVersion.version)).where(ArticleVersion.article_id == article_id))
    assert record.title and record.body
    session.add(
        ArticleVersion(
            article_id=article_id,
            version=(latest or 0) + 1,
            title=record.title,
            body=record.body,
            source=record.source,
            published_at=record.published_at,
            content_hash=digest,
            seen_at=seen_at,
            run_id=run_id,
        )
    )
    session.flush()


def mark_removed(session: Session, url: str, *, when: datetime | None = None) -> int | None:
    """Mark the stored article at url as removed (it answered 404/410); its id, or None if none is stored.

    The row and every version stay: a removal is a fact about the site, not a reason to forget the text.
    """
    article_id = session.scalar(select(Article.id).where(Article.url == url))
    if article_id is None:
        return None
    session.execute(
        update(Article)
        .where(Article.id == article_id, Article.removed_at.is_(None))
        .values(removed_at=when or now_shanghai())
    )
    return int(article_id)


def store_raw_page(
    session: Session, url: str, raw: RawInput, *, article_id: int | None, run_id: int | None, fetched_at: datetime
) -> None:
    """Keep the page bytes once per (URL, content): a re-crawl of unchanged bytes adds nothing."""
    session.execute(
        _insert(session, RawPage)
        .values(
            url=url,
            article_id=article_id,
            run_id=run_id,
            fetched_at=fetched_at,
            http_status=raw.http_status,
            content_type=raw.content_type,
            charset=raw.charset,
            size=len(raw.body),
            sha256=hashlib.sha256(raw.body).hexdigest(),
            body=raw.body,
        )
        .on_conflict_do_nothing(index_elements=["url", "sha256"])
    )


def record_failed_page(
    session: Session,
    url: str,
    reason: str,
    *,
    raw: RawInput | None = None,
    http_status: int | None = None,
    run_id: int | None = None,
) -> int:
    """Keep a page that did not become an article: why, its HTTP status and its bytes when there were any."""
    page = FailedPage(
        url=url,
        reason=reason,
        run_id=run_id,
        failed_at=now_shanghai(),
        http_status=raw.http_status if raw else http_status,
        charset=raw.charset if raw else None,
        body=raw.body if raw else None,
    )
    session.add(page)
    session.flush()
    return page.id


def start_run(
    session: Session,
    site: str,
    spider: str,
    *,
    site_name: str | None = None,
    trigger: str = "manual",
    resumed_from: int | None = None,
) -> int:
    run = CrawlRun(
        site_id=ensure_site(session, site, site_name),
        spider=spider,
        trigger=trigger,
        started_at=now_shanghai(),
        status="running",
        stats={},
        resumed_from=resumed_from,
    )
    session.add(run)
    session.flush()
    return run.id


RUN_COUNTERS = (
    "pages_fetched",
    "articles_new",
    "articles_changed",
    "articles_unchanged",
    "pages_failed",
    "pages_skipped",
    "http_errors",
    "articles_removed",
)


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    counts: dict[str, int],
    message: str | None = None,
    stats: dict[str, Any] | None = None,
    http_status_counts: dict[str, int] | None = None,
    field_coverage: dict[str, Any] | None = None,
) -> None:
    values: dict[str, Any] = {k: int(counts.get(k, 0)) for k in RUN_COUNTERS}
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id)
        .values(
            status=status,
            finished_at=now_shanghai(),
            message=message,
            stats=stats or {},
            http_status_counts=http_status_counts or {},
            field_coverage=field_coverage or {},
            **values,
        )
    )


def close_dead_runs(session: Session, site: str) -> list[int]:
    """Runs of the site still marked running whose process is gone: mark them interrupted; their ids.

    Only call this while holding the site's crawl lock (crawler/jobs.py): then no live crawl owns them.
    """
    ids = list(
        session.scalars(
            select(CrawlRun.id)
            .join(Site)
            .where(Site.domain == site, CrawlRun.status == "running")
            .order_by(CrawlRun.id)
        )
    )
    if ids:
        session.execute(
            update(CrawlRun)
            .where(CrawlRun.id.in_(ids))
            .values(
                status="interrupted",
                finished_at=now_shanghai(),
                message="the crawl process ended without closing its run (killed)",
            )
        )
    return ids


# ---- alerts ------------------------------------------------------------------------------------------------


def record_alert(
    session: Session, *, site: str, kind: str, expected: str, seen: str, message: str, run_id: int | None
) -> int | None:
    """Open an alert unless one of the same kind is already open for the site (one alert per problem)."""
    site_id = ensure_site(session, site)
    already = session.scalar(
        select(Alert.id).where(Alert.site_id == site_id, Alert.kind == kind, Alert.status == "open").limit(1)
    )
    if already is not None:
        return None
    alert = Alert(
        site_id=site_id,
        run_id=run_id,
        kind=kind,
        created_at=now_shanghai(),
        expected=expected,
        seen=seen,
        message=message,
        status="open",
        deliveries={},
    )
    session.add(alert)
    session.flush()
    return alert.id


def resolve_alerts(session: Session, *, site: str, kind: str | None = None, alert_id: int | None = None) -> int:
    """Close open alerts (of one kind for a site, or one by id); how many were closed."""
    query = update(Alert).where(Alert.status == "open")
    if alert_id is not None:
        query = query.where(Alert.id == alert_id)
    else:
        site_id = session.scalar(select(Site.id).where(Site.domain == site))
        if site_id is None:
            return 0
        query = query.where(Alert.site_id == site_id)
        if kind is not None:
            query = query.where(Alert.kind == kind)
    result = session.execute(query.values(status="resolved", resolved_at=now_shanghai()))
    return int(getattr(result, "rowcount", 0) or 0)


def record_deliveries(session: Session, alert_id: int, deliveries: dict[str, str]) -> None:
    session.execute(update(Alert).where(Alert.id == alert_id).values(deliveries=deliveries))


# ---- leases (the single-scheduler lock) ---------------------------------------------------------------------


def acquire_lease(session: Session, name: str, owner: str, *, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take or renew the lease `name` for `owner`; False while another owner holds an unexpired one.

    One INSERT … ON CONFLICT DO NOTHING and one conditional UPDATE: atomic on SQLite and PostgreSQL alike.
    """
    moment = now or now_shanghai()
    session.execute(
        _insert(session, Lease)
        .values(name=name, owner=owner, acquired_at=moment, expires_at=moment + ttl)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    result = session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.owner == owner, Lease.expires_at < moment))
        # A renewal keeps acquired_at; a lease taken over from an expired owner starts now.
        .values(
            owner=owner,
            expires_at=moment + ttl,
            acquired_at=case((Lease.owner == owner, Lease.acquired_at), else_=moment),
        )
    )
    return getattr(result, "rowcount", 0) == 1


def release_lease(session: Session, name: str, owner: str) -> None:
    session.execute(delete(Lease).where(Lease.name == name, Lease.owner == owner))


def known_urls(session: Session, site: str) -> set[str]:
    """URLs of the site's stored articles: the spider stops at these (incremental crawl)."""
    rows = session.scalars(select(Article.url).join(Site).where(Site.domain == site))
    return set(rows)


def article_count(session: Session) -> int:
    return int(session.scalar(select(func.count(Article.id))) or 0)
