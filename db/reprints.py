"""Reads and writes of reprint clusters (article_reprints): signatures, membership, originals."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, insert, or_, select, text, update
from sqlalchemy.orm import Session

from db import tables
from db.models import Article, ArticleReprint, ArticleReprintBand, Site
from db.types import SHANGHAI


@dataclass(frozen=True)
class ArticleText:
    article_id: int
    site: str
    title: str
    body: str
    source: str | None
    content_hash: str
    published_at: datetime | None


@dataclass(frozen=True)
class MembershipRow:
    article_id: int
    cluster_id: int
    canonical_id: int
    content_hash: str
    matched_with: int | None
    match_reason: str | None
    similarity: float | None
    minhash: bytes


@dataclass(frozen=True)
class Member:
    """A cluster member as the choice of the original sees it."""

    article_id: int
    site: str
    stated_site: str | None
    published_at: datetime | None
    published_precision: str | None = None


# The statements matching runs for every stored article are built once, with bound parameters: SQLAlchemy then
# reuses their cache keys and compiled forms (building them per article cost more than running them).
_ARTICLE_FOR_MATCHING = (
    select(
        Article.id,
        Site.domain,
        Article.title,
        Article.body,
        Article.source,
        Article.content_hash,
        Article.published_at,
    )
    .join(Site)
    .where(Article.id == bindparam("article_id"))
)
_MEMBERSHIP = select(
    ArticleReprint.article_id,
    ArticleReprint.cluster_id,
    ArticleReprint.canonical_id,
    ArticleReprint.content_hash,
    ArticleReprint.matched_with,
    ArticleReprint.match_reason,
    ArticleReprint.similarity,
    ArticleReprint.minhash,
).where(ArticleReprint.article_id == bindparam("article_id"))


def article_for_matching(session: Session, article_id: int) -> ArticleText:
    return ArticleText(*session.connection().execute(_ARTICLE_FOR_MATCHING, {"article_id": article_id}).one())


def membership(session: Session, article_id: int) -> MembershipRow | None:
    row = session.connection().execute(_MEMBERSHIP, {"article_id": article_id}).first()
    return MembershipRow(*row) if row else None


def signatures_after(session: Session, after_id: int) -> Iterator[tuple[int, bytes]]:
    """(article id, MinHash bytes) of every indexed article with a greater id, in id order (streamed).

    Matching never reads these in bulk (it queries article_reprint_bands); this is for bulk jobs and the benchmark.
    """
    result = session.execute(
        select(ArticleReprint.article_id, ArticleReprint.minhash)
        .where(ArticleReprint.article_id > after_id)
        .order_by(ArticleReprint.article_id)
        .execution_options(yield_per=2000)
    )
    for article_id, data in result:
        yield int(article_id), bytes(data)


# Advisory locks of reprint buckets and titles: (this namespace, 32 bits of the bucket or title key). Two buckets
# sharing the 32 bits only make two writers wait for each other without need; they never let a pair be missed.
LOCK_NAMESPACE = 0x5245_5052  # "REPR"


def lock_for_matching(session: Session, buckets: Sequence[tuple[int, int]], title_key: str) -> None:
    """PostgreSQL: hold a transaction-level advisory lock on each bucket and on the title until commit.

    Two transactions storing articles that share a bucket or a title (the only ones that can be each other's
    candidates) are serialised: the second waits until the first commits, then reads its rows. Others do not wait.
    SQLite needs none: a writing transaction holds the database's single write lock until it commits.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    folded = {(bucket ^ (bucket >> 32) ^ (band * 0x9E3779B1)) & 0xFFFFFFFF for band, bucket in buckets}
    keys = sorted({value - 2**31 for value in {*folded, int(title_key[:8], 16)}})
    session.connection().execute(
        # unnest yields the sorted array in order, so every writer takes the locks in the same order (no deadlock).
        text("SELECT pg_advisory_xact_lock(:namespace, k) FROM unnest(CAST(:keys AS integer[])) AS t(k)"),
        {"namespace": LOCK_NAMESPACE, "keys": keys},
    )


@functools.cache
def _candidates_statement(count: int) -> Select[tuple[int]]:
    """OR of (band = ? AND bucket = ?), each an index search; not a row-value IN, for which SQLite scans the table.
    Built once per count with bound parameters: building 37 terms per article cost more than the query itself."""
    band, bucket = ArticleReprintBand.band, ArticleReprintBand.bucket
    terms = (and_(band == bindparam(f"b{i}"), bucket == bindparam(f"k{i}")) for i in range(count))
    return select(ArticleReprintBand.article_id).where(or_(*terms)).distinct()


def bucket_candidates(session: Session, buckets: Sequence[tuple[int, int]]) -> list[int]:
    """Articles sharing at least one (band, bucket) with the given ones: one query on the bands' primary key."""
    if not buckets:
        return []
    params = {name: value for i, (b, k) in enumerate(buckets) for name, value in ((f"b{i}", b), (f"k{i}", k))}
    rows = session.connection().scalars(_candidates_statement(len(buckets)), params)
    return [int(a) for a in rows]


