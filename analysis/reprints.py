"""Who copied whom: MinHash/LSH near-duplicate matching, stated sources (来源, 转载自), originals and diffs."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH
from sqlalchemy.orm import Session

from db import reprints as store
from db.articles import content_hash
from ground.similarity import containment, jaccard, shingles
from ground.sites import SITES, publisher
from ground.text import nfkc_key

log = logging.getLogger(__name__)

NUM_PERM = 128
SEED = 1
# LSH finds candidates at a low threshold; the exact check on the texts decides (precision comes from there).
LSH_THRESHOLD = 0.3
MATCH_JACCARD = 0.4
MATCH_CONTAINMENT = 0.8  # a copy cut to a part of the original (or the original cut from a longer page)
MIN_SHINGLES = 20  # texts shorter than this only match by their stated source
SOURCE_WINDOW = timedelta(days=30)  # a stated-source match: same title, published within this window

# 转载自人民网 / 转自：新华社 / 原标题…（来源：中国政府网）written into the body by the copying site.
_REPOST = re.compile(r"(?:转载自|转自|来源[:：])\s*《?([^\s，,。；;）)》]{2,40})")


def resolve_source(text: str | None) -> str | None:
    """The site a 来源 string names (the first publisher named in it), or None if it names none newsmon knows."""
    if not text:
        return None
    best: tuple[int, int, str] | None = None
    for site in SITES:
        for alias in site.source_names:
            at = text.find(alias)
            if at >= 0 and (best is None or (at, -len(alias)) < (best[0], best[1])):
                best = (at, -len(alias), site.domain)
    return best[2] if best else None


def stated_site(source: str | None, body: str, own_site: str) -> str | None:
    """Another site the page says it copied from: its 来源, else a 转载自/转自 line at the body's start or end."""
    paragraphs = body.split("\n")
    texts = [source or "", *(m.group(1) for p in paragraphs[:2] + paragraphs[-2:] for m in _REPOST.finditer(p))]
    for text in texts:
        site = resolve_source(text)
        if site and site != publisher(own_site):
            return site
    return None


_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED).permutations  # drawn once: they depend on the seed only


def minhash(grams: np.ndarray) -> LeanMinHash:
    # The grams are hashes already (hashfunc=int); the permutations are reused, not drawn again per article.
    m = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int, permutations=_PERMUTATIONS)
    m.update_batch(grams.tolist())
    return LeanMinHash(m)


def minhash_bytes(m: LeanMinHash) -> bytes:
    return np.asarray(m.hashvalues, dtype="<u8").tobytes()


def minhash_from_bytes(data: bytes) -> LeanMinHash:
    return LeanMinHash(seed=SEED, hashvalues=np.frombuffer(data, dtype="<u8"))


def title_key(title: str) -> str:
    return hashlib.sha1(nfkc_key(title).encode()).hexdigest()


def is_copy(a: np.ndarray, b: np.ndarray) -> bool:
    if min(a.size, b.size) < MIN_SHINGLES:
        return False
    return jaccard(a, b) >= MATCH_JACCARD or containment(a, b) >= MATCH_CONTAINMENT


@dataclass(frozen=True)
class Prepared:
    """What matching needs of one article, computed outside the transaction (CPU only)."""

    content_hash: str
    grams: np.ndarray
    signature: LeanMinHash
    title_key: str
    stated_site: str | None


def prepare(*, title: str, body: str, source: str | None, site: str) -> Prepared:
    grams = shingles(body)
    return Prepared(
        content_hash=content_hash(title, body),
        grams=grams,
        signature=minhash(grams),
        title_key=title_key(title),
        stated_site=stated_site(source, body, site),
    )


# datasketch chooses the LSH layout for the threshold (b bands of r rows, minimising false positives and
# negatives); only the layout is used: the buckets are stored in the database (db/reprints.py), so a new process
# looks candidates up with one indexed query instead of rebuilding an index from every stored signature.
_LAYOUT = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
BANDS: int = _LAYOUT.b
ROWS: int = _LAYOUT.r
_BAND_STARTS = np.array([start for start, _ in _LAYOUT.hashranges], dtype=np.intp)


