"""Ingest with indexing, search p50/p95, a ten-year monthly trend, and a plain LIKE scan measured in the same run.

    .venv/bin/python -m bench.search --articles 20000                          # SQLite in a temporary file
    .venv/bin/python -m bench.search --articles 20000 --db postgresql+psycopg://postgres@127.0.0.1:5432/test

Ingest is measured twice on the same synthetic articles, one transaction per article as the crawl pipeline
stores them: into a database without the search index (its triggers dropped, the baseline) and into one with
it (the triggers tokenise and index every article). Then the rest of the articles are loaded and each
query is timed through the index (match count plus the best 20 hits) and by a LIKE scan counting the same
articles, in a process whose start-up objects are frozen as the dashboard's are (web/app.py freeze_startup_heap;
the time a full garbage collection takes before and after is printed). Targets (at 1M articles):
search p95 ≤ 100 ms, monthly trend ≤ 500 ms, ≥ 50× the scan, ingest ≥ 300 articles/s on one core.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from sqlalchemy import Connection, func, insert, select, text

from analysis.search import search
from analysis.trends import trend
from bench.generate import synthetic_articles
from db import fts
from db import search as db_search
from db.articles import article_values, ensure_site, store_article
from db.engine import Database
from db.models import Article, ArticleTerm, ArticleVersion
from db.search import Filters
from db.terms import SEPARATOR, counter_for, indexed_spellings
from db.types import now_shanghai
from ground.article import Extracted
from pipelines.seed import open_database
from web.app import freeze_startup_heap

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


# The triggers of migration 0005 that keep the full-text index in step; dropped for the baseline.
FTS_TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER articles_fts_insert",
        "DROP TRIGGER articles_fts_update",
        "DROP TRIGGER articles_fts_delete",
    ],
    "postgresql": ["DROP TRIGGER article_search_insert ON articles", "DROP TRIGGER article_search_update ON articles"],
}


@contextmanager
def scratch_database(base: str | None, *, indexed: bool = True) -> Iterator[Database]:
    """A new empty database at head (a temporary SQLite file, or a fresh PostgreSQL schema); without the
    full-text triggers unless `indexed`."""
    if base is None:
        with tempfile.TemporaryDirectory() as directory:
            yield _open(f"sqlite:///{Path(directory) / 'bench.db'}", indexed)
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _open(f"{base}?options=-csearch_path%3D{schema}", indexed)
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _open(url: str, indexed: bool) -> Database:
    database = open_database(url, seed=False)
    if not indexed:
        with database.engine.begin() as connection:
            for statement in FTS_TRIGGERS[database.engine.dialect.name]:
                connection.exec_driver_sql(statement)
    return database


def ingest(database: Database, articles: list[Extracted], per_transaction: int = 1) -> tuple[float, float]:
    """Articles stored through db.articles (the crawl pipeline's writer) per wall-clock second and per CPU second
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


def batches(records: Iterator[Extracted], size: int) -> Iterator[list[Extracted]]:
    batch: list[Extracted] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _progress(loaded: int, total: int, reported: int, started: float) -> int:
    """Print the load's progress every 50,000 articles and at the end; the count last printed."""
    if loaded - reported < 50_000 and loaded != total:
        return reported
    print(f"  loaded {loaded:,}/{total:,} ({loaded / (time.perf_counter() - started):.0f} articles/s)", flush=True)
    return loaded


def populate(database: Database, records: Iterator[Extracted], total: int, per_transaction: int = 1000) -> float:
    """Load articles through the same writer, `per_transaction` a transaction; articles/s."""
    started, loaded, reported = time.perf_counter(), 0, 0
    for batch in batches(records, per_transaction):
        with database.session() as session:
            for record in batch:
                store_article(session, record)
        loaded += len(batch)
        reported = _progress(loaded, total, reported, started)
    return loaded / max(time.perf_counter() - started, 1e-9)


def bulk_load(database: Database, records: Iterator[Extracted], total: int, per_transaction: int = 2000) -> float:
    """Load new articles as db.articles writes them (article, version 1, term counts; the index triggers run on
    every row), but a batch of rows per INSERT: the 1M-article database in minutes instead of an hour. Ingest
    itself is measured through db.articles (measure_ingest)."""
    started, loaded, reported = time.perf_counter(), 0, 0
    sites: dict[str, int] = {}
    with database.session() as session:  # the terms the writer counts: those listed in indexed_terms
        tally = counter_for({t: s.split(SEPARATOR) for t, s in indexed_spellings(session).items()})
    for batch in batches(records, per_transaction):
        with database.session() as session:
            now = now_shanghai()
            for record in batch:
                if record.site not in sites:
                    sites[record.site] = ensure_site(session, record.site)
            rows = [
                {"url": r.url, "first_seen_at": now, "last_seen_at": now, "attribution": {}}
                | article_values(r, sites[r.site])
                for r in batch
            ]
            if session.get_bind().dialect.name == "sqlite":  # the triggers' tokens, staged as db.articles does
                staged = [
                    {"url": r.url, "title": fts.bigram_text(r.title), "body": fts.bigram_text(r.body)} for r in batch
                ]
                session.execute(text("INSERT INTO fts_staged (url, title, body) VALUES (:url, :title, :body)"), staged)
            ids = session.scalars(insert(Article).returning(Article.id, sort_by_parameter_order=True), rows).all()
            session.execute(
                insert(ArticleVersion),
                [
                    {
                        "article_id": i,
                        "version": 1,
                        "title": row["title"],
                        "body": row["body"],
                        "source": row["source"],
                        "published_at": row["published_at"],
                        "content_hash": row["content_hash"],
                        "seen_at": now,
                    }
                    for i, row in zip(ids, rows, strict=True)
                ],
            )
            terms = [
                {"term": t, "article_id": i, "occurrences": n}
                | {"published_month": row["published_month"], "site_id": row["site_id"]}
                for i, row in zip(ids, rows, strict=True)
                for t, n in tally.count(str(row["title"]), str(row["body"])).items()
            ]
            if terms:
                session.execute(insert(ArticleTerm), terms)
        loaded += len(batch)
        reported = _progress(loaded, total, reported, started)
    return loaded / max(time.perf_counter() - started, 1e-9)


def replicate(database: Database, times: int) -> None:
    """Make the stored articles `times` as many: copies under new ids and URLs (url#copyK), with their term
    counts and their full-text index entries. The same text statistics with posting lists `times` as long: how
    the 1M-article database is made from generated articles in minutes, as generating and storing a million
    takes hours on this machine.

    A copy's index entry is its original's, so the full-text insert trigger is off inside each copying
    transaction and the entries are written from the originals': on PostgreSQL the article_search rows (with the
    copy's id block; the trigger's plpgsql tokenising ran ~200 articles/s), on SQLite the tokens of
    db/fts.py bigram_text, computed once per original (the same tokens as the trigger's SQL, which ran ~25
    articles/s: an index built either way holds the same entries, term, article, column and offset)."""
    with database.session() as session:
        base = session.scalar(select(func.max(Article.id))) or 0
        if base != stored_articles(database):
            raise SystemExit("--replicate needs articles with ids 1..N (a database loaded by this benchmark)")
    columns = [c.name for c in Article.__table__.c if c.name != "id"]
    started = time.perf_counter()
    with database.engine.connect() as connection:
        postgresql = connection.dialect.name == "postgresql"
        trigger = None if postgresql else _sqlite_tokens(connection, base)
        # PostgreSQL: the GIN indexes dropped for the copies and built once at the end (each copy's tsvector
        # entered one by one took three quarters of a copy's time).
        gin = _drop_gin_indexes(connection) if postgresql else []
        for k in range(1, times):
            shift = k * base
            copied = ", ".join(f"url || '#copy{k}'" if c == "url" else c for c in columns)
            with connection.begin():
                if postgresql:
                    connection.exec_driver_sql("ALTER TABLE articles DISABLE TRIGGER article_search_insert")
                    _copy_articles(connection, columns, copied, shift, base)
                    connection.exec_driver_sql(
                        f"INSERT INTO article_search (article_id, document) "
                        f"SELECT article_id + {shift}, ts_delete(document, ARRAY[{fts.PG_BLOCK_TEXT}]) || "
                        f"{fts.PG_BLOCK_FUNCTION}(article_id + {shift}) FROM article_search WHERE article_id <= {base}"
                    )
                    connection.exec_driver_sql("ALTER TABLE articles ENABLE TRIGGER article_search_insert")
                else:  # the index rows first: sqlite3 opens the transaction at an INSERT, not at DROP TRIGGER
                    connection.exec_driver_sql(
                        f"INSERT INTO articles_fts (rowid, title, body) "
                        f"SELECT id + {shift}, title, body FROM temp.replica_tokens ORDER BY id"
                    )
                    connection.exec_driver_sql("DROP TRIGGER articles_fts_insert")
                    _copy_articles(connection, columns, copied, shift, base)
                    connection.exec_driver_sql(str(trigger))
                connection.exec_driver_sql(
                    "INSERT INTO article_terms (term, article_id, occurrences, published_month, site_id) "
                    f"SELECT term, article_id + {shift}, occurrences, published_month, site_id FROM article_terms "
                    f"WHERE article_id <= {base}"
                )
            rate = k * base / (time.perf_counter() - started)
            print(f"  copy {k}/{times - 1}: {(k + 1) * base:,} articles ({rate:.0f} articles/s)", flush=True)
        if postgresql:
            with connection.begin():
                connection.exec_driver_sql(
                    "SELECT setval(pg_get_serial_sequence('articles', 'id'), max(id)) FROM articles"
                )
            started = time.perf_counter()
            with connection.begin():
                connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '1GB'")
                for definition in gin:
                    connection.exec_driver_sql(definition)
            print(f"  GIN indexes built again in {time.perf_counter() - started:.0f} s", flush=True)


def _drop_gin_indexes(connection: Connection) -> list[str]:
    """Drop the GIN indexes of the current schema's tables; their definitions, to build them again."""
    with connection.begin():
        rows = connection.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND position('USING gin' in indexdef) > 0"
        ).all()
        for name, _ in rows:
            connection.exec_driver_sql(f'DROP INDEX "{name}"')
    return [definition for _, definition in rows]


