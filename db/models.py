"""The classes writing code uses: sites, articles and their versions, raw pages, crawl runs, failed pages, alerts,
leases and the registry of officials, mapped onto the tables of db/tables.py (columns and their meaning are there)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from db import tables


class Base(DeclarativeBase):
    metadata = tables.metadata


class Site(Base):
    """A publisher newsmon reads: one row per registrable domain (people.com.cn, e-gov.org.cn …)."""

    __table__ = tables.sites

    id: Mapped[int]
    domain: Mapped[str]
    name: Mapped[str]
    created_at: Mapped[datetime]

    articles: Mapped[list[Article]] = relationship(back_populates="site")


class Article(Base):
    """One article at its canonical URL; re-crawling updates it in place (never a second row)."""

    __table__ = tables.articles

    id: Mapped[int]
    url: Mapped[str]
    site_id: Mapped[int]
    title: Mapped[str]
    published_at: Mapped[datetime | None]
    published_month: Mapped[str | None]
    published_precision: Mapped[str | None]
    source: Mapped[str | None]
    authors: Mapped[list[str]]
    editors: Mapped[list[str]]
    body: Mapped[str]
    content_hash: Mapped[str]
    charset: Mapped[str | None]
    field_rules: Mapped[dict[str, Any]]
    warnings: Mapped[list[str]]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    kind: Mapped[str | None]
    occasion: Mapped[str | None]
    place: Mapped[str | None]
    spoken_on: Mapped[date | None]
    attribution: Mapped[dict[str, Any]]

    removed_at: Mapped[datetime | None]

    site: Mapped[Site] = relationship(back_populates="articles")


class CrawlRun(Base):
    """One crawl of one site: when, why, how it ended and what it did."""

    __table__ = tables.crawl_runs

    id: Mapped[int]
    site_id: Mapped[int]
    spider: Mapped[str]
    trigger: Mapped[str]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str]
    pages_fetched: Mapped[int]
    articles_new: Mapped[int]
    articles_changed: Mapped[int]
    articles_unchanged: Mapped[int]
    pages_failed: Mapped[int]
    pages_skipped: Mapped[int]
    http_errors: Mapped[int]
    message: Mapped[str | None]
    stats: Mapped[dict[str, Any]]
    articles_removed: Mapped[int]
    http_status_counts: Mapped[dict[str, Any]]
    field_coverage: Mapped[dict[str, Any]]
    resumed_from: Mapped[int | None]

    site: Mapped[Site] = relationship()


class ColumnFrontier(Base):
    """Per column of a site (its first list URL): the newest article listed when a run last read it completely.

    An incremental crawl stops at a known article only at or below this one; above it, articles are known only
    from runs that left gaps (a failed list page, a killed process), so the crawl pages on until it reaches it.
    """

    __table__ = tables.column_frontiers

    id: Mapped[int]
    site_id: Mapped[int]
    column_url: Mapped[str]
    article_url: Mapped[str]
    run_id: Mapped[int | None]
    reached_at: Mapped[datetime]


class RawPage(Base):
    """The bytes of a fetched article page as served, compressed; the same bytes at a URL are kept once."""

    __table__ = tables.raw_pages

    id: Mapped[int]
    url: Mapped[str]
    article_id: Mapped[int | None]
    run_id: Mapped[int | None]
    fetched_at: Mapped[datetime]
    http_status: Mapped[int | None]
    content_type: Mapped[str | None]
    charset: Mapped[str | None]
    size: Mapped[int]
    sha256: Mapped[str]
    body: Mapped[bytes]


class FailedPage(Base):
    """A page that could not be turned into an article: why, and its bytes so nothing is lost."""

    __table__ = tables.failed_pages

    id: Mapped[int]
    run_id: Mapped[int | None]
    url: Mapped[str]
    reason: Mapped[str]
    http_status: Mapped[int | None]
    charset: Mapped[str | None]
    body: Mapped[bytes | None]
    failed_at: Mapped[datetime]


# ---- Registry of officials: one row per person and per body, across sites and years ---------------


class Organisation(Base):
    """A body officials belong to (工业和信息化部, its 信息化和软件服务业司 …), from the curated registry or text."""

    __table__ = tables.organisations

    id: Mapped[int]
    name: Mapped[str]
    parent_id: Mapped[int | None]
    kind: Mapped[str | None]
    curated: Mapped[bool]
    created_at: Mapped[datetime]


class OrganisationAlias(Base):
    """Another name of a body: 工信部 = 工业和信息化部, 工信部信软司 = …信息化和软件服务业司."""

    __table__ = tables.organisation_aliases

    id: Mapped[int]
    alias: Mapped[str]
    organisation_id: Mapped[int]


class Person(Base):
    """An official; one row per name (namesakes share a row: a known limit, see README)."""

    __table__ = tables.people

    id: Mapped[int]
    name: Mapped[str]
    created_at: Mapped[datetime]


class PersonRole(Base):
    """A post a person was seen holding, with the first and last day it was seen (speech or publish day)."""

    __table__ = tables.person_roles

    id: Mapped[int]
    person_id: Mapped[int]
    role: Mapped[str]
    organisation_id: Mapped[int | None]
    org_name: Mapped[str]
    first_seen: Mapped[date | None]
    last_seen: Mapped[date | None]


class ArticleSpeaker(Base):
    """A speaker of an article: the person, the post and body as this article gives them, and the evidence."""

    __table__ = tables.article_speakers

    id: Mapped[int]
    article_id: Mapped[int]
    person_id: Mapped[int]
    organisation_id: Mapped[int | None]
    position: Mapped[int]
    role: Mapped[str | None]
    org: Mapped[str | None]
    org_as_written: Mapped[str | None]
    evidence: Mapped[str]
    rule: Mapped[str]


class ArticleReprint(Base):
    """An article's place among copies of the same text: its MinHash signature, its reprint cluster and the
    cluster's original (canonical_id). Count one speech once with COUNT(DISTINCT coalesce(canonical_id, id))."""

    __table__ = tables.article_reprints

    article_id: Mapped[int]
    cluster_id: Mapped[int]
    canonical_id: Mapped[int]
    content_hash: Mapped[str]
    title_key: Mapped[str]
    stated_site: Mapped[str | None]
    minhash: Mapped[bytes]
    matched_with: Mapped[int | None]
    match_reason: Mapped[str | None]
    similarity: Mapped[float | None]
    indexed_at: Mapped[datetime]


