"""Ingest with indexing, search p50/p95, a ten-year monthly trend, and a plain LIKE scan measured in the same run.

    .venv/bin/python -m bench.search --articles 20000                          # SQLite in a temporary file
    .venv/bin/python -m bench.search --articles 20000 --db postgresql+psycopg://postgres@127.0.0.1:5432/test

Ingest is measured twice on the same synthetic articles, one transaction per article as the crawl pipeline
stores them: into a database without the search index (revision 0001, the baseline) and into one with it
(head: the triggers tokenise and index every article). Then the rest of the articles are loaded and each
query is timed through the index (match count plus the best 20 hits) and by a LIKE scan counting the same
articles. Targets (issue 8 §6, at 1M articles): search p95 ≤ 100 ms, monthly trend ≤ 500 ms, ≥ 50× the scan,
ingest ≥ 300 articles/s on one core.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from analysis.search import search
from analysis.trends import trend
from bench.generate import synthetic_articles
from crawler.extraction.record import Extracted
from db import search as db_search
from db.engine import Database, make_engine, open_database, upgrade
from db.search import Filters
from db.store import store_article

QUERIES = [
    "数字政府",
    "政务",
    "一网通办",
    "放管服",
    "数字政府 OR 一网通办",
    "政务服务 NOT 营商环境",
    '"互联网+政务服务"',
]
SCAN_QUERIES = ["数字政府", "政务", "一网通办", "放管服"]


@contextmanager
def scratch_database(base: str | None, revision: str = "head") -> Iterator[Database]:
    """A new empty database at `revision` (a temporary SQLite file, or a fresh PostgreSQL schema)."""
    if base is None:
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite:///{Path(directory) / 'bench.db'}"
            yield _open(url, revision)
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _open(f"{base}?options=-csearch_path%3D{schema}", revision)
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _open(url: str, revision: str) -> Database:
    if revision == "head":
        return open_database(url, seed=False)
    from sqlalchemy.orm import sessionmaker

    engine = make_engine(url)
    upgrade(engine, revision)
    return Database(url, engine, sessionmaker(engine, expire_on_commit=False))


def ingest(database: Database, articles: list[Extracted], per_transaction: int = 1) -> tuple[float, float]:
    """Articles stored through db.store (the crawl pipeline's writer) per wall-clock second and per CPU second
    of this process (on a shared machine the CPU figure is the one-core rate; for SQLite it includes indexing,
    for PostgreSQL the server's work is not in it)."""
    started, cpu = time.perf_counter(), time.process_time()
    for index in range(0, len(articles), per_transaction):
        with database.session() as session:
            for record in articles[index : index + per_transaction]:
                store_article(session, record)
    return len(articles) / (time.perf_counter() - started), len(articles) / (time.process_time() - cpu)


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=20000, help="articles in the searched database")
    parser.add_argument("--ingest", type=int, default=1000, help="articles timed for ingest (each way)")
    parser.add_argument("--repeat", type=int, default=5, help="timings per query")
    parser.add_argument("--db", default=None, help="PostgreSQL base URL; SQLite in a temporary file if absent")
    args = parser.parse_args()
    backend = "PostgreSQL" if args.db else "SQLite"
    print(f"generating {args.articles} synthetic articles …", flush=True)
    articles = list(synthetic_articles(args.articles))
    sample = articles[: args.ingest]
    chars = statistics.median(len(a.body or "") for a in articles)
    print(f"{backend}: {args.articles} articles, median {chars:.0f} characters")

    with scratch_database(args.db, "0001") as plain:
        plain_rate, plain_cpu = ingest(plain, sample)
        plain.dispose()
    with scratch_database(args.db) as database:
        indexed_rate, indexed_cpu = ingest(database, sample)
        print("ingest, one transaction per article (articles/s: wall clock | per CPU second)")
        print(f"  without the index (revision 0001): {plain_rate:7.0f} | {plain_cpu:7.0f}")
        print(f"  with the index (head):             {indexed_rate:7.0f} | {indexed_cpu:7.0f}")
        print(f"  indexing costs {100 * (1 - indexed_cpu / plain_cpu):.0f}% of ingest CPU throughput")
        bulk_rate, bulk_cpu = ingest(database, articles[args.ingest :], per_transaction=500)
        print(f"bulk load of the rest, 500 per transaction, indexed: {bulk_rate:.0f} | {bulk_cpu:.0f} articles/s")
        if database.engine.dialect.name == "postgresql":
            # As autovacuum would: flush the GIN pending list (fastupdate) and refresh the planner's statistics.
            with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")

        filters = Filters()
        print(f"\n{'query':<26}{'matches':>9}{'p50 ms':>9}{'p95 ms':>9}")
        all_times: list[float] = []
        for query in QUERIES:
            with database.session() as session:
                total = search(session, query, limit=20).total
                times = timed(partial(search, session, query, limit=20), args.repeat)
            all_times += times
            print(f"{query:<26}{total:>9}{percentile(times, 0.5):>9.1f}{percentile(times, 0.95):>9.1f}")
        print(f"all searches: p50 {percentile(all_times, 0.5):.1f} ms, p95 {percentile(all_times, 0.95):.1f} ms")

        print(f"\n{'scan vs index':<26}{'LIKE ms':>9}{'index ms':>9}{'ratio':>9}")
        ratios = []
        for literal in SCAN_QUERIES:
            with database.session() as session:
                scan = timed(partial(db_search.scan_count, session, literal, filters), max(1, args.repeat // 2))
                indexed = timed(partial(search, session, literal, limit=20), args.repeat)
            ratio = statistics.median(scan) / statistics.median(indexed)
            ratios.append(ratio)
            print(f"{literal:<26}{statistics.median(scan):>9.1f}{statistics.median(indexed):>9.1f}{ratio:>8.1f}×")
        print(f"median speed-up over the scan: {statistics.median(ratios):.1f}×")

        with database.session() as session:
            trend_times = timed(partial(trend, session, ["数字政府"], by="month"), args.repeat)
        print(f"\nten-year monthly trend of 数字政府: p50 {percentile(trend_times, 0.5):.0f} ms")
        database.dispose()


if __name__ == "__main__":
    main()
