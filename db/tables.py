"""The schema as SQLAlchemy Core tables, defined once: reading code builds its statements on these and never needs
the ORM (which costs a command line tenths of a second to import); db/models.py and db/watch_models.py map the
classes that writing code uses onto the same tables. Migrations (db/migrations) carry their own copies."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from db.types import SHANGHAI, Compressed, JSONDocument, ShanghaiDateTime

metadata = MetaData()


# A publisher newsmon reads: one row per registrable domain (people.com.cn, e-gov.org.cn …). Mapped by Site.
sites = Table(
    "sites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("domain", String(253), unique=True, nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", ShanghaiDateTime(), nullable=False),
)

# One article at its canonical URL; re-crawling updates it in place (never a second row). Mapped by Article.
articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2000), unique=True, nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id"), index=True, nullable=False),
    Column("title", Text, nullable=False),
    Column("published_at", ShanghaiDateTime(stored_in=SHANGHAI), index=True),
    # 'YYYY-MM' of published_at in Asia/Shanghai, written with it: trends group by it through an index
    # instead of computing the month of every row (migration 0007).
    Column("published_month", String(7)),
    # How precise published_at is as the page stated it: day, minute or second.
    Column("published_precision", String(8)),
    Column("source", Text),  # 来源: whom this copy names as its origin
    Column("authors", JSONDocument(), default=list, nullable=False),
    Column("editors", JSONDocument(), default=list, nullable=False),
    Column("body", Text, nullable=False),
    Column("content_hash", String(64), index=True, nullable=False),
    Column("charset", String(32)),
    Column("field_rules", JSONDocument(), default=dict, nullable=False),  # field -> rule that produced it
    Column("warnings", JSONDocument(), default=list, nullable=False),
    Column("first_seen_at", ShanghaiDateTime(), nullable=False),
    Column("last_seen_at", ShanghaiDateTime(), nullable=False),
    # Attribution (attribution): what kind of text, where and when the words were spoken, and the
    # evidence sentence and rule of each; the speakers are in article_speakers.
    Column("kind", String(32), index=True),
    Column("occasion", Text),
    Column("place", String(200)),
    Column("spoken_on", Date),
    Column("attribution", JSONDocument(), default=dict, nullable=False),
    # When the page first answered 404/410; the row is kept (never deleted), cleared if the page returns.
    Column("removed_at", ShanghaiDateTime()),
    Index("ix_articles_month_site", "published_month", "site_id", "id"),
)

# One crawl of one site: when, why, how it ended and what it did. Mapped by CrawlRun.
crawl_runs = Table(
    "crawl_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), index=True, nullable=False),
    Column("spider", String(100), nullable=False),
    Column("trigger", String(20), default="manual", nullable=False),  # manual | schedule
    Column("started_at", ShanghaiDateTime(), nullable=False),
    Column("finished_at", ShanghaiDateTime()),
    # running | finished | incomplete (pages left undone, see crawler/ledger.py) | interrupted | failed
    Column("status", String(20), default="running", nullable=False),
    Column("pages_fetched", Integer, default=0, nullable=False),
    Column("articles_new", Integer, default=0, nullable=False),
    Column("articles_changed", Integer, default=0, nullable=False),
    Column("articles_unchanged", Integer, default=0, nullable=False),
    Column("pages_failed", Integer, default=0, nullable=False),
    Column("pages_skipped", Integer, default=0, nullable=False),
    Column("http_errors", Integer, default=0, nullable=False),
    Column("message", Text),
    Column("stats", JSONDocument(), default=dict, nullable=False),
    Column("articles_removed", Integer, default=0, nullable=False),
    Column("http_status_counts", JSONDocument(), default=dict, nullable=False),  # "404" -> 3, "exception" -> 1
    Column("field_coverage", JSONDocument(), default=dict, nullable=False),  # see crawler/recorder.py field_coverage
    Column("resumed_from", Integer),  # the interrupted run of the same site this run carried on
)

# Per column of a site (its first list URL): the newest article listed when a run last read it completely. Mapped by
# ColumnFrontier.
column_frontiers = Table(
    "column_frontiers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("column_url", String(2000), nullable=False),
    Column("article_url", String(2000), nullable=False),
    Column("run_id", Integer, ForeignKey("crawl_runs.id")),
    Column("reached_at", ShanghaiDateTime(), nullable=False),
    UniqueConstraint("site_id", "column_url", name="uq_column_frontiers_site_column"),
)

# The bytes of a fetched article page as served, compressed; the same bytes at a URL are kept once. Mapped by RawPage.
raw_pages = Table(
    "raw_pages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2000), nullable=False),
    Column("article_id", Integer, ForeignKey("articles.id"), index=True),
    Column("run_id", Integer, ForeignKey("crawl_runs.id")),
    Column("fetched_at", ShanghaiDateTime(), nullable=False),
    Column("http_status", Integer),
    Column("content_type", String(200)),
    Column("charset", String(32)),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("body", Compressed(), nullable=False),
    UniqueConstraint("url", "sha256", name="uq_raw_pages_url_sha256"),
)

# A page that could not be turned into an article: why, and its bytes so nothing is lost. Mapped by FailedPage.
failed_pages = Table(
    "failed_pages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("crawl_runs.id"), index=True),
    Column("url", String(2000), nullable=False),
    Column("reason", Text, nullable=False),
    Column("http_status", Integer),
    Column("charset", String(32)),
    Column("body", Compressed()),
    Column("failed_at", ShanghaiDateTime(), nullable=False),
    Index("ix_failed_pages_url", "url"),
)

# A body officials belong to (工业和信息化部, its 信息化和软件服务业司 …), from the curated registry or text.
# Mapped by Organisation.
organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True),
    # The full name as newsmon shows it (a department's includes its parent's: 工业和信息化部信息化和软件服务业司).
    Column("name", String(300), unique=True, nullable=False),
    Column("parent_id", Integer, ForeignKey("organisations.id")),
    Column("kind", String(32)),
    Column("curated", Boolean, default=False, nullable=False),  # from data/registry, not learned from text
    Column("created_at", ShanghaiDateTime(), nullable=False),
)

# Another name of a body: 工信部 = 工业和信息化部, 工信部信软司 = …信息化和软件服务业司. Mapped by OrganisationAlias.
organisation_aliases = Table(
    "organisation_aliases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alias", String(300), unique=True, nullable=False),
    Column("organisation_id", Integer, ForeignKey("organisations.id"), index=True, nullable=False),
)

# An official; one row per name (namesakes share a row: a known limit, see README). Mapped by Person.
people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), unique=True, nullable=False),
    Column("created_at", ShanghaiDateTime(), nullable=False),
)

# A post a person was seen holding, with the first and last day it was seen (speech or publish day). Mapped by
# PersonRole.
person_roles = Table(
    "person_roles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id"), index=True, nullable=False),
    Column("role", String(200), nullable=False),
    Column("organisation_id", Integer, ForeignKey("organisations.id"), index=True),
    Column("org_name", String(300), default="", nullable=False),  # "" when the text names no body
    Column("first_seen", Date),
    Column("last_seen", Date),
    UniqueConstraint("person_id", "role", "org_name", name="uq_person_roles_person_role_org"),
)

# A speaker of an article: the person, the post and body as this article gives them, and the evidence. Mapped by
# ArticleSpeaker.
article_speakers = Table(
    "article_speakers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id"), index=True, nullable=False),
    Column("person_id", Integer, ForeignKey("people.id"), index=True, nullable=False),
    Column("organisation_id", Integer, ForeignKey("organisations.id"), index=True),
    Column("position", Integer, default=0, nullable=False),  # order of appearance in the article
    Column("role", String(200)),
    Column("org", String(300)),
    Column("org_as_written", String(300)),
    Column("evidence", Text, default="", nullable=False),
    Column("rule", String(100), default="", nullable=False),
    UniqueConstraint("article_id", "person_id", name="uq_article_speakers_article_person"),
)

# An article's place among copies of the same text: its MinHash signature, its reprint cluster and the cluster's
# original (canonical_id). Mapped by ArticleReprint.
article_reprints = Table(
    "article_reprints",
    metadata,
    Column("article_id", Integer, ForeignKey("articles.id"), primary_key=True),
    # Stable cluster id: the id of the cluster's first-stored member; singletons are their own cluster.
    Column("cluster_id", Integer, index=True, nullable=False),
    Column("canonical_id", Integer, index=True, nullable=False),  # the cluster's original article
    Column("content_hash", String(64), nullable=False),  # the articles.content_hash the signature was made from
    Column("title_key", String(40), index=True, nullable=False),  # sha1 of the NFKC title, for 来源 matches
    Column("stated_site", String(253)),  # another site the page names (来源, 转载自)
    Column("minhash", LargeBinary, nullable=False),  # datasketch hash values, uint64 little-endian
    Column("matched_with", Integer),  # the earlier article it was matched to
    Column("match_reason", String(20)),  # text | source | text+source
    Column("similarity", Float),  # Jaccard with matched_with at ingest
    Column("indexed_at", ShanghaiDateTime(), nullable=False),
)

# The persistent LSH: one row per (band, bucket) of an article's MinHash, written with its article_reprints row.
# Mapped by ArticleReprintBand.
article_reprint_bands = Table(
    "article_reprint_bands",
    metadata,
    Column("band", SmallInteger, primary_key=True),
    Column("bucket", BigInteger, primary_key=True),  # a 64-bit hash of the band's MinHash rows
    Column("article_id", Integer, primary_key=True),
    sqlite_with_rowid=False,
)

# How often an article uses a curated term (all its spellings, title and body), written with the article. Mapped by
# ArticleTerm.
article_terms = Table(
    "article_terms",
    metadata,
    Column("term", String(100), primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("occurrences", Integer, nullable=False),
    # The article's month and site, copied when the counts are written (with the article's text), so that a
    # trend by month and site reads this table alone.
    Column("published_month", String(7)),
    Column("site_id", Integer, nullable=False),
    Index("ix_article_terms_article", "article_id"),
    sqlite_with_rowid=False,
)

# How many articles a site holds per kind and month, copies of another article's speech apart (migration 0012),
# kept in step by triggers on articles and article_reprints. Mapped by ArticleTotal.
article_totals = Table(
    "article_totals",
    metadata,
    Column("site_id", Integer, primary_key=True),
    Column("kind", String(32), primary_key=True),  # '' for an article without a kind
    Column("month", String(7), primary_key=True),  # 'YYYY-MM' of published_at; '' without one
    # 1: the article's reprint cluster names another article as its original (a copy the each-speech-once rule
    # leaves out when nothing else narrows the count), else 0.
    Column("reprint", SmallInteger, primary_key=True),
    Column("articles", Integer, nullable=False),
)

# A curated term counted in every stored article, and the spellings that were counted ('|'-joined): when the
# vocabulary gives the term other spellings, the counts are stale and trends fall back to the text. Mapped by
# IndexedTerm.
indexed_terms = Table(
    "indexed_terms",
    metadata,
    Column("term", String(100), primary_key=True),
    Column("spellings", Text, nullable=False),
    Column("indexed_at", ShanghaiDateTime(), nullable=False),
)

# One version of an article's text: version 1 as first stored, a new row whenever title or body change. Mapped by
# ArticleVersion.
article_versions = Table(
    "article_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id"), index=True, nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("source", Text),
    Column("published_at", ShanghaiDateTime(stored_in=SHANGHAI)),
    Column("content_hash", String(64), nullable=False),
    Column("seen_at", ShanghaiDateTime(), nullable=False),  # when this version was first fetched
    Column("run_id", Integer, ForeignKey("crawl_runs.id")),
    UniqueConstraint("article_id", "version", name="uq_article_versions_article_version"),
)

# Something ops must look at: what was expected, what was seen, on which site and run. Mapped by Alert.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), index=True, nullable=False),
    Column("run_id", Integer, ForeignKey("crawl_runs.id")),
    Column("kind", String(20), nullable=False),  # layout | quiet | zero_items | error_spike
    Column("created_at", ShanghaiDateTime(), nullable=False),
    Column("expected", Text, nullable=False),
    Column("seen", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(10), default="open", nullable=False),  # open | resolved
    Column("resolved_at", ShanghaiDateTime()),
    Column("deliveries", JSONDocument(), default=dict, nullable=False),  # channel -> "sent" | "error: …"
)

# A named lock held by one process until it stops renewing it (the single-scheduler lock). Mapped by Lease.
leases = Table(
    "leases",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("acquired_at", ShanghaiDateTime(), nullable=False),
    Column("expires_at", ShanghaiDateTime(), nullable=False),
)

# A saved query an analyst follows: search's query language and filters, matched at ingest. Mapped by Watch.
watches = Table(
    "watches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), unique=True, nullable=False),
    Column("query", Text, nullable=False),  # "" with a filter: every article the filters let through
    Column("site", String(253)),
    Column("speaker", String(100)),
    Column("org", String(300)),
    Column("kind", String(32)),
    Column("new_term", Boolean, default=False, nullable=False),  # also report new and rising terms
    Column("status", String(10), default="active", nullable=False),  # active | paused
    Column("created_at", ShanghaiDateTime(), nullable=False),
    Column(
        "updated_at", ShanghaiDateTime(), nullable=False
    ),  # any change (status too): the ingest matcher recompiles when it moves
    Column("last_digest_at", ShanghaiDateTime()),
    Column("terms_checked_through", Integer, default=0, nullable=False),  # last match the term check read
)

# An article a watch matched at ingest, with the sentence that matched. Mapped by WatchMatch.
watch_matches = Table(
    "watch_matches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("watch_id", Integer, ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
    Column("article_id", Integer, ForeignKey("articles.id"), index=True, nullable=False),
    Column("copy_of", Integer),
    Column("sentence", Text, default="", nullable=False),
    Column("matched_at", ShanghaiDateTime(), nullable=False),
    Column("run_id", Integer),
    # Not yet sent on every configured channel; `delivered` says which channels have it (channel -> time).
    Column("pending", Boolean, default=True, nullable=False),
    Column("delivered", JSONDocument(), default=dict, nullable=False),
    UniqueConstraint("watch_id", "article_id", name="uq_watch_matches_watch_article"),
    Index("ix_watch_matches_pending", "watch_id", "pending"),
)

# A term a --new-term watch reported: new to the archive, or whose share of articles jumped; with the first article
# that used it (where a new 提法 first appeared). Mapped by WatchTerm.
watch_terms = Table(
    "watch_terms",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("watch_id", Integer, ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
    Column("term", String(100), nullable=False),
    Column("change", String(10), nullable=False),  # new | rising
    Column("first_article_id", Integer, ForeignKey("articles.id")),
    Column("articles", Integer, default=0, nullable=False),  # articles of the batch using it
    Column("share_before", Float, default=0.0, nullable=False),  # per 1000 articles
    Column("share_now", Float, default=0.0, nullable=False),
    Column("found_at", ShanghaiDateTime(), nullable=False),
    Column("run_id", Integer),
    Column("pending", Boolean, default=True, nullable=False),
    Column("delivered", JSONDocument(), default=dict, nullable=False),
    UniqueConstraint("watch_id", "term", name="uq_watch_terms_watch_term"),
    Index("ix_watch_terms_pending", "watch_id", "pending"),
)

# One attempt to send a watch's digest on one channel: how it went, after how many tries, what it held. Mapped by
# WatchDigest.
watch_digests = Table(
    "watch_digests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("watch_id", Integer, ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
    Column("run_id", Integer),
    Column("channel", String(20), nullable=False),  # webhook | email
    Column("sent_at", ShanghaiDateTime(), nullable=False),
    Column("status", String(10), nullable=False),  # sent | failed
    Column("attempts", Integer, nullable=False),
    Column("error", Text),
    Column("matches", Integer, default=0, nullable=False),
    Column("terms", Integer, default=0, nullable=False),
    Index("ix_watch_digests_watch", "watch_id", "id"),
)
