"""Concurrent writers in separate processes (a scheduled crawl and a manual import at once) never make twins."""

from __future__ import annotations

import multiprocessing
import random
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from db.articles import RawInput, store_article
from db.models import Article, Site
from extraction.dates import SHANGHAI
from ground.article import Extracted
from pipelines.seed import open_database

SITE = "race.example.cn"
URLS = [f"http://www.race.example.cn/n1/2024/0510/c1024-{40000000 + n}.html" for n in range(40)]
WRITERS = 4


def _record(url: str) -> Extracted:
    return Extracted(
        url=url,
        site=SITE,
        charset="utf-8",
        title="数字政府建设迈出新步伐",
        published_at=datetime(2024, 5, 10, 6, 58, tzinfo=SHANGHAI),
        published_precision="minute",
        source="人民网",
        body="第一段：数字政府建设。\n第二段：政务服务一网通办。",
    )


def _writer(db_url: str, index: int, barrier: Any, results: Any) -> None:
    """Store every URL, in an order of its own, one transaction each: as a crawl (with raw bytes) or an import."""
    database = open_database(db_url)
    urls = URLS[:]
    random.Random(index).shuffle(urls)
    outcomes = []
    try:
        barrier.wait(timeout=60)
        for url in urls:
            raw = RawInput(body=url.encode(), http_status=200) if index % 2 == 0 else None
            with database.session() as session:
                outcomes.append((url, store_article(session, _record(url), raw=raw).outcome))
    finally:
        database.dispose()
    results.put(outcomes)


def test_concurrent_processes_store_each_article_once(db_url: str) -> None:
    open_database(db_url).dispose()  # migrated and seeded before the race
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WRITERS)
    results = context.Queue()
    processes = [context.Process(target=_writer, args=(db_url, i, barrier, results)) for i in range(WRITERS)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=240) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    news = Counter(url for batch in outcomes for url, outcome in batch if outcome == "new")
    assert news == Counter(URLS)  # exactly one writer created each article; the others found it
    assert all(outcome in ("new", "unchanged") for batch in outcomes for _, outcome in batch)
    database = open_database(db_url)
    try:
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(Article).where(Article.url.in_(URLS))) == len(URLS)
            assert session.scalar(select(func.count()).select_from(Site).where(Site.domain == SITE)) == 1
    finally:
        database.dispose()
