"""The crawl-run recorder: a row in crawl_runs when a spider opens; counts, status and checks when it closes."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler.alerts.digest import after_crawl_run
from crawler.database import database_for
from crawler.distributed import DEFAULT_LEASE_TIMEOUT
from crawler.ledger import Ledger
from crawler.monitors import check_run
from db.frontier import advance_frontiers, crawl_left_gaps
from db.runs import close_abandoned_runs, finish_run, hold_run, start_run
from pipelines.coverage import COVERED_FIELDS

log = logging.getLogger(__name__)


def run_counts(stats: dict[str, Any]) -> dict[str, int]:
    """Map Scrapy's stats onto the run record's counters (robots.txt fetches are not pages)."""
    responses = int(stats.get("response_received_count", 0)) - int(stats.get("robotstxt/response_count", 0))
    http_errors = sum(
        int(v)
        for k, v in stats.items()
        if k.startswith("downloader/response_status_count/") and k.rsplit("/", 1)[1][:1] in "45"
    )
    http_errors += int(stats.get("downloader/exception_count", 0))
    return {
        "pages_fetched": max(responses, 0),
        "articles_new": int(stats.get("newsmon/articles_new", 0)),
        "articles_changed": int(stats.get("newsmon/articles_changed", 0)),
        "articles_unchanged": int(stats.get("newsmon/articles_unchanged", 0)),
        "pages_failed": int(stats.get("newsmon/pages_failed", 0)),
        "pages_skipped": int(stats.get("newsmon/pages_skipped", 0)),
        "http_errors": http_errors,
        "articles_removed": int(stats.get("newsmon/articles_removed", 0)),
    }


def http_status_counts(stats: dict[str, Any]) -> dict[str, int]:
    """HTTP error answers by status ("404": 2, "503": 1) plus downloads that got no answer ("exception")."""
    counts: dict[str, int] = {}
    for key, value in stats.items():
        if key.startswith("downloader/response_status_count/"):
            status = key.rsplit("/", 1)[1]
            if status[:1] in "45":
                counts[status] = int(value)
    if exceptions := int(stats.get("downloader/exception_count", 0)):
        counts["exception"] = exceptions
    return dict(sorted(counts.items()))


def field_coverage(stats: dict[str, Any]) -> dict[str, Any]:
    """Per field, the share of article pages that had it and the share that got it from the site's own rules.

    {"pages": 9, "extraction_failed": 0, "title": 1.0, "title_site_rule": 1.0, …}; empty when no article
    page was read (an incremental run that found nothing new says nothing about the layout).
    """
    pages = int(stats.get("newsmon/coverage/pages", 0))
    if pages == 0:
        return {}
    coverage: dict[str, Any] = {"pages": pages, "extraction_failed": int(stats.get("newsmon/extraction_failed", 0))}
    for name in COVERED_FIELDS:
        coverage[name] = round(int(stats.get(f"newsmon/coverage/{name}", 0)) / pages, 4)
        coverage[f"{name}_site_rule"] = round(int(stats.get(f"newsmon/coverage/{name}/site_rule", 0)) / pages, 4)
    return coverage


def run_outcome(
    stats: dict[str, Any], reason: str, *, distributed: bool = False, missing: str | None = None
) -> tuple[str, str | None]:
    """(status, message): failed when no page could be fetched at all, interrupted when stopped early,
    incomplete when a page the run took on was neither stored, unchanged nor recorded as failed, or a list page
    failed (`missing` says which); finished only when nothing is left.

    A worker of a distributed crawl may get no list page, or no page at all, while the others do the work.
    """
    counts = run_counts(stats)
    idle_worker = distributed and counts["pages_fetched"] == 0 and counts["http_errors"] == 0
    if counts["pages_fetched"] == 0 and not idle_worker:
        errors = sorted(k.rsplit("/", 1)[1] for k in stats if k.startswith("downloader/exception_type_count/"))
        detail = ", ".join(e.rsplit(".", 1)[-1] for e in errors) or "no response"
        return "failed", f"site unreachable: no page could be fetched ({detail})"
    if reason != "finished":
        return "interrupted", f"crawl stopped early: {reason}" + (f"; left undone: {missing}" if missing else "")
    if int(stats.get("newsmon/list_pages", 0)) == 0 and not distributed:
        return "failed", "no list page of the site's columns could be read" + (f": {missing}" if missing else "")
    if missing:
        return "incomplete", f"left undone: {missing}"
    if idle_worker:
        return "finished", "this worker found no work in the shared queue"
    if int(stats.get("newsmon/frontier_not_reached", 0)):
        return "finished", (
            "a column was read to the page limit without reaching the newest article of its last complete run: "
            "older articles may be missing (raise --max-list-pages, or crawl --full)"
        )
    return "finished", None


class CrawlRunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.run_id = 0
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        site = getattr(spider, "site", spider.name)
        with database_for(self.crawler).session() as session:
            self.run_id = start_run(
                session,
                site,
                spider.name,
                site_name=getattr(spider, "site_name", None),
                trigger=self.crawler.settings.get("NEWSMON_TRIGGER", "manual"),
                resumed_from=self.crawler.settings.getint("NEWSMON_RESUMED_FROM") or None,
            )
            worker = getattr(spider, "worker_id", None)
            if worker:
                # A distributed worker: its run carries a heartbeat lease, renewed by crawler/distributed.py.
                ttl = timedelta(seconds=self.crawler.settings.getfloat("NEWSMON_LEASE_TIMEOUT", DEFAULT_LEASE_TIMEOUT))
                hold_run(session, self.run_id, worker, ttl=ttl)
                abandoned = close_abandoned_runs(session)
                if abandoned:
                    log.warning("crawl runs %s of dead workers marked interrupted", ", ".join(map(str, abandoned)))
        # Pipelines tag what they store with the run; the CLI reads it back when the crawl ends.
        spider.run_id = self.run_id  # type: ignore[attr-defined]
        log.info("crawl run %d started for %s", self.run_id, site)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        role = self.crawler.settings.get("NEWSMON_DISTRIBUTED")
        distributed = bool(role)
        ledger: Ledger | None = getattr(spider, "ledger", None)
        missing = ledger.missing(with_open=not distributed or reason != "finished") if ledger is not None else None
        status, message = run_outcome(stats, reason, distributed=distributed, missing=missing)
        counts = run_counts(stats)
        kept = {k: v for k, v in stats.items() if isinstance(v, int | float | str) and not k.startswith("log_")}
        database = database_for(self.crawler)
        site = getattr(spider, "site", spider.name)
        try:
            with database.session() as session:
                tops: dict[str, str] = getattr(spider, "tops", {})
                # A distributed crawl is complete when the seeder ends with nothing queued or leased (it waits
                # for that) and no run of it left a gap; a worker alone cannot tell.
                complete = status == "finished" and (
                    not role or (role == "seeder" and not crawl_left_gaps(session, site, self.run_id))
                )
                if complete and tops:
                    advance_frontiers(session, site, tops, self.run_id)
                finish_run(
                    session,
                    self.run_id,
                    status=status,
                    counts=counts,
                    message=message,
                    stats=kept,
                    http_status_counts=http_status_counts(stats),
                    field_coverage=field_coverage(stats),
                )
                # The crawl is over for this worker: close the runs of workers that died on the way.
                abandoned = close_abandoned_runs(session) if distributed else []
        except Exception as error:
            # The database refuses writes (disk full, read-only): the run stays `running` until the next crawl
            # closes it with the counts read back from its rows. One line, not a traceback per attempt.
            log.error("could not record the end of crawl run %d: %s", self.run_id, str(error).splitlines()[0])
            return
        log.info("crawl run %d %s: %s", self.run_id, status, counts)
        if abandoned:
            log.warning("crawl runs %s of dead workers marked interrupted", ", ".join(map(str, abandoned)))
        try:
            check_run(database, self.run_id)
        except Exception:
            # A monitor that breaks must not lose the run record, which is already committed.
            log.exception("checks of run %d failed", self.run_id)
        try:
            after_crawl_run(database, self.run_id)
        except Exception:
            log.exception("watch digests after run %d failed", self.run_id)