@dataclass(frozen=True)
class Candidates:
    """Articles sharing a bucket with a new one: those with its very text, one per cluster (the first stored),
    and those with another text (whose bodies the exact check reads)."""

    identical: list[int]
    different: list[int]


@functools.cache
def _split_statement(count: int) -> Select[tuple[int, int, bool]]:
    """(article id, cluster id, same content hash?) of the bucket candidates for `count` buckets, built once per
    count: one query, split in Python (two queries ran the bucket look-up twice)."""
    found = _candidates_statement(count).subquery()
    return (
        select(
            ArticleReprint.article_id,
            ArticleReprint.cluster_id,
            (Article.content_hash == bindparam("content_hash")).label("same"),
        )
        .join(Article, Article.id == ArticleReprint.article_id)
        .where(
            ArticleReprint.article_id.in_(select(found.c.article_id)),
            ArticleReprint.article_id != bindparam("exclude"),
        )
    )


def split_candidates(
    session: Session, buckets: Sequence[tuple[int, int]], content_hash: str, *, exclude: int
) -> Candidates:
    """The bucket candidates, identical copies collapsed: N stored copies of one text count as one, the first
    stored of its cluster, not N, so a new copy costs the same however many there are (they are all in one
    cluster, and the first of them is the one a copy is matched with). Only ids and hashes are read, not bodies."""
    if not buckets:
        return Candidates([], [])
    params: dict[str, Any] = {
        name: value for i, (b, k) in enumerate(buckets) for name, value in ((f"b{i}", b), (f"k{i}", k))
    }
    params.update(exclude=exclude, content_hash=content_hash)
    first: dict[int, int] = {}  # cluster -> its first identical copy
    different: list[int] = []
    for article_id, cluster_id, same in session.connection().execute(_split_statement(len(buckets)), params):
        if same:
            if cluster_id not in first or article_id < first[cluster_id]:
                first[cluster_id] = article_id
        elif same is not None:
            different.append(int(article_id))
    return Candidates(sorted(int(a) for a in first.values()), sorted(different))


def content_hashes(session: Session, article_ids: Iterable[int]) -> list[tuple[int, str]]:
    """(article id, articles.content_hash) of the given articles: cheap rows, unlike bodies."""
    ids = sorted(set(article_ids))
    if not ids:
        return []
    return [
        (int(i), h)
        for i, h in session.connection().execute(select(Article.id, Article.content_hash).where(Article.id.in_(ids)))
    ]


def bodies(session: Session, article_ids: Iterable[int]) -> list[tuple[int, str]]:
    ids = sorted(set(article_ids))
    if not ids:
        return []
    return [
        (int(i), b)
        for i, b in session.connection().execute(select(Article.id, Article.body).where(Article.id.in_(ids)))
    ]


@dataclass(frozen=True)
class TitleTwin:
    article_id: int
    site: str
    stated_site: str | None
    published_at: datetime | None
    content_hash: str


def same_title(
    session: Session, title_key: str, *, exclude: int, named_domains: Sequence[str], naming: str
) -> list[TitleTwin]:
    """Indexed articles with the same title (NFKC) that may match by stated source: on a site whose domain is in
    `named_domains` (the new article names it) or stating `naming` as their source (they name the new article's).

    Only these can match, so the many same-titled copies of a widely reprinted text that name neither are not read.
    """
    params = {"title_key": title_key, "exclude": exclude, "named": list(named_domains), "naming": naming}
    return [TitleTwin(*row) for row in session.connection().execute(_SAME_TITLE, params)]


_SAME_TITLE = (
    select(
        ArticleReprint.article_id,
        Site.domain,
        ArticleReprint.stated_site,
        Article.published_at,
        Article.content_hash,
    )
    .join(Article, Article.id == ArticleReprint.article_id)
    .join(Site, Site.id == Article.site_id)
    .where(
        ArticleReprint.title_key == bindparam("title_key"),
        ArticleReprint.article_id != bindparam("exclude"),
        or_(Site.domain.in_(bindparam("named", expanding=True)), ArticleReprint.stated_site == bindparam("naming")),
    )
    .order_by(ArticleReprint.article_id)
)


def cluster_ids(session: Session, article_ids: list[int]) -> set[int]:
    if not article_ids:
        return set()
    rows = session.connection().scalars(
        select(ArticleReprint.cluster_id).where(ArticleReprint.article_id.in_(article_ids)).distinct()
    )
    return {int(c) for c in rows}