def band_buckets(hashvalues: np.ndarray) -> np.ndarray:
    """Signatures (n × NUM_PERM hash values, or one) → their n × BANDS bucket keys as signed 64-bit integers.

    A band's r hash values are folded into one integer (polynomial, then the splitmix64 finaliser), the same in
    every process; a rare collision only adds a candidate, which the check on the texts then rejects.
    """
    values = np.atleast_2d(np.asarray(hashvalues, dtype=np.uint64))
    h = np.zeros((values.shape[0], BANDS), dtype=np.uint64)
    for row in range(ROWS):
        h = h * np.uint64(0x100000001B3) + values[:, _BAND_STARTS + row]
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h.view(np.int64)


def buckets(signature: LeanMinHash) -> list[tuple[int, int]]:
    """(band, bucket) of each band of one signature."""
    return [(band, int(key)) for band, key in enumerate(band_buckets(signature.hashvalues)[0])]


def band_rows(signatures: Sequence[tuple[int, bytes]]) -> list[dict[str, int]]:
    """Rows of article_reprint_bands for stored signatures (article id, MinHash bytes), computed in one pass."""
    if not signatures:
        return []
    keys = band_buckets(np.stack([np.frombuffer(data, dtype="<u8") for _, data in signatures]))
    return [
        {"band": band, "bucket": int(key), "article_id": article_id}
        for (article_id, _), row in zip(signatures, keys, strict=True)
        for band, key in enumerate(row)
    ]


@dataclass(frozen=True)
class Membership:
    article_id: int
    cluster_id: int
    canonical_id: int
    matched_with: int | None
    reason: str | None
    similarity: float | None


def match_article(
    session: Session,
    article_id: int,
    prepared: Prepared | None = None,
    *,
    written: store.ArticleText | None = None,
    new: bool = False,
) -> Membership:
    """Match a stored article against earlier ones and put it in its reprint cluster, in the caller's transaction.

    Idempotent: an article whose content is unchanged since it was matched keeps its membership. The store
    pipeline, which has just written the article, passes what it wrote (`written`) and whether the row is `new`
    (then it has no membership yet), sparing two reads per article.
    """
    article = written if written is not None else store.article_for_matching(session, article_id)
    existing = None if new else store.membership(session, article_id)
    if existing is not None and existing.content_hash == article.content_hash:
        return _membership(existing)
    if prepared is None or prepared.content_hash != article.content_hash:
        prepared = prepare(title=article.title, body=article.body, source=article.source, site=article.site)
    keys = buckets(prepared.signature)
    # PostgreSQL: a writer holding a bucket (or title) makes another writer of the same one wait for its commit,
    # so of two copies stored at once the second sees the first (see db.reprints.lock_for_matching).
    store.lock_for_matching(session, keys, prepared.title_key)
    if existing is not None:  # the text changed: leave the old cluster and match afresh
        store.remove_membership(session, article_id, buckets(minhash_from_bytes(existing.minhash)))
        _settle(session, existing.cluster_id)
    candidates = store.split_candidates(session, keys, prepared.content_hash, exclude=article_id)
    matches: dict[int, tuple[float, set[str]]] = {}
    # A candidate with the same content hash has the same NFKC body, hence the same shingles: a Jaccard of exactly
    # 1, no need to read and shingle its body; and only the first such copy of each cluster comes back (the one a
    # copy is matched with, and all the clusters): many stored copies of a text do not make a new copy cost more.
    if prepared.grams.size >= MIN_SHINGLES:
        matches.update((other_id, (1.0, {"text"})) for other_id in candidates.identical)
    for other_id, body in store.bodies(session, candidates.different):
        grams = shingles(body)
        if is_copy(prepared.grams, grams):
            matches[other_id] = (jaccard(prepared.grams, grams), {"text"})
    own = publisher(article.site)
    named = [] if prepared.stated_site is None else [prepared.stated_site]
    named += [alias for site in SITES if named and site.domain == prepared.stated_site for alias in site.aliases]
    for other in store.same_title(session, prepared.title_key, exclude=article_id, named_domains=named, naming=own):
        names_other = prepared.stated_site is not None and prepared.stated_site == publisher(other.site)
        named_by_other = other.stated_site is not None and other.stated_site == own
        close = (
            article.published_at is None
            or other.published_at is None
            or abs(article.published_at - other.published_at) <= SOURCE_WINDOW
        )
        if (names_other or named_by_other) and close:
            if other.article_id in matches:
                matches[other.article_id][1].add("source")
            elif other.content_hash == prepared.content_hash and prepared.grams.size:
                matches[other.article_id] = (1.0, {"source"})
            else:
                body = next(b for _, b in store.bodies(session, [other.article_id]))
                matches[other.article_id] = (jaccard(prepared.grams, shingles(body)), {"source"})
    clusters = store.cluster_ids(session, list(matches))
    cluster_id = min([*clusters, article_id])
    best = max(matches, key=lambda k: (matches[k][0], -k)) if matches else None
    store.add_membership(
        session,
        article_id,
        cluster_id=cluster_id,
        content_hash=prepared.content_hash,
        title_key=prepared.title_key,
        stated_site=prepared.stated_site,
        minhash=minhash_bytes(prepared.signature),
        buckets=keys,
        matched_with=best,
        reason="+".join(sorted(matches[best][1], key=["text", "source"].index)) if best is not None else None,
        similarity=round(matches[best][0], 4) if best is not None else None,
    )
    if best is None:  # a cluster of its own, its own original: nothing else to update
        return Membership(article_id, article_id, article_id, None, None, None)
    store.merge_clusters(session, cluster_id, [c for c in clusters if c != cluster_id])
    if clusters != {cluster_id} or prepared.stated_site is not None or not _joined_as_same_site(session, article_id):
        _settle(session, cluster_id)
    current = store.membership(session, article_id)
    assert current is not None
    log.info("article %d joins reprint cluster %d (original %d)", article_id, cluster_id, current.canonical_id)
    return _membership(current)


