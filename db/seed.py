"""Seed data: the curated registry of bodies, and the seed speech as article 1 of every new database."""

from __future__ import annotations

from pathlib import Path

from crawler.attribution import attribute_record
from crawler.attribution.registry import default_registry
from crawler.extraction.plaintext import parse_plaintext
from db.engine import Database
from db.store import article_count, sync_registry
from ground.sites import site_name

SEED_FILE = Path(__file__).resolve().parents[1] / "data" / "seed" / "000_d3230bdcfa9362f9.txt"
# 谢少锋:电子政务发展的产业支撑 as republished by 中国电子政务网 (its 来源 names 人民网, the original).
SEED_URL = "http://www.e-gov.org.cn/article-166277.html"
SEED_SITE = "e-gov.org.cn"


def ensure_seed(database: Database) -> None:
    """Bring the curated registry up to date, and import the seed into an empty database (with its attribution);
    a database that has articles keeps them."""
    with database.session() as session:
        sync_registry(session, default_registry())
        if article_count(session) == 0:
            record = parse_plaintext(SEED_FILE.read_bytes(), url=SEED_URL, site=SEED_SITE)
            from analysis.reprints import store_and_match  # matching uses the extraction package too

            store_and_match(session, record, site_name=site_name(SEED_SITE), attribution=attribute_record(record))
