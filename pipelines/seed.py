"""Open a database for writing: migrated to head, the curated registry of bodies synced, and the seed speech
(谢少锋:电子政务发展的产业支撑) as article 1 of every new database, stored by the one ingest path."""

from __future__ import annotations

from pathlib import Path

from db.articles import article_count
from db.engine import Database, open_migrated
from db.registry import sync_registry
from ground.bodies import default_registry

SEED_FILE = Path(__file__).resolve().parents[1] / "data" / "seed" / "000_d3230bdcfa9362f9.txt"
# 谢少锋:电子政务发展的产业支撑 as republished by 中国电子政务网 (its 来源 names 人民网, the original).
SEED_URL = "http://www.e-gov.org.cn/article-166277.html"
SEED_SITE = "e-gov.org.cn"


def ensure_seed(database: Database) -> None:
    """Bring the curated registry up to date, and import the seed into an empty database (with its attribution);
    a database that has articles keeps them."""
    with database.session() as session:
        sync_registry(session, default_registry())
        empty = article_count(session) == 0
    if empty:
        # Only a new database takes the write path here; every other open stays free of its libraries.
        from extraction.plaintext import parse_plaintext
        from pipelines.ingest import ingest

        ingest(database, parse_plaintext(SEED_FILE.read_bytes(), url=SEED_URL, site=SEED_SITE))


def open_database(url: str | None = None, *, seed: bool = True, create: bool = True) -> Database:
    """Open the database for writing: migrate it to head and (with `seed`) make sure the seed is article 1.

    With create=False a database that does not exist (no SQLite file, no newsmon schema) is refused instead of
    created (db.engine.DatabaseUnusable)."""
    database = open_migrated(url, create=create)
    if seed:
        ensure_seed(database)
    return database