def add_membership(
    session: Session,
    article_id: int,
    *,
    cluster_id: int,
    content_hash: str,
    title_key: str,
    stated_site: str | None,
    minhash: bytes,
    matched_with: int | None,
    reason: str | None,
    similarity: float | None,
    buckets: Sequence[tuple[int, int]],
) -> None:
    """The article's reprint row and its LSH bucket rows, in the caller's transaction."""
    session.connection().execute(
        _ADD_MEMBERSHIP,
        {
            "article_id": article_id,
            "cluster_id": cluster_id,
            "canonical_id": article_id,
            "content_hash": content_hash,
            "title_key": title_key,
            "stated_site": stated_site,
            "minhash": minhash,
            "matched_with": matched_with,
            "match_reason": reason,
            "similarity": similarity,
            "indexed_at": datetime.now(SHANGHAI),
        },
    )
    if session.get_bind().dialect.name == "postgresql":
        # One statement for the ~37 rows (an executemany runs one INSERT per row on the server).
        bands, keys = zip(*buckets, strict=True) if buckets else ((), ())
        session.connection().execute(
            _ADD_BANDS_UNNEST, {"article_id": article_id, "bands": list(bands), "buckets": list(keys)}
        )
    elif buckets:
        session.connection().execute(
            _ADD_BANDS, [{"band": band, "bucket": bucket, "article_id": article_id} for band, bucket in buckets]
        )


_ADD_MEMBERSHIP = insert(tables.article_reprints)
_ADD_BANDS = insert(tables.article_reprint_bands)
_ADD_BANDS_UNNEST = text(
    "INSERT INTO article_reprint_bands (band, bucket, article_id) "
    "SELECT b, k, CAST(:article_id AS integer) "
    "FROM unnest(CAST(:bands AS smallint[]), CAST(:buckets AS bigint[])) AS t(b, k)"
)


def remove_membership(session: Session, article_id: int, buckets: Sequence[tuple[int, int]]) -> None:
    """Remove the article's reprint row and its bucket rows (given, as recomputed from its stored signature)."""
    session.connection().execute(delete(ArticleReprint).where(ArticleReprint.article_id == article_id))
    if buckets:
        session.connection().execute(
            delete(ArticleReprintBand).where(
                ArticleReprintBand.article_id == article_id,
                or_(*(and_(ArticleReprintBand.band == b, ArticleReprintBand.bucket == k) for b, k in buckets)),
            )
        )


def merge_clusters(session: Session, into: int, others: list[int]) -> None:
    if others:
        session.connection().execute(
            update(ArticleReprint).where(ArticleReprint.cluster_id.in_(others)).values(cluster_id=into)
        )


def _members() -> Select[tuple[int, str, str | None, datetime | None, str | None]]:
    return (
        select(
            ArticleReprint.article_id,
            Site.domain,
            ArticleReprint.stated_site,
            Article.published_at,
            Article.published_precision,
        )
        .join(Article, Article.id == ArticleReprint.article_id)
        .join(Site, Site.id == Article.site_id)
        .order_by(ArticleReprint.article_id)
    )


def cluster_members(session: Session, cluster_id: int) -> list[Member]:
    return [
        Member(*row) for row in session.connection().execute(_members().where(ArticleReprint.cluster_id == cluster_id))
    ]


def members(session: Session, article_ids: Iterable[int]) -> list[Member]:
    """The given articles as the choice of the original sees them, in id order."""
    ids = sorted(set(article_ids))
    return (
        [Member(*row) for row in session.connection().execute(_members().where(ArticleReprint.article_id.in_(ids)))]
        if ids
        else []
    )


def canonical_of(session: Session, cluster_id: int, *, besides: int) -> int | None:
    """The original the cluster's members other than `besides` record (they all record the same one)."""
    found = session.connection().scalar(
        select(ArticleReprint.canonical_id)
        .where(ArticleReprint.cluster_id == cluster_id, ArticleReprint.article_id != besides)
        .limit(1)
    )
    return int(found) if found is not None else None


def set_canonical(session: Session, cluster_id: int, canonical_id: int) -> None:
    session.connection().execute(
        update(ArticleReprint)
        .where(ArticleReprint.cluster_id == cluster_id, ArticleReprint.canonical_id != canonical_id)
        .values(canonical_id=canonical_id)
    )


def unindexed_article_ids(session: Session) -> list[int]:
    """Articles without a signature (stored before migration 0004), oldest first."""
    indexed = select(ArticleReprint.article_id)
    return list(session.scalars(select(Article.id).where(Article.id.not_in(indexed)).order_by(Article.id)))


def bulk_insert(
    session: Session,
    articles: list[dict[str, Any]],
    memberships: list[dict[str, Any]],
    bands: list[dict[str, Any]] | None = None,
) -> None:
    """Insert many prepared articles (with explicit ids), their reprint rows and bucket rows in one statement each.

    For bulk back-fills and the benchmark's 100k-article database; ingest goes through store_article.
    """
    if articles:
        session.execute(insert(Article), articles)
    if memberships:
        session.execute(insert(ArticleReprint), memberships)
    if bands:
        session.execute(insert(ArticleReprintBand), bands)


def cluster_map(session: Session) -> dict[int, int]:
    """article id → cluster id for every matched article."""
    rows = session.execute(select(ArticleReprint.article_id, ArticleReprint.cluster_id))
    return {int(a): int(c) for a, c in rows}
