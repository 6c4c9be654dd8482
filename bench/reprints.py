"""Reprint detection, measured: precision/recall on generated copies, ingest throughput, index storage choices.

    python -m bench.reprints                      # everything, 100k articles for throughput
    python -m bench.reprints --articles 20000     # a bounded run
    python -m bench.reprints --skip-throughput    # accuracy and storage only

Texts are generated from clauses of the project's own mirror content (mirror/content), recombined, so that every
"unrelated" article is on the same topic (e-government) and shares phrases with the others, as real coverage does.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import random
import re
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from datasketch import MinHashLSH

from analysis.reprints import (
    LSH_THRESHOLD,
    NUM_PERM,
    band_rows,
    buckets,
    is_copy,
    jaccard,
    match_article,
    minhash_from_bytes,
    prepare,
    shingles,
    title_key,
)
from db.articles import content_hash, ensure_site, store_article
from db.engine import Database
from db.reprints import bucket_candidates, bulk_insert, cluster_map, signatures_after
from db.types import SHANGHAI
from ground.article import Extracted
from pipelines.seed import open_database

CONTENT = Path(__file__).resolve().parents[1] / "mirror" / "content"
EDIT_LEVELS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
SITES = ("people.com.cn", "news.cn", "gov.cn", "miit.gov.cn", "e-gov.org.cn", "cac.gov.cn")
_CLAUSE_SPLIT = re.compile(r"[，。；！？：、,;!?:]+")


class TextMaker:
    """Same-topic Chinese text: sentences recombined from the mirror's clauses, with characters swapped in."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        clauses: list[str] = []
        for path in sorted(CONTENT.rglob("*.txt")):
            for line in path.read_text(encoding="utf-8").splitlines()[2:]:
                clauses += [c.strip() for c in _CLAUSE_SPLIT.split(line) if len(c.strip()) >= 4]
        self.clauses = sorted(set(clauses))
        self.chars = sorted({ch for c in self.clauses for ch in c if "\u4e00" <= ch <= "\u9fff"})

    def clause(self) -> str:
        text = list(self.rng.choice(self.clauses))
        for _ in range(self.rng.randint(0, 2)):  # vary it, so two articles rarely share whole sentences
            at = self.rng.randrange(len(text))
            text[at] = self.rng.choice(self.chars)
        return "".join(text)

    def sentence(self) -> str:
        return "，".join(self.clause() for _ in range(self.rng.randint(2, 4))) + "。"

    def paragraph(self) -> str:
        return "".join(self.sentence() for _ in range(self.rng.randint(2, 4)))

    def article(self) -> list[str]:
        return [self.paragraph() for _ in range(self.rng.randint(6, 14))]

    def title(self) -> str:
        return self.clause()[:20]


def edit(rng: random.Random, maker: TextMaker, paragraphs: list[str], fraction: float) -> list[str]:
    """A copy with round(fraction × paragraphs) edits: a paragraph deleted, added, or rewritten in part."""
    copy = list(paragraphs)
    for _ in range(round(fraction * len(paragraphs))):
        op = rng.choice(("delete", "insert", "rewrite"))
        at = rng.randrange(len(copy))
        if op == "delete" and len(copy) > 2:
            del copy[at]
        elif op == "insert":
            copy.insert(at, maker.paragraph())
        else:
            sentences = [s + "。" for s in copy[at].split("。") if s]
            for i in range(len(sentences)):
                if rng.random() < 0.5:
                    sentences[i] = maker.sentence()
            copy[at] = "".join(sentences)
    return copy


@dataclass
class Doc:
    title: str
    paragraphs: list[str]
    family: int | None  # copies share their base's family; None: an unrelated article
    edit_level: float | None = None
    source: str | None = None
    site: str = "people.com.cn"
    day: int = 0
    quotes: int | None = None  # an unrelated article quoting a paragraph of this family's base


@dataclass
class Corpus:
    docs: list[Doc] = field(default_factory=list)


