"""Ingest cost per article with 0, 10, 100 and 1,000 active watches, measured in the same run.

    .venv/bin/python -m bench.watch --articles 1000                          # SQLite in temporary files
    .venv/bin/python -m bench.watch --articles 1000 --db postgresql+psycopg://postgres@127.0.0.1:5432/test

Each round stores the same synthetic articles (bench/generate.py: 600–4,000 characters, the domain vocabulary)
into a new database per configuration, one transaction per article through the import path's writer
(analysis.reprints.store_and_match: store, full-text index, term counts, reprint matching, then the watches), the
configurations in turn so that drift on the machine hits them alike. "off" is the same ingest with the watch hook
removed; "0" has the hook and no watch (its cost is the one-row version check). Watches are generated from the
curated vocabulary in the shapes analysts write (a term, A OR B, A B, A -B, a phrase, a filter). The hook's own
time (matching and writing matches) is timed apart as well. Target (issue 21): ≤ 10% overhead at 100 watches.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import analysis.reprints
import analysis.watch_match
from analysis.watch_match import create_watch
from bench.generate import synthetic_articles
from bench.search import scratch_database
from crawler.extraction.record import Extracted
from db.engine import Database
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
        self.matches = 0

    def __call__(self, *args: Any, **kwargs: Any) -> int:
        started = time.perf_counter()
        found = self.hook(*args, **kwargs)
        self.seconds += time.perf_counter() - started
        self.matches += found
        return found


def ingest(database: Database, articles: list[Extracted], hook: Callable[..., int]) -> float:
    """Seconds to store the articles one transaction each, with `hook` as the watch hook."""
    original = analysis.reprints.match_watches
    analysis.reprints.match_watches = hook
    try:
        started = time.perf_counter()
        for record in articles:
            with database.session() as session:
                analysis.reprints.store_and_match(session, record)
        return time.perf_counter() - started
    finally:
        analysis.reprints.match_watches = original


def run_configuration(base: str | None, name: str, articles: list[Extracted]) -> dict[str, float]:
    with scratch_database(base) as database:
        try:
            if name != "off":
                with database.session() as session:
                    for number, (query, filters) in enumerate(watch_queries(int(name))):
                        create_watch(session, f"w{number}", query, **filters)
            timer = HookTimer(analysis.watch_match.match_watches)
            hook: Callable[..., int] = (lambda *args, **kwargs: 0) if name == "off" else timer
            seconds = ingest(database, articles, hook)
        finally:
            database.dispose()
    return {"seconds": seconds, "hook": timer.seconds, "matches": timer.matches}


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
    base = statistics.median(r["seconds"] for r in results["off"]) / count
    print(f"{count} articles × {arguments.rounds} rounds, {'PostgreSQL' if arguments.db else 'SQLite'}; medians")
    print(f"{'watches':>8} {'ms/article':>11} {'overhead':>9} {'hook µs/article':>16} {'matches/article':>16}")
    for name in CONFIGURATIONS:
        per_article = statistics.median(r["seconds"] for r in results[name]) / count
        hook = statistics.median(r["hook"] for r in results[name]) / count
        matches = statistics.median(r["matches"] for r in results[name]) / count
        overhead = (per_article / base - 1) * 100
        print(f"{name:>8} {per_article * 1000:>11.2f} {overhead:>8.1f}% {hook * 1e6:>16.0f} {matches:>16.2f}")
    print("overhead: against 'off' (no hook); the hook's own time is the steadier figure (no run-to-run drift)")


if __name__ == "__main__":
    main()
