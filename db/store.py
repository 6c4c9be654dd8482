"""Writes: sites, articles (idempotent upsert by URL), raw pages, failed pages and crawl runs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crawler.extraction.record import Extracted
from crawler.extraction.sites import site_name as default_site_name
from crawler.extraction.text import nfkc_key
from db.models import Article, CrawlRun, FailedPage, RawPage, Site
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
        changes = {"last_seen_at": seen} if outcome == "unchanged" else {"last_seen_at": seen, **values}
        session.execute(update(Article).where(Article.id == article_id).values(**changes))
    if raw is not None:
        store_raw_page(session, record.url, raw, article_id=article_id, run_id=run_id, fetched_at=seen)
    return Stored(article_id, outcome)


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
    session: Session, site: str, spider: str, *, site_name: str | None = None, trigger: str = "manual"
) -> int:
    run = CrawlRun(
        site_id=ensure_site(session, site, site_name),
        spider=spider,
        trigger=trigger,
        started_at=now_shanghai(),
        status="running",
        stats={},
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
)


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    counts: dict[str, int],
    message: str | None = None,
    stats: dict[str, Any] | None = None,
) -> None:
    values: dict[str, Any] = {k: int(counts.get(k, 0)) for k in RUN_COUNTERS}
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id)
        .values(status=status, finished_at=now_shanghai(), message=message, stats=stats or {}, **values)
    )


def known_urls(session: Session, site: str) -> set[str]:
    """URLs of the site's stored articles: the spider stops at these (incremental crawl)."""
    rows = session.scalars(select(Article.url).join(Site).where(Site.domain == site))
    return set(rows)


def article_count(session: Session) -> int:
    return int(session.scalar(select(func.count(Article.id))) or 0)