def _copy_articles(connection: Connection, columns: list[str], copied: str, shift: int, base: int) -> None:
    connection.exec_driver_sql(
        f"INSERT INTO articles (id, {', '.join(columns)}) "
        f"SELECT id + {shift}, {copied} FROM articles WHERE id <= {base} ORDER BY id"
    )


def _sqlite_tokens(connection: Connection, base: int) -> str:
    """SQLite: the full-text tokens of articles 1..`base` in the temporary table replica_tokens; the insert
    trigger's SQL (to restore it after each copy)."""
    trigger = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'articles_fts_insert'"
    ).scalar_one()
    connection.exec_driver_sql("CREATE TEMP TABLE replica_tokens (id INTEGER PRIMARY KEY, title TEXT, body TEXT)")
    rows = connection.exec_driver_sql(f"SELECT id, title, body FROM articles WHERE id <= {base}").all()
    connection.execute(
        text("INSERT INTO temp.replica_tokens (id, title, body) VALUES (:id, :title, :body)"),
        [{"id": i, "title": fts.bigram_text(t), "body": fts.bigram_text(b)} for i, t, b in rows],
    )
    connection.commit()
    return str(trigger)


def stored_articles(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count(Article.id))) or 0


def measure_ingest(args: argparse.Namespace, articles: Iterator[Extracted], database: Database) -> None:
    sample = [next(articles) for _ in range(args.ingest)]
    with scratch_database(args.base, indexed=False) as plain:
        plain_rate, plain_cpu = ingest(plain, sample)
        plain.dispose()
    with scratch_database(args.base) as scratch:
        batched_rate, batched_cpu = ingest(scratch, sample, per_transaction=500)
        scratch.dispose()
    indexed_rate, indexed_cpu = ingest(database, sample)
    print(f"ingest of {args.ingest} articles through db.articles (articles/s: wall clock | per CPU second)")
    print(f"  without the index (triggers dropped), one per transaction: {plain_rate:7.0f} | {plain_cpu:7.0f}")
    print(f"  with the index (head), one per transaction:             {indexed_rate:7.0f} | {indexed_cpu:7.0f}")
    print(f"  with the index (head), 500 per transaction:             {batched_rate:7.0f} | {batched_cpu:7.0f}")
    print(f"  indexing costs {100 * (1 - indexed_cpu / plain_cpu):.0f}% of ingest CPU throughput")