def _membership(row: store.MembershipRow) -> Membership:
    return Membership(
        row.article_id, row.cluster_id, row.canonical_id, row.matched_with, row.match_reason, row.similarity
    )


def _settle(session: Session, cluster_id: int) -> None:
    members = store.cluster_members(session, cluster_id)
    if members:
        store.set_canonical(session, cluster_id, choose_original(members))


def _joined_as_same_site(session: Session, article_id: int) -> bool:
    """Settle the original of a cluster the article just joined without reading every member, where that is exact.

    When the article joined one cluster (no merge), names no source, and is on the site of the cluster's original,
    the sites and which of them name which are unchanged, so the original is the earlier of the two (the rule of
    choose_original). A cluster of many copies of one text on one site then costs a new copy two rows, not all.
    Returns False (settle from all members) when the shortcut does not apply.
    """
    current = store.membership(session, article_id)
    assert current is not None
    canonical_id = store.canonical_of(session, current.cluster_id, besides=article_id)
    if canonical_id is None:
        return False
    pair = store.members(session, [canonical_id, article_id])
    if len(pair) != 2 or publisher(pair[0].site) != publisher(pair[1].site):
        return False
    store.set_canonical(session, current.cluster_id, min(pair, key=_earliest).article_id)
    return True


def choose_original(members: Sequence[store.Member]) -> int:
    """The earliest publication; but when a copy's stated source names a site in the cluster, that site's
    earliest copy (following the chain 中国政府网 → 人民网 → 新华社 to the site that names no other)."""
    sites = {publisher(m.site) for m in members}
    names: dict[str, set[str]] = {}
    for m in members:
        if m.stated_site in sites and m.stated_site != publisher(m.site):
            names.setdefault(publisher(m.site), set()).add(m.stated_site)
    named = set().union(*names.values()) if names else set()
    origins = {site for site in named if not names.get(site)}
    pool = [m for m in members if publisher(m.site) in origins] or list(members)
    return min(pool, key=_earliest).article_id


def _earliest(m: store.Member) -> tuple[bool, date | None, bool, datetime | None, int]:
    # By day first: a copy that states only its date (00:00) is not earlier than one stamped 09:21 that day.
    if m.published_at is None:
        return (True, None, True, None, m.article_id)
    return (False, m.published_at.date(), m.published_precision == "day", m.published_at, m.article_id)


def reindex(session: Session, article_ids: Sequence[int]) -> int:
    """Match articles stored before matching existed (or before migration 0004), oldest first."""
    done = 0
    for article_id in article_ids:
        match_article(session, article_id)
        done += 1
    return done
