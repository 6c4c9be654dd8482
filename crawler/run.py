"""Run crawls in this process under the site's lock and job directory; the run id is returned."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from crawler.distributed import DistributedOptions
from crawler.jobs import SiteJob, state_dir
from crawler.settings import from_newsmon
from db.engine import database_url, open_migrated
from db.runs import close_dead_runs, get_run, last_run
from ground.settings import setting

log = logging.getLogger(__name__)


class CrawlStopped(RuntimeError):
    """The database refused writes for good (disk full, read-only): the crawl stopped rather than fetch more."""


def project_settings(**overrides: object) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict({name: setting(key) for name, key in from_newsmon.items()}, priority="project")
    for key, value in overrides.items():
        if value is not None:
            settings.set(key, value, priority="cmdline")
    return settings


def spider_names() -> dict[str, str]:
    """spider name -> site domain, for every spider in spiders/."""
    loader = SpiderLoader.from_settings(project_settings())
    return {name: getattr(loader.load(name), "site", name) for name in loader.list()}


def resolve_spider(site: str) -> str | None:
    """Accept a spider name (people) or its site (people.com.cn, www.people.com.cn)."""
    names = spider_names()
    if site in names:
        return site
    wanted = site.lower().removeprefix("www.")
    return next((name for name, domain in names.items() if domain == wanted), None)


@dataclass(frozen=True)
class CrawlOptions:
    db_url: str | None = None
    mirror: str | None = None  # base URL of a running mirror server
    full: bool = False
    max_list_pages: int | None = None
    recheck_days: int | None = None  # fetch articles stored in the last N days again (edits, removals)
    trigger: str = "manual"
    log_level: str = "WARNING"
    polite: bool | None = None  # None: polite, except against a local mirror
    state_dir: str | None = None  # crawl state (job directories, locks); see crawler/jobs.py
    distributed: DistributedOptions | None = None  # take part in a crawl shared over Redis (scrapy-redis)


def resolve_spiders(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """(spider names, names not understood) for spider names, site domains or "all" (every site's spider)."""
    if any(name.lower() == "all" for name in names):
        return sorted(spider_names()), []
    found: list[str] = []
    unknown: list[str] = []
    for name in names:
        spider = resolve_spider(name)
        if spider is None:
            unknown.append(name)
        elif spider not in found:
            found.append(spider)
    return found, unknown


def run_crawl(spider: str, options: CrawlOptions) -> int | None:
    """Crawl with one spider until it finishes; returns the crawl run's id (None if it never opened).

    Raises crawler.jobs.CrawlBusy when a crawl of the same site is already running.
    """
    return run_crawls([spider], options)[0]


def run_crawls(spiders: Sequence[str], options: CrawlOptions) -> list[int | None]:
    """Crawl with several spiders at once in this process (one reactor; each spider has its own run record,
    job directory, site lock and per-domain politeness); returns each run id in the order given.

    Raises crawler.jobs.CrawlBusy when a crawl of one of the sites is already running.

    How a crawl that was cut short is carried on:
    - stopped cleanly (SIGTERM/SIGINT, the run recorded `interrupted`): Scrapy saved its request queue and
      seen-requests in the job directory, and this crawl continues from them;
    - killed (the run is still marked `running` but nobody holds the site lock): Scrapy's disk queue was
      never closed and cannot be trusted, so it is discarded; the run is marked `interrupted`.
    Either way this crawl runs in resume mode: it pages past known URLs (up to the page limit) so that list
    pages the cut-short run never reached are read, while known articles are still not fetched again. The
    unique URL index makes a second store of the same article an update, never a twin.
    """
    url = database_url(options.db_url)
    names = spider_names()
    loader = SpiderLoader.from_settings(project_settings())
    with ExitStack() as stack:
        plans: list[tuple[str, SiteJob | None, int | None]] = []
        for spider in spiders:
            if options.distributed:
                # A distributed worker's queue lives in Redis and is shared: no local job dir, lock or resume.
                plans.append((spider, None, None))
                continue
            site_job = stack.enter_context(SiteJob(state_dir(url, options.state_dir), spider))
            plans.append((spider, site_job, _prepare_job(url, names.get(spider, spider), site_job)))
        process = CrawlerProcess(project_settings(**_overrides(options, url)))
        crawlers = []
        for spider, job, resumed_from in plans:
            per_spider: dict[str, object] = {}
            if job is not None:
                per_spider = {
                    "JOBDIR": str(job.job_dir),
                    "NEWSMON_RESUME": resumed_from is not None,
                    "NEWSMON_RESUMED_FROM": resumed_from,
                }
            spidercls = loader.load(spider)
            if per_spider:
                # Per-spider settings (its own job directory) ride on a subclass's custom_settings: the process
                # creates every crawler itself, so the reactor it installs is the one they all run on.
                custom = {**(spidercls.custom_settings or {}), **per_spider}
                spidercls = type(spidercls.__name__, (spidercls,), {"custom_settings": custom})
            crawler = process.create_crawler(spidercls)
            process.crawl(crawler)
            crawlers.append(crawler)
        process.start()
        run_ids: list[int | None] = [getattr(crawler.spider, "run_id", None) for crawler in crawlers]
        stopped: list[str] = []
        for (_, job, _), crawler in zip(plans, crawlers, strict=True):
            if fatal := getattr(crawler, "newsmon_fatal", None):
                stopped.append(str(fatal))
                if job is not None:
                    # Its seen-requests name pages that were fetched but never stored: the next crawl must ask
                    # for them again, so it starts from the columns (and pages past known URLs: resume mode).
                    job.clear()
        if stopped:
            raise CrawlStopped(stopped[0])
        for (_, job, _), run_id in zip(plans, run_ids, strict=True):
            if job is not None and run_id is not None and _run_status(url, run_id) != "interrupted":
                job.clear()  # nothing to carry on: the next crawl starts from the columns
        return run_ids


def _prepare_job(url: str, site: str, job: SiteJob) -> int | None:
    """Close runs a killed crawl left `running`; keep the job directory only for a cleanly stopped run.
    Returns the id of the run this crawl resumes, if any."""
    database = open_migrated(url)
    try:
        with database.session() as session:
            previous = last_run(session, site)
            dead = close_dead_runs(session, site)
    finally:
        database.dispose()
    resumed_from = previous["id"] if previous and previous["status"] in ("running", "interrupted") else None
    if dead or resumed_from is None:
        job.clear()
    if resumed_from is not None:
        log.warning("run %d of %s did not finish: this crawl resumes it", resumed_from, site)
    job.job_dir.mkdir(parents=True, exist_ok=True)
    return resumed_from


def _run_status(url: str, run_id: int) -> str | None:
    database = open_migrated(url)
    try:
        with database.session() as session:
            run = get_run(session, run_id)
            return str(run["status"]) if run else None
    finally:
        database.dispose()


def _overrides(options: CrawlOptions, url: str) -> dict[str, object]:
    mirror = options.mirror or setting("crawl.mirror")
    overrides: dict[str, object] = {
        "NEWSMON_DATABASE_URL": url,
        "NEWSMON_MIRROR": mirror,
        "NEWSMON_FULL_CRAWL": options.full,
        "NEWSMON_MAX_LIST_PAGES": options.max_list_pages,
        "NEWSMON_RECHECK_DAYS": options.recheck_days,
        "NEWSMON_TRIGGER": options.trigger,
        "LOG_LEVEL": options.log_level.upper(),
        # The caller owns logging (the CLI's Rich handler); LOG_LEVEL still filters Scrapy's own loggers.
        "LOG_INSTALL_ROOT_HANDLER": False,
    }
    if mirror:
        handler = "crawler.middlewares.MirrorDownloadHandler"
        overrides["DOWNLOAD_HANDLERS"] = {"http": handler, "https": handler}
        if not options.polite:
            # The mirror is our own server on loopback: no need to wait between requests.
            overrides.update(DOWNLOAD_DELAY=0, AUTOTHROTTLE_ENABLED=False, CONCURRENT_REQUESTS_PER_DOMAIN=16)
    if options.distributed:
        overrides.update(options.distributed.settings())
    return overrides