def full_collection_ms() -> float:
    started = time.perf_counter()
    gc.collect()
    return (time.perf_counter() - started) * 1000


def measure_queries(database: Database, repeat: int) -> None:
    filters = Filters()
    with database.session() as session:
        search(session, QUERIES[0], limit=20)  # every module a search needs is imported
    before = full_collection_ms()
    freeze_startup_heap()  # the searches run in a process like the dashboard's (`newsmon web`)
    print(f"\nfull garbage collection: {before:.1f} ms, {full_collection_ms():.1f} ms once start-up objects are frozen")
    print(f"\n{'query':<26}{'matches':>9}{'p50 ms':>9}{'p95 ms':>9}")
    all_times: list[float] = []
    for query in QUERIES:
        with database.session() as session:
            total = search(session, query, limit=20).total_text
            times = timed(partial(search, session, query, limit=20), repeat)
        all_times += times
        print(f"{query:<26}{total:>9}{percentile(times, 0.5):>9.1f}{percentile(times, 0.95):>9.1f}")
    print(f"all searches: p50 {percentile(all_times, 0.5):.1f} ms, p95 {percentile(all_times, 0.95):.1f} ms")

    print(f"\n{'scan vs index':<26}{'LIKE ms':>9}{'index ms':>9}{'ratio':>9}")
    ratios = []
    for literal in SCAN_QUERIES:
        with database.session() as session:
            scan = timed(partial(db_search.scan_count, session, literal, filters), max(1, repeat // 2))
            indexed = timed(partial(search, session, literal, limit=20), repeat)
        ratio = statistics.median(scan) / statistics.median(indexed)
        ratios.append(ratio)
        print(f"{literal:<26}{statistics.median(scan):>9.1f}{statistics.median(indexed):>9.1f}{ratio:>8.1f}×")
    print(f"median speed-up over the scan: {statistics.median(ratios):.1f}×")

    print(f"\n{'ten-year monthly trend':<26}{'p50 ms':>9}{'p95 ms':>9}")
    for terms in (["数字政府"], ["一网通办", "放管服"]):
        with database.session() as session:
            trend_times = timed(partial(trend, session, terms, by="month"), repeat)
        label = " + ".join(terms)
        print(f"{label:<26}{percentile(trend_times, 0.5):>9.0f}{percentile(trend_times, 0.95):>9.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=20000, help="articles in the searched database")
    parser.add_argument("--ingest", type=int, default=1000, help="articles timed for ingest (each way)")
    parser.add_argument("--repeat", type=int, default=5, help="timings per query")
    parser.add_argument("--db", dest="base", default=None, help="PostgreSQL base URL; SQLite if absent")
    parser.add_argument(
        "--keep", default=None, help="keep the loaded database: a SQLite file path, or a PostgreSQL schema name"
    )
    parser.add_argument(
        "--bulk", action="store_true", help="load the articles after the timed ones in bulk (see bulk_load)"
    )
    parser.add_argument("--reuse", action="store_true", help="with --keep: query the kept database, load nothing")
    parser.add_argument(
        "--replicate", type=int, default=1, help="then copy the stored articles until there are N times as many"
    )
    args = parser.parse_args()
    backend = "PostgreSQL" if args.base else "SQLite"
    with kept_or_scratch(args.base, args.keep) as database:
        stored = stored_articles(database)
        if not args.reuse:
            if stored:
                raise SystemExit(f"{args.keep} already holds {stored:,} articles: give --reuse or a new --keep")
            articles = synthetic_articles(args.articles)
            measure_ingest(args, articles, database)
            rest = args.articles - args.ingest
            if args.bulk:
                print(f"loading the other {rest:,} articles in bulk, 2000 rows per INSERT …", flush=True)
                bulk_load(database, articles, rest)
            else:
                print(f"loading the other {rest:,} articles through db.articles, 1000 per transaction …", flush=True)
                populate(database, articles, rest)
        if args.replicate > 1:
            print(f"replicating the {stored_articles(database):,} stored articles {args.replicate}× …", flush=True)
            replicate(database, args.replicate)
        if database.engine.dialect.name == "postgresql" and (args.replicate > 1 or not args.reuse):
            # As autovacuum would: flush the GIN pending list (fastupdate) and refresh the planner's statistics.
            with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        stored = stored_articles(database)
        print(f"\n{backend}: {stored:,} articles stored")
        measure_queries(database, args.repeat)
        database.dispose()


@contextmanager
def kept_or_scratch(base: str | None, keep: str | None) -> Iterator[Database]:
    if keep is None:
        with scratch_database(base) as database:
            yield database
    elif base is None:
        yield open_database(f"sqlite:///{Path(keep).resolve()}", seed=False)
    else:
        import psycopg

        plain = base.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{keep}"')
        yield open_database(f"{base}?options=-csearch_path%3D{keep}", seed=False)


if __name__ == "__main__":
    main()
