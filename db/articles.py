"""Writes of articles: sites, articles (idempotent upsert by URL) and their versions, raw pages, failed pages."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Table, TextualSelect, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from db import tables
from db.fts import bigram_text
from db.models import (
    Article,
    ArticleVersion,
    FailedPage,
    Site,
)
from db.registry import attribution_columns, store_attribution
from db.terms import store_term_counts
from db.types import SHANGHAI, insert_for, now_shanghai
from ground.article import Extracted
from ground.sites import site_name as default_site_name
from ground.text import nfkc_key

if TYPE_CHECKING:
    from ground.speech import Attribution

Outcome = Literal["new", "changed", "unchanged"]

# SQLite: the tokens of an article about to be inserted or changed, for the full-text triggers to index instead of
# tokenising its text in SQL (migration 0015); the triggers remove the row they use, store_article any it left.
_STAGE = text(
    "INSERT OR REPLACE INTO fts_staged (url, title, body, old_title, old_body) "
    "VALUES (:url, :title, :body, :old_title, :old_body)"
)
_UNSTAGE = text("DELETE FROM fts_staged WHERE url = :url")


def content_hash(title: str, body: str) -> str:
    """What counts as the article's content: title and body, compared NFKC without whitespace."""
    return hashlib.sha256(f"{nfkc_key(title)}\n{nfkc_key(body)}".encode()).hexdigest()


@cache
def _insert_or_skip(table: Table, columns: tuple[str, ...], conflict: tuple[str, ...], returning: str) -> TextualSelect:
    """INSERT … ON CONFLICT (…) DO NOTHING RETURNING … as one statement SQLAlchemy compiles once.

    The dialects' insert() with on_conflict_do_nothing() is not cacheable: it was compiled anew for every
    article, a sixth of ingest time. The same SQL as text with typed parameters (JSON and time-zone types
    still convert) is compiled once. SQLite (3.35+) and PostgreSQL both take this syntax.
    """
    names = ", ".join(f'"{name}"' for name in columns)
    values = ", ".join(f":{name}" for name in columns)
    keys = ", ".join(f'"{name}"' for name in conflict)
    statement = text(
        f'INSERT INTO "{table.name}" ({names}) VALUES ({values}) '
        f'ON CONFLICT ({keys}) DO NOTHING RETURNING "{returning}"'
    )
    return statement.bindparams(*(bindparam(name, type_=table.c[name].type) for name in columns)).columns(
        table.c[returning]
    )


# Statements run for every stored article are built once: SQLAlchemy then reuses their cache key and compiled
# form, where building one per call cost more CPU than the database spent running it (crawl profile).
_SITE_ID = select(Site.id).where(Site.domain == bindparam("domain"))
_LATEST_VERSION = select(func.max(ArticleVersion.version)).where(ArticleVersion.article_id == bindparam("article_id"))
_ADD_VERSION = insert(tables.article_versions)


def ensure_site(session: Session, domain: str, name: str | None = None) -> int:
    """The site's id, inserting it if new; safe when two writers add the same site at once."""
    site_id = session.connection().scalar(_SITE_ID, {"domain": domain})
    if site_id is not None:
        return site_id
    stmt = insert_for(session, Site).values(domain=domain, name=name or domain, created_at=now_shanghai())
    session.connection().execute(stmt.on_conflict_do_nothing(index_elements=["domain"]))
    site_id = session.connection().scalar(_SITE_ID, {"domain": domain})
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


def article_values(record: Extracted, site_id: int) -> dict[str, Any]:
    """The articles columns an extracted record sets (all but url and the seen/removed times)."""
    assert record.title is not None and record.body is not None
    return {
        "site_id": site_id,
        "title": record.title,
        "published_at": record.published_at,
        "published_month": record.published_at.astimezone(SHANGHAI).strftime("%Y-%m") if record.published_at else None,
        "published_precision": record.published_precision,
        "source": record.source,
        "authors": record.authors,
        "editors": record.editors,
        "body": record.body,
        "content_hash": content_hash(record.title, record.body),
        "charset": record.charset,
        "field_rules": record.rules,
        "warnings": record.warnings,
    }