class ArticleReprintBand(Base):
    """The persistent LSH: one row per (band, bucket) of an article's MinHash, written with its article_reprints row.

    Candidates of a new article are the articles sharing any of its buckets: one indexed query, no in-memory index.
    No foreign key: a key on articles/article_reprints would need an index on article_id for its checks; rows are
    removed by their primary key (recomputed from the stored signature) in the same transaction instead."""

    __table__ = tables.article_reprint_bands

    band: Mapped[int]
    bucket: Mapped[int]
    article_id: Mapped[int]


class ArticleTerm(Base):
    """How often an article uses a curated term (all its spellings, title and body), written with the article.

    Only terms listed in indexed_terms are complete over the archive; trends read them from here instead of
    scanning bodies (db/terms.py). An article without a row does not use the term.
    """

    __table__ = tables.article_terms

    term: Mapped[str]
    article_id: Mapped[int]
    occurrences: Mapped[int]
    published_month: Mapped[str | None]
    site_id: Mapped[int]


class ArticleTotal(Base):
    """How many articles a site holds per kind and month, copies of another article's speech apart (migration
    0012): what a browse, its facets and a trend's denominator read instead of counting every article. Kept in step
    by triggers on articles and article_reprints; a row whose count falls to zero is removed."""

    __table__ = tables.article_totals

    site_id: Mapped[int]
    kind: Mapped[str]
    month: Mapped[str]
    reprint: Mapped[int]
    articles: Mapped[int]


class IndexedTerm(Base):
    """A curated term counted in every stored article, and the spellings that were counted ('|'-joined): when the
    vocabulary gives the term other spellings, the counts are stale and trends fall back to the text."""

    __table__ = tables.indexed_terms

    term: Mapped[str]
    spellings: Mapped[str]
    indexed_at: Mapped[datetime]


class ArticleVersion(Base):
    """One version of an article's text: version 1 as first stored, a new row whenever title or body change."""

    __table__ = tables.article_versions

    id: Mapped[int]
    article_id: Mapped[int]
    version: Mapped[int]
    title: Mapped[str]
    body: Mapped[str]
    source: Mapped[str | None]
    published_at: Mapped[datetime | None]
    content_hash: Mapped[str]
    seen_at: Mapped[datetime]
    run_id: Mapped[int | None]


class Alert(Base):
    """Something ops must look at: what was expected, what was seen, on which site and run."""

    __table__ = tables.alerts

    id: Mapped[int]
    site_id: Mapped[int]
    run_id: Mapped[int | None]
    kind: Mapped[str]
    created_at: Mapped[datetime]
    expected: Mapped[str]
    seen: Mapped[str]
    message: Mapped[str]
    status: Mapped[str]
    resolved_at: Mapped[datetime | None]
    deliveries: Mapped[dict[str, Any]]

    site: Mapped[Site] = relationship()


class Lease(Base):
    """A named lock held by one process until it stops renewing it (the single-scheduler lock)."""

    __table__ = tables.leases

    name: Mapped[str]
    owner: Mapped[str]
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]
