"""Ingest cost per article with 0, 10, 100 and 1,000 active watches, measured in the same run.

    .venv/bin/python -m bench.watch --articles 1000                          # SQLite in temporary files
    .venv/bin/python -m bench.watch --articles 1000 --db postgresql+psycopg://postgres@127.0.0.1:5432/test

Each round stores the same synthetic articles (bench/generate.py: 600–4,000 characters, the domain vocabulary)
into a new database per configuration, one transaction per article through the import path's writer
(pipelines.ingest.write: store, full-text index, term counts, reprint matching, then the watches), the
configurations in turn so that drift on the machine hits them alike. "off" is the same ingest with the watch hook
removed; "0" has the hook and no watch (its cost is the one-row version check). Watches are generated from the
curated vocabulary in the shapes analysts write (a term, A OR B, A B, A -B, a phrase, a filter). The hook's own
time (matching and writing matches) is timed apart as well. Target: ≤ 10% overhead at 100 watches.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import analysis.watch_match
import pipelines.ingest
from analysis.watch_match import create_watch
from bench.generate import synthetic_articles
from bench.search import scratch_database
from db.engine import Database
from ground.article import Extracted
from mirror.synthetic import domain_terms

CONFIGURATIONS = ("off", "0", "10", "100", "1000")
SITES = ("people.com.cn", "news.cn", "gov.cn", "miit.gov.cn")
KINDS = ("speech_full_text", "speech_report", "news")


def watch_queries(count: int, seed: int = 21) -> list[tuple[str, dict[str, Any]]]:
    """`count` (query, filters) in the shapes analysts write, over the curated terms."""
    rng = random.Random(seed)
    terms = list(domain_terms())
    shapes: list[Callable[[], tuple[str, dict[str, Any]]]] = [
        lambda: (rng.choice(terms), {}),
        lambda: (f"{rng.choice(terms)} OR {rng.choice(terms)}", {}),
        lambda: (f"{rng.choice(terms)} {rng.choice(terms)}", {}),
        lambda: (f"{rng.choice(terms)} -{rng.choice(terms)}", {}),
        lambda: (f'"{rng.choice(terms)}"', {"site": rng.choice(SITES)}),
        lambda: (rng.choice(terms), {"kind": rng.choice(KINDS)}),
    ]
    return [rng.choice(shapes)() for _ in range(count)]


class HookTimer:
    """Wraps the ingest hook to time it and count the matches it records."""

    def __init__(self, hook: Callable[..., int]) -> None:
        self.hook = hook
        self.seconds = 0.0
        self.cpu = 0.0
        self.matches = 0

    def __call__(self, *args: Any, **kwargs: Any) -> int:
        started, cpu = time.perf_counter(), time.thread_time()
        found = self.hook(*args, **kwargs)
        self.seconds += time.perf_counter() - started
        self.cpu += time.thread_time() - cpu
        self.matches += found
        return found


def ingest(database: Database, articles: list[Extracted], hook: Callable[..., int]) -> tuple[float, float]:
    """Seconds (wall clock, and CPU of this thread) to store the articles one transaction each, with `hook` as the
    watch hook."""
    original = pipelines.ingest.match_watches
    pipelines.ingest.match_watches = hook
    try:
        started, cpu = time.perf_counter(), time.thread_time()
        for record in articles:
            with database.session() as session:
                pipelines.ingest.write(session, pipelines.ingest.prepare(record))
        return time.perf_counter() - started, time.thread_time() - cpu
    finally:
        pipelines.ingest.match_watches = original


def run_configuration(base: str | None, name: str, articles: list[Extracted]) -> dict[str, float]:
    with scratch_database(base) as database:
        try:
            if name != "off":
                with database.session() as session:
                    for number, (query, filters) in enumerate(watch_queries(int(name))):
                        create_watch(session, f"w{number}", query, **filters)
            timer = HookTimer(analysis.watch_match.match_watches)
            hook: Callable[..., int] = (lambda *args, **kwargs: 0) if name == "off" else timer
            seconds, cpu = ingest(database, articles, hook)
        finally:
            database.dispose()
    return {"seconds": seconds, "cpu": cpu, "hook": timer.seconds, "hook_cpu": timer.cpu, "matches": timer.matches}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", help="a PostgreSQL URL (each configuration gets a fresh schema); SQLite by default")
    arguments = parser.parse_args()
    articles = list(synthetic_articles(arguments.articles, seed=21))
    results: dict[str, list[dict[str, float]]] = {name: [] for name in CONFIGURATIONS}
    for _ in range(arguments.rounds):
        for name in CONFIGURATIONS:
            results[name].append(run_configuration(arguments.db, name, articles))
    count = len(articles)

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name]) / count

    print(
        f"{count} articles × {arguments.rounds} rounds, {'PostgreSQL' if arguments.db else 'SQLite'};"
        " medians per article"
    )
    print(
        f"{'watches':>8} {'wall ms':>8} {'CPU ms':>7} {'overhead (CPU)':>15} {'hook µs':>8} {'hook CPU µs':>12}"
        f" {'hook/ingest CPU':>16} {'matches':>8}"
    )
    base_cpu = median("off", "cpu")
    for name in CONFIGURATIONS:
        cpu, hook_cpu = median(name, "cpu"), median(name, "hook_cpu")
        print(
            f"{name:>8} {median(name, 'seconds') * 1000:>8.2f} {cpu * 1000:>7.2f} {(cpu / base_cpu - 1) * 100:>14.1f}%"
            f" {median(name, 'hook') * 1e6:>8.0f} {hook_cpu * 1e6:>12.0f} {hook_cpu / base_cpu * 100:>15.1f}%"
            f" {median(name, 'matches'):>8.2f}"
        )
    print(
        "overhead (CPU): this process's CPU per article against 'off' (no hook); hook/ingest CPU: the hook's own CPU "
        "time against the CPU of an ingest without it, the steadier figure on a loaded machine"
    )


if __name__ == "__main__":
    main()
