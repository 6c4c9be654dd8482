"""The schema: sites, articles and their versions, raw pages, crawl runs, failed pages, alerts, leases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.types import SHANGHAI, Compressed, ShanghaiDateTime

JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: ShanghaiDateTime(),
        dict[str, Any]: JSONType,
        list[str]: JSONType,
    }


class Site(Base):
    """A publisher newsmon reads: one row per registrable domain (people.com.cn, e-gov.org.cn …)."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]

    articles: Mapped[list[Article]] = relationship(back_populates="site")


class Article(Base):
    """One article at its canonical URL; re-crawling updates it in place (never a second row)."""

    __tablename__ = "articles"
    # Articles per month (a trend's denominator) read from the index alone; id for PostgreSQL's index-only scan.
    __table_args__ = (Index("ix_articles_month_site", "published_month", "site_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(ShanghaiDateTime(stored_in=SHANGHAI), index=True)
    # 'YYYY-MM' of published_at in Asia/Shanghai, written with it: trends group by it through an index
    # instead of computing the month of every row (migration 0007).
    published_month: Mapped[str | None] = mapped_column(String(7))
    # How precise published_at is as the page stated it: day, minute or second.
    published_precision: Mapped[str | None] = mapped_column(String(8))
    source: Mapped[str | None] = mapped_column(Text)  # 来源: whom this copy names as its origin
    authors: Mapped[list[str]] = mapped_column(default=list)
    editors: Mapped[list[str]] = mapped_column(default=list)
    body: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    charset: Mapped[str | None] = mapped_column(String(32))
    field_rules: Mapped[dict[str, Any]] = mapped_column(default=dict)  # field -> rule that produced it
    warnings: Mapped[list[str]] = mapped_column(default=list)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    # Attribution (attribution): what kind of text, where and when the words were spoken, and the
    # evidence sentence and rule of each; the speakers are in article_speakers.
    kind: Mapped[str | None] = mapped_column(String(32), index=True)
    occasion: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(String(200))
    spoken_on: Mapped[date | None] = mapped_column(Date)
    attribution: Mapped[dict[str, Any]] = mapped_column(default=dict)

    # When the page first answered 404/410; the row is kept (never deleted), cleared if the page returns.
    removed_at: Mapped[datetime | None]

    site: Mapped[Site] = relationship(back_populates="articles")


class CrawlRun(Base):
    """One crawl of one site: when, why, how it ended and what it did."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    spider: Mapped[str] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column(String(20), default="manual")  # manual | schedule
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    # running | finished | incomplete (pages left undone, see crawler/ledger.py) | interrupted | failed
    status: Mapped[str] = mapped_column(String(20), default="running")
    pages_fetched: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    articles_changed: Mapped[int] = mapped_column(Integer, default=0)
    articles_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    pages_failed: Mapped[int] = mapped_column(Integer, default=0)
    pages_skipped: Mapped[int] = mapped_column(Integer, default=0)
    http_errors: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    articles_removed: Mapped[int] = mapped_column(Integer, default=0)
    http_status_counts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # "404" -> 3, "exception" -> 1
    field_coverage: Mapped[dict[str, Any]] = mapped_column(default=dict)  # see crawler/recorder.py field_coverage
    resumed_from: Mapped[int | None]  # the interrupted run of the same site this run carried on

    site: Mapped[Site] = relationship()


class ColumnFrontier(Base):
    """Per column of a site (its first list URL): the newest article listed when a run last read it completely.

    An incremental crawl stops at a known article only at or below this one; above it, articles are known only
    from runs that left gaps (a failed list page, a killed process), so the crawl pages on until it reaches it.
    """

    __tablename__ = "column_frontiers"
    __table_args__ = (UniqueConstraint("site_id", "column_url", name="uq_column_frontiers_site_column"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    column_url: Mapped[str] = mapped_column(String(2000))
    article_url: Mapped[str] = mapped_column(String(2000))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    reached_at: Mapped[datetime]


class RawPage(Base):
    """The bytes of a fetched article page as served, compressed; the same bytes at a URL are kept once."""

    __tablename__ = "raw_pages"
    __table_args__ = (UniqueConstraint("url", "sha256", name="uq_raw_pages_url_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    fetched_at: Mapped[datetime]
    http_status: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(String(200))
    charset: Mapped[str | None] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(Compressed())


class FailedPage(Base):
    """A page that could not be turned into an article: why, and its bytes so nothing is lost."""

    __tablename__ = "failed_pages"
    __table_args__ = (Index("ix_failed_pages_url", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    reason: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int | None]
    charset: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[bytes | None] = mapped_column(Compressed())
    failed_at: Mapped[datetime]


# ---- Registry of officials: one row per person and per body, across sites and years ---------------


class Organisation(Base):
    """A body officials belong to (工业和信息化部, its 信息化和软件服务业司 …), from the curated registry or text."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The full name as newsmon shows it (a department's includes its parent's: 工业和信息化部信息化和软件服务业司).
    name: Mapped[str] = mapped_column(String(300), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str | None] = mapped_column(String(32))
    curated: Mapped[bool] = mapped_column(default=False)  # from data/registry, not learned from text
    created_at: Mapped[datetime]


class OrganisationAlias(Base):
    """Another name of a body: 工信部 = 工业和信息化部, 工信部信软司 = …信息化和软件服务业司."""

    __tablename__ = "organisation_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    alias: Mapped[str] = mapped_column(String(300), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)


class Person(Base):
    """An official; one row per name (namesakes share a row: a known limit, see README)."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime]


class PersonRole(Base):
    """A post a person was seen holding, with the first and last day it was seen (speech or publish day)."""

    __tablename__ = "person_roles"
    __table_args__ = (UniqueConstraint("person_id", "role", "org_name", name="uq_person_roles_person_role_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    org_name: Mapped[str] = mapped_column(String(300), default="")  # "" when the text names no body
    first_seen: Mapped[date | None] = mapped_column(Date)
    last_seen: Mapped[date | None] = mapped_column(Date)


class ArticleSpeaker(Base):
    """A speaker of an article: the person, the post and body as this article gives them, and the evidence."""

    __tablename__ = "article_speakers"
    __table_args__ = (UniqueConstraint("article_id", "person_id", name="uq_article_speakers_article_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order of appearance in the article
    role: Mapped[str | None] = mapped_column(String(200))
    org: Mapped[str | None] = mapped_column(String(300))
    org_as_written: Mapped[str | None] = mapped_column(String(300))
    evidence: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[str] = mapped_column(String(100), default="")


class ArticleReprint(Base):
    """An article's place among copies of the same text: its MinHash signature, its reprint cluster and the
    cluster's original (canonical_id). Count one speech once with COUNT(DISTINCT coalesce(canonical_id, id))."""

    __tablename__ = "article_reprints"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    # Stable cluster id: the id of the cluster's first-stored member; singletons are their own cluster.
    cluster_id: Mapped[int] = mapped_column(Integer, index=True)
    canonical_id: Mapped[int] = mapped_column(Integer, index=True)  # the cluster's original article
    content_hash: Mapped[str] = mapped_column(String(64))  # the articles.content_hash the signature was made from
    title_key: Mapped[str] = mapped_column(String(40), index=True)  # sha1 of the NFKC title, for 来源 matches
    stated_site: Mapped[str | None] = mapped_column(String(253))  # another site the page names (来源, 转载自)
    minhash: Mapped[bytes] = mapped_column(LargeBinary)  # datasketch hash values, uint64 little-endian
    matched_with: Mapped[int | None] = mapped_column(Integer)  # the earlier article it was matched to
    match_reason: Mapped[str | None] = mapped_column(String(20))  # text | source | text+source
    similarity: Mapped[float | None] = mapped_column(Float)  # Jaccard with matched_with at ingest
    indexed_at: Mapped[datetime]


class ArticleReprintBand(Base):
    """The persistent LSH: one row per (band, bucket) of an article's MinHash, written with its article_reprints row.

    Candidates of a new article are the articles sharing any of its buckets: one indexed query, no in-memory index.
    No foreign key: a key on articles/article_reprints would need an index on article_id for its checks; rows are
    removed by their primary key (recomputed from the stored signature) in the same transaction instead."""

    __tablename__ = "article_reprint_bands"
    # The primary key is the table (SQLite WITHOUT ROWID): no second copy of the rows.
    __table_args__ = ({"sqlite_with_rowid": False},)

    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # a 64-bit hash of the band's MinHash rows
    article_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class ArticleTerm(Base):
    """How often an article uses a curated term (all its spellings, title and body), written with the article.

    Only terms listed in indexed_terms are complete over the archive; trends read them from here instead of
    scanning bodies (db/terms.py). An article without a row does not use the term.
    """

    __tablename__ = "article_terms"
    # By article too: rewriting one article's counts, and the cascade when an article goes.
    __table_args__ = (Index("ix_article_terms_article", "article_id"), {"sqlite_with_rowid": False})

    term: Mapped[str] = mapped_column(String(100), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    occurrences: Mapped[int] = mapped_column(Integer)
    # The article's month and site, copied when the counts are written (with the article's text), so that a
    # trend by month and site reads this table alone.
    published_month: Mapped[str | None] = mapped_column(String(7))
    site_id: Mapped[int] = mapped_column(Integer)


class ArticleTotal(Base):
    """How many articles a site holds per kind and month, copies of another article's speech apart (migration
    0012): what a browse, its facets and a trend's denominator read instead of counting every article. Kept in step
    by triggers on articles and article_reprints; a row whose count falls to zero is removed."""

    __tablename__ = "article_totals"

    site_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)  # '' for an article without a kind
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # 'YYYY-MM' of published_at; '' without one
    # 1: the article's reprint cluster names another article as its original (a copy the each-speech-once rule
    # leaves out when nothing else narrows the count), else 0.
    reprint: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    articles: Mapped[int] = mapped_column(Integer)


class IndexedTerm(Base):
    """A curated term counted in every stored article, and the spellings that were counted ('|'-joined): when the
    vocabulary gives the term other spellings, the counts are stale and trends fall back to the text."""

    __tablename__ = "indexed_terms"

    term: Mapped[str] = mapped_column(String(100), primary_key=True)
    spellings: Mapped[str] = mapped_column(Text)
    indexed_at: Mapped[datetime]


class ArticleVersion(Base):
    """One version of an article's text: version 1 as first stored, a new row whenever title or body change."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version", name="uq_article_versions_article_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(ShanghaiDateTime(stored_in=SHANGHAI))
    content_hash: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime]  # when this version was first fetched
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))


class Alert(Base):
    """Something ops must look at: what was expected, what was seen, on which site and run."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    kind: Mapped[str] = mapped_column(String(20))  # layout | quiet | zero_items | error_spike
    created_at: Mapped[datetime]
    expected: Mapped[str] = mapped_column(Text)
    seen: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | resolved
    resolved_at: Mapped[datetime | None]
    deliveries: Mapped[dict[str, Any]] = mapped_column(default=dict)  # channel -> "sent" | "error: …"

    site: Mapped[Site] = relationship()


class Lease(Base):
    """A named lock held by one process until it stops renewing it (the single-scheduler lock)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class, for the statements that skip the ORM (built once, run per article)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