def accuracy_corpus(seed: int, families: int, negatives: int) -> Corpus:
    """Bases with copies at every edit level, plus unrelated same-topic articles (some quoting a base)."""
    rng = random.Random(seed)
    maker = TextMaker(rng)
    corpus = Corpus()
    bases = []
    for family in range(families):
        base = Doc(maker.title(), maker.article(), family, None, None, rng.choice(SITES), rng.randrange(365))
        bases.append(base)
        corpus.docs.append(base)
        for level in EDIT_LEVELS:
            paragraphs = edit(rng, maker, base.paragraphs, level)
            # Republishers often retitle; half keep the title. Stated sources are left out on purpose:
            # this measures the text matching alone.
            title = base.title if rng.random() < 0.5 else maker.title()
            site = rng.choice([s for s in SITES if s != base.site])
            corpus.docs.append(Doc(title, paragraphs, family, level, None, site, base.day + rng.randint(0, 3)))
    for _ in range(negatives):
        paragraphs = maker.article()
        quoted = None
        if bases and rng.random() < 0.3:  # a different article quoting one paragraph of a base
            quoted = rng.choice(bases)
            paragraphs[rng.randrange(len(paragraphs))] = rng.choice(quoted.paragraphs)
        doc = Doc(maker.title(), paragraphs, None, None, None, rng.choice(SITES), rng.randrange(365))
        doc.quotes = quoted.family if quoted else None
        corpus.docs.append(doc)
    rng.shuffle(corpus.docs)  # copies may arrive before their original
    return corpus


def record_for(doc: Doc, n: int) -> Extracted:
    published = datetime(2024, 1, 1, 9, 0, tzinfo=SHANGHAI) + timedelta(days=doc.day, minutes=n % 600)
    return Extracted(
        url=f"http://www.{doc.site}/bench/{n}.html",
        site=doc.site,
        charset="utf-8",
        title=doc.title,
        published_at=published,
        published_precision="minute",
        source=doc.source,
        body="\n".join(doc.paragraphs),
    )


def ingest(database: Database, docs: list[Doc], *, matching: bool, report_every: int = 0) -> list[tuple[int, float]]:
    """Store every doc in its own transaction (as the store pipeline does); (count, seconds) checkpoints."""
    checkpoints: list[tuple[int, float]] = []
    start = time.perf_counter()
    for n, doc in enumerate(docs, 1):
        record = record_for(doc, n)
        prepared = None
        if matching:  # the reprints pipeline signs outside the transaction
            assert record.title and record.body
            prepared = prepare(title=record.title, body=record.body, source=record.source, site=record.site)
        with database.session() as session:
            stored = store_article(session, record)
            if prepared is not None:
                match_article(session, stored.article_id, prepared)
        if report_every and n % report_every == 0:
            checkpoints.append((n, time.perf_counter() - start))
            logging.getLogger("bench").info("%s: %d articles in %.1f s", "on" if matching else "off", *checkpoints[-1])
    checkpoints.append((len(docs), time.perf_counter() - start))
    return checkpoints


def fresh_database(directory: Path, name: str) -> Database:
    return open_database(f"sqlite:///{directory / name}", seed=False)


