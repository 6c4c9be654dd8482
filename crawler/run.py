"""Run one crawl in this process: settings assembled from the project's and the caller's, run id returned."""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from crawler.distributed import DistributedOptions
from db.engine import database_url


def project_settings(**overrides: object) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
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
    trigger: str = "manual"
    log_level: str = "WARNING"
    polite: bool | None = None  # None: polite, except against a local mirror
    distributed: DistributedOptions | None = None  # take part in a crawl shared over Redis (scrapy-redis)


def run_crawl(spider: str, options: CrawlOptions) -> int | None:
    """Crawl with one spider until it finishes; returns the crawl run's id (None if it never opened)."""
    overrides: dict[str, object] = {
        "NEWSMON_DATABASE_URL": database_url(options.db_url),
        "NEWSMON_MIRROR": options.mirror,
        "NEWSMON_FULL_CRAWL": options.full,
        "NEWSMON_MAX_LIST_PAGES": options.max_list_pages,
        "NEWSMON_TRIGGER": options.trigger,
        "LOG_LEVEL": options.log_level.upper(),
        # The caller owns logging (the CLI's Rich handler); LOG_LEVEL still filters Scrapy's own loggers.
        "LOG_INSTALL_ROOT_HANDLER": False,
    }
    if options.mirror:
        handler = "crawler.middlewares.MirrorDownloadHandler"
        overrides["DOWNLOAD_HANDLERS"] = {"http": handler, "https": handler}
        if not options.polite:
            # The mirror is our own server on loopback: no need to wait between requests.
            overrides.update(DOWNLOAD_DELAY=0, AUTOTHROTTLE_ENABLED=False, CONCURRENT_REQUESTS_PER_DOMAIN=16)
    if options.distributed:
        overrides.update(options.distributed.settings())
    process = CrawlerProcess(project_settings(**overrides))
    crawler = process.create_crawler(spider)
    process.crawl(crawler)
    process.start()
    return getattr(crawler.spider, "run_id", None)