def store_article(
    session: Session,
    record: Extracted,
    *,
    site_name: str | None = None,
    raw: RawInput | None = None,
    run_id: int | None = None,
    seen_at: datetime | None = None,
    attribution: Attribution | None = None,
) -> Stored:
    """Insert or update the article at record.url; the unique URL index, not a prior check, prevents twins.

    Returns whether the article was new, changed (title/body differ from the stored copy) or unchanged.
    With an attribution, its speakers are resolved to registry rows in the same transaction.
    """
    if not record.title or not record.body:
        raise ValueError(f"{record.url}: an article needs a title and a body")
    seen = seen_at or now_shanghai()
    site_id = ensure_site(session, record.site, site_name or default_site_name(record.site))
    values = article_values(record, site_id)
    digest = values["content_hash"]
    new_row = {"url": record.url, "first_seen_at": seen, "last_seen_at": seen, "attribution": {}, **values}
    if attribution is not None:
        # A new row gets its attribution in the INSERT itself: an UPDATE right after it would write the row a
        # second time and, as kind is indexed, every index entry with it (PostgreSQL cannot make it a HOT update).
        new_row.update(attribution_columns(attribution))
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        tokens = {"title": bigram_text(record.title), "body": bigram_text(record.body)}
        session.connection().execute(_STAGE, {"url": record.url, **tokens, "old_title": None, "old_body": None})
    statement = _insert_or_skip(tables.articles, tuple(new_row), ("url",), "id")
    inserted = session.connection().execute(statement, new_row).scalar()
    if inserted is not None:
        outcome: Outcome = "new"
        article_id = int(inserted)
    else:
        query = select(Article.id, Article.content_hash).where(Article.url == record.url)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = session.connection().execute(query).one()
        article_id = row.id
        outcome = "unchanged" if row.content_hash == digest else "changed"
        # Answering again means the page is back: a removal mark no longer holds.
        changes = {"last_seen_at": seen, "removed_at": None}
        if outcome == "changed":
            changes.update(values)
            if sqlite:  # the text being replaced, for its entries to be taken out of the index
                before = session.connection().execute(
                    select(Article.title, Article.body).where(Article.id == article_id)
                )
                title, body = before.one()
                replaced = {"old_title": bigram_text(title), "old_body": bigram_text(body)}
                session.connection().execute(_STAGE, {"url": record.url, **tokens, **replaced})
        session.connection().execute(update(Article).where(Article.id == article_id).values(**changes))
    if sqlite:
        session.connection().execute(_UNSTAGE, {"url": record.url})
    if outcome != "unchanged":
        _add_version(session, article_id, record, digest, seen_at=seen, run_id=run_id, first=outcome == "new")
        store_term_counts(
            session,
            article_id,
            record.title,
            record.body,
            month=values["published_month"],
            site_id=site_id,
            new=outcome == "new",
        )
    if raw is not None:
        store_raw_page(session, record.url, raw, article_id=article_id, run_id=run_id, fetched_at=seen)
    if attribution is not None:
        published = record.published_at.astimezone(SHANGHAI).date() if record.published_at else seen.date()
        store_attribution(
            session, article_id, attribution, seen_on=attribution.spoken_on or published, new=outcome == "new"
        )
    return Stored(article_id, outcome)


def _add_version(
    session: Session,
    article_id: int,
    record: Extracted,
    digest: str,
    *,
    seen_at: datetime,
    run_id: int | None,
    first: bool = False,
) -> None:
    """Keep the text as a new version; the previous versions stay as they were (edit tracking).
    A new article's (`first`) is version 1 without asking."""
    latest = None if first else session.connection().scalar(_LATEST_VERSION, {"article_id": article_id})
    assert record.title and record.body
    session.connection().execute(
        _ADD_VERSION,
        {
            "article_id": article_id,
            "version": (latest or 0) + 1,
            "title": record.title,
            "body": record.body,
            "source": record.source,
            "published_at": record.published_at,
            "content_hash": digest,
            "seen_at": seen_at,
            "run_id": run_id,
        },
    )


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
    row = {
        "url": url,
        "article_id": article_id,
        "run_id": run_id,
        "fetched_at": fetched_at,
        "http_status": raw.http_status,
        "content_type": raw.content_type,
        "charset": raw.charset,
        "size": len(raw.body),
        "sha256": hashlib.sha256(raw.body).hexdigest(),
        "body": raw.body,
    }
    session.connection().execute(_insert_or_skip(tables.raw_pages, tuple(row), ("url", "sha256"), "id"), row)


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


def known_urls(session: Session, site: str) -> set[str]:
    """URLs of the site's stored articles: the spider stops at these (incremental crawl)."""
    rows = session.scalars(select(Article.url).join(Site).where(Site.domain == site))
    return set(rows)


def article_count(session: Session) -> int:
    return int(session.scalar(select(func.count(Article.id))) or 0)