def evaluate(
    seed: int = 7, families: int = 300, negatives: int = 1000, directory: Path | None = None
) -> dict[str, Any]:
    """Precision over clustered pairs, recall per edit level (a copy counts when it shares its base's cluster)."""
    corpus = accuracy_corpus(seed, families, negatives)
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        database = fresh_database(Path(tmp), "accuracy.db")
        try:
            ingest(database, corpus.docs, matching=True)
            with database.session() as session:
                cluster_of = cluster_map(session)
        finally:
            database.dispose()
    # Article ids follow ingest order (1-based, no seed).
    doc_of = {i + 1: doc for i, doc in enumerate(corpus.docs)}
    members: dict[int, list[int]] = {}
    for article_id, cluster_id in cluster_of.items():
        members.setdefault(cluster_id, []).append(article_id)
    predicted = true_positive = 0
    for ids in members.values():
        for a, b in itertools.combinations(ids, 2):
            predicted += 1
            fa, fb = doc_of[a].family, doc_of[b].family
            true_positive += int(fa is not None and fa == fb)
    base_of = {doc.family: i for i, doc in doc_of.items() if doc.family is not None and doc.edit_level is None}
    recall: dict[str, list[int]] = {f"{level:.2f}": [0, 0] for level in EDIT_LEVELS}
    direct: dict[str, int] = {f"{level:.2f}": 0 for level in EDIT_LEVELS}
    lowest: dict[str, float] = {f"{level:.2f}": 1.0 for level in EDIT_LEVELS}
    for article_id, doc in doc_of.items():
        if doc.edit_level is None or doc.family is None:
            continue
        level = f"{doc.edit_level:.2f}"
        recall[level][0] += int(cluster_of[article_id] == cluster_of[base_of[doc.family]])
        recall[level][1] += 1
        # The pair decision alone, without other copies bridging the copy to its base.
        copy, base = shingles("\n".join(doc.paragraphs)), shingles("\n".join(doc_of[base_of[doc.family]].paragraphs))
        direct[level] += int(is_copy(copy, base))
        lowest[level] = min(lowest[level], jaccard(copy, base))
    # The margin on the other side: unrelated articles that quote a paragraph of a base, against that base.
    quoting = [
        jaccard(shingles("\n".join(d.paragraphs)), shingles("\n".join(doc_of[base_of[d.quotes]].paragraphs)))
        for d in doc_of.values()
        if d.quotes is not None
    ]
    upto_20 = [v for k, v in recall.items() if float(k) <= 0.2]
    lonely = [d for d in doc_of if d in cluster_of and doc_of[d].family is None]
    false_joins = sum(1 for d in lonely if len(members[cluster_of[d]]) > 1)
    return {
        "articles": len(corpus.docs),
        "families": families,
        "copies": families * len(EDIT_LEVELS),
        "unrelated": negatives,
        "precision": true_positive / predicted if predicted else 1.0,
        "predicted_pairs": predicted,
        "recall_by_edit": {k: round(hit / total, 4) for k, (hit, total) in recall.items()},
        "recall_upto_20": sum(h for h, _ in upto_20) / sum(t for _, t in upto_20),
        "pair_recall_by_edit": {k: round(direct[k] / total, 4) for k, (_, total) in recall.items()},
        "unrelated_clustered": false_joins,
        "lowest_copy_jaccard_by_edit": {k: round(v, 3) for k, v in lowest.items()},
        "highest_quoting_jaccard": round(max(quoting, default=0.0), 3),
        "match_rule": "Jaccard >= 0.4 or containment >= 0.8",
    }


def throughput_docs(seed: int, count: int, copy_share: float = 0.1) -> list[Doc]:
    """Fresh same-topic articles, with copy_share of them copies (0–30% edited) of a recent one."""
    rng = random.Random(seed)
    maker = TextMaker(rng)
    docs: list[Doc] = []
    for n in range(count):
        if docs and rng.random() < copy_share:
            base = rng.choice(docs[-500:])
            level = rng.choice(EDIT_LEVELS)
            docs.append(Doc(base.title, edit(rng, maker, base.paragraphs, level), n, level, None, rng.choice(SITES)))
        else:
            docs.append(Doc(maker.title(), maker.article(), n, None, None, rng.choice(SITES), rng.randrange(3650)))
    return docs


