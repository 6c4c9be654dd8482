"""The crawl process's one database handle, opened on first use and shared by pipelines and extensions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from db.engine import Database
from pipelines.seed import open_database

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def database_for(crawler: Crawler) -> Database:
    """Open the database named by the NEWSMON_DATABASE_URL setting once per crawler (migrated to head)."""
    database: Database | None = getattr(crawler, "_newsmon_database", None)
    if database is None:
        database = open_database(crawler.settings.get("NEWSMON_DATABASE_URL"))
        crawler._newsmon_database = database  # type: ignore[attr-defined]
    return database