def prefill(database: Database, count: int, seed: int = 5, first: int = 1) -> None:
    """A database that already holds `count` articles with signatures, written in bulk (minutes, not hours).

    Bodies are one generated paragraph; signatures are drawn as those of unrelated texts of ~1,500 shingles are
    distributed (each permutation's minimum of n uniform 32-bit hashes ≈ exponential with mean 2^32/n),
    so the LSH holds `count` keys in realistic buckets without hashing every prefilled body.
    """
    import numpy as np

    rng = random.Random(seed)
    maker = TextMaker(rng)
    draws = np.random.default_rng(seed)
    now = datetime.now(SHANGHAI)
    with database.session() as session:
        site_ids = {site: ensure_site(session, site) for site in SITES}
    chunk = 5000
    for start in range(first - 1, count, chunk):
        size = min(chunk, count - start)
        mins = np.minimum(draws.exponential(2**32 / 1500, size=(size, NUM_PERM)), 2**32 - 1).astype("<u8")
        articles, rows = [], []
        for i in range(size):
            article_id = start + i + 1
            # One paragraph, not an article: the full-text index (0005) would make a 100k fill take most of an
            # hour on a shared machine, and the signatures are drawn, not computed from the bodies, anyway.
            title, body = maker.title(), maker.paragraph()
            site = rng.choice(SITES)
            published = datetime(2015, 1, 1, tzinfo=SHANGHAI) + timedelta(minutes=article_id * 7)
            digest = content_hash(title, body)
            articles.append(
                {
                    "id": article_id,
                    "url": f"http://www.{site}/prefill/{article_id}.html",
                    "site_id": site_ids[site],
                    "title": title,
                    "published_at": published,
                    "published_precision": "minute",
                    "body": body,
                    "content_hash": digest,
                    "authors": [],
                    "editors": [],
                    "field_rules": {},
                    "warnings": [],
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
            )
            rows.append(
                {
                    "article_id": article_id,
                    "cluster_id": article_id,
                    "canonical_id": article_id,
                    "content_hash": digest,
                    "title_key": title_key(title),
                    "minhash": mins[i].tobytes(),
                    "indexed_at": now,
                }
            )
        with database.session() as session:
            bulk_insert(session, articles, rows, band_rows([(r["article_id"], r["minhash"]) for r in rows]))
        logging.getLogger("bench").info("prefilled %d articles", start + size)


class OldIndex:
    """The baseline, kept here only: the earlier in-memory datasketch LSH, rebuilt from every stored signature."""

    def __init__(self, database: Database) -> None:
        self.lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        with database.session() as session:
            for article_id, data in signatures_after(session, 0):
                self.lsh.insert(article_id, minhash_from_bytes(data), check_duplication=False)

    def candidates(self, signature: Any) -> list[int]:
        return [int(k) for k in self.lsh.query(signature)]


PROBE_DOC_SEED = 17


def probe_docs() -> tuple[Doc, Doc]:
    """A real article (stored with its signature before the cold start) and a copy edited 10%, which the new
    process must match."""
    rng = random.Random(PROBE_DOC_SEED)
    maker = TextMaker(rng)
    base = Doc(maker.title(), maker.article(), 0, None, None, "gov.cn", 10)
    return base, Doc(maker.title(), edit(rng, maker, base.paragraphs, 0.1), 0, 0.1, None, "news.cn", 11)


def cold_start(url: str, approach: str) -> dict[str, Any]:
    """Run in a NEW process: open the database, store the probe copy and find its original (rolled back after).

    Then the look-up latency over 500 stored signatures. `approach`: buckets (the product) or memory (baseline).
    """
    rss_before = _rss_bytes()
    start = time.perf_counter()
    database = open_database(url, seed=False)
    _, copy = probe_docs()
    record = record_for(copy, 999_999_999)
    assert record.title and record.body
    try:
        with database.sessions() as session:
            stored = store_article(session, record)
            if approach == "buckets":
                found = match_article(session, stored.article_id).matched_with
                lookup = lambda signature: bucket_candidates(session, buckets(signature))  # noqa: E731
            else:
                index = OldIndex(database)
                signature = prepare(title=record.title, body=record.body, source=None, site=record.site).signature
                found = next((c for c in index.candidates(signature) if c != stored.article_id), None)
                lookup = index.candidates
            seconds = time.perf_counter() - start
            memory = _rss_bytes() - rss_before
            probes = [minhash_from_bytes(data) for _, data in itertools.islice(signatures_after(session, 0), 500)]
            start = time.perf_counter()
            for probe in probes:
                lookup(probe)
            query_ms = (time.perf_counter() - start) / len(probes) * 1000
            session.rollback()
    finally:
        database.dispose()
    return {
        "seconds_to_first_match": round(seconds, 2),
        "rss_growth_mib": round(memory / 2**20, 1),
        "found_original": found,
        "lookup_ms": round(query_ms, 3),
    }


def measure_cold_starts(url: str) -> dict[str, Any]:
    """Each approach in its own new process, as every `newsmon crawl` / `newsmon import` is."""
    import subprocess

    results: dict[str, Any] = {}
    for approach in ("memory", "buckets"):
        out = subprocess.run(
            [sys.executable, "-m", "bench.reprints", "--cold-start", url, "--approach", approach],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        results[approach] = json.loads(out.strip().splitlines()[-1])
    old, new = results["memory"], results["buckets"]
    results["speedup_to_first_match"] = round(old["seconds_to_first_match"] / new["seconds_to_first_match"], 1)
    results["memory_ratio_new_vs_old"] = round(max(new["rss_growth_mib"], 0.1) / max(old["rss_growth_mib"], 0.1), 3)
    results["lookup_ratio_new_vs_old"] = round(new["lookup_ms"] / max(old["lookup_ms"], 1e-6), 2)
    return results


def measure_throughput(count: int, window: int, directory: Path | None = None) -> dict[str, Any]:
    """Cold starts at 10k and `count` stored signatures (new approach vs the old in-memory rebuild, each in a new
    process), then ingest of `window` articles matching off vs on into copies of the `count`-article database."""
    docs = throughput_docs(11, window)
    results: dict[str, Any] = {"articles_before": count, "window": window}
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        base = Path(tmp) / "prefilled.db"
        database = fresh_database(Path(tmp), base.name)
        ingest(database, [probe_docs()[0]], matching=True)  # article 1: the original the probe copy must find
        start = time.perf_counter()
        filled = 1
        for size in sorted({min(10_000, count), count}):
            prefill(database, size, first=filled + 1)
            filled = size
            results[f"cold_start_at_{size}"] = measure_cold_starts(database.url)
            logging.getLogger("bench").info("cold start at %d: %s", size, results[f"cold_start_at_{size}"])
        database.dispose()
        results["prefill_seconds"] = round(time.perf_counter() - start, 1)
        results["db_bytes"] = base.stat().st_size
        for matching in (False, True):
            name = f"throughput-{'on' if matching else 'off'}.db"
            shutil.copy(base, Path(tmp) / name)
            database = fresh_database(Path(tmp), name)
            try:
                checkpoints = ingest(database, docs, matching=matching, report_every=max(1, window // 4))
            finally:
                database.dispose()
            n, seconds = checkpoints[-1]
            results["on" if matching else "off"] = {"seconds": round(seconds, 1), "per_second": round(n / seconds, 1)}
    results["ratio_on_vs_off"] = round(results["on"]["per_second"] / results["off"]["per_second"], 3)
    return results


def _rss_bytes() -> int:
    """Resident memory of this process (Linux), to show what the in-memory index costs."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def measure_redis_storage(database_docs: int, redis_url: str = "redis://127.0.0.1:6379/0") -> dict[str, Any]:
    """The alternative: datasketch's own Redis storage (persistent by itself), on a bounded sample."""
    from datasketch import MinHashLSH

    docs = throughput_docs(13, database_docs)
    signatures = []
    for doc in docs:
        body = "\n".join(doc.paragraphs)
        signatures.append(prepare(title=doc.title, body=body, source=None, site=doc.site).signature)
    prefix = f"newsmon-bench-{uuid.uuid4().hex[:8]}".encode()
    host, port = redis_url.removeprefix("redis://").split("/")[0].split(":")
    config = {"type": "redis", "basename": prefix, "redis": {"host": host, "port": int(port)}}
    import redis

    client = redis.Redis(host=host, port=int(port))
    try:
        lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM, storage_config=config)
        start = time.perf_counter()
        for key, signature in enumerate(signatures):  # one insert per ingested article, as matching would
            lsh.insert(key, signature)
        insert_seconds = time.perf_counter() - start
        start = time.perf_counter()
        reopened = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM, storage_config=config)
        open_seconds = time.perf_counter() - start
        start = time.perf_counter()
        for signature in signatures[:1000]:
            reopened.query(signature)
        query_ms = (time.perf_counter() - start) / min(1000, len(signatures)) * 1000
        memory = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        start = time.perf_counter()
        for key, signature in enumerate(signatures):
            memory.insert(key, signature)
        memory_seconds = time.perf_counter() - start
        start = time.perf_counter()
        for signature in signatures[:1000]:
            memory.query(signature)
        memory_query_ms = (time.perf_counter() - start) / min(1000, len(signatures)) * 1000
    finally:
        keys = list(client.scan_iter(match=prefix + b"*", count=1000))
        for chunk in range(0, len(keys), 1000):
            client.delete(*keys[chunk : chunk + 1000])
        client.close()
    return {
        "signatures": len(signatures),
        "redis_insert_ms": round(insert_seconds / len(signatures) * 1000, 3),
        "redis_query_ms": round(query_ms, 3),
        "redis_reopen_seconds": round(open_seconds, 3),
        "memory_insert_ms": round(memory_seconds / len(signatures) * 1000, 4),
        "memory_query_ms": round(memory_query_ms, 4),
    }


def _print(title: str, data: dict[str, Any]) -> None:
    print(f"\n== {title}")
    print(json.dumps(data, ensure_ascii=False, indent=2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=300, help="bases, each copied at every edit level")
    parser.add_argument("--negatives", type=int, default=1000, help="unrelated same-topic articles")
    parser.add_argument("--articles", type=int, default=100_000, help="articles in the database before the window")
    parser.add_argument("--window", type=int, default=1000, help="articles ingested (off, then on) for throughput")
    parser.add_argument("--redis-sample", type=int, default=5000, help="signatures for the Redis storage run")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-redis", action="store_true")
    parser.add_argument("--tmp", type=Path, default=None, help="directory for the temporary databases")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--cold-start", metavar="URL", help=argparse.SUPPRESS)  # the child of measure_cold_starts
    parser.add_argument("--approach", choices=("buckets", "memory"), default="buckets", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cold_start:
        print(json.dumps(cold_start(args.cold_start, args.approach)))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("analysis.reprints").setLevel(logging.WARNING)
    print("machine: 2 shared cores; wall-clock figures are indicative only")
    ok = True
    if not args.skip_accuracy:
        accuracy = evaluate(families=args.families, negatives=args.negatives, directory=args.tmp)
        _print("accuracy (floors: precision >= 0.99, recall >= 0.95 for edits <= 20%)", accuracy)
        ok = accuracy["precision"] >= 0.99 and accuracy["recall_upto_20"] >= 0.95
    if not args.skip_redis:
        try:
            _print(
                "index storage: datasketch Redis storage vs the in-memory LSH", measure_redis_storage(args.redis_sample)
            )
        except Exception as error:  # Redis is optional for the benchmark
            print(f"\n== index storage: Redis not measured ({error})")
    if not args.skip_throughput:
        _print(
            "ingest throughput, matching off vs on (baseline in the same run)",
            measure_throughput(args.articles, args.window, args.tmp),
        )
    print("\nfloors met" if ok else "\nFLOORS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
