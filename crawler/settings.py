"""Scrapy settings of newsmon: polite by default (robots.txt, AutoThrottle, two requests per domain).

The ones a user may change are settings of the [crawl] section (ground/settings.py, docs/settings.md): their
defaults come from there, and `from_newsmon` names the setting each takes its value from when a crawl starts.
"""

from ground.settings import default

# Scrapy setting -> newsmon setting (crawler/run.py applies the values in force).
from_newsmon = {
    "USER_AGENT": "crawl.user_agent",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "crawl.concurrent_requests_per_domain",
    "DOWNLOAD_DELAY": "crawl.download_delay",
    "DOWNLOAD_TIMEOUT": "crawl.download_timeout",
    "NEWSMON_STORE_THREADS": "crawl.store_threads",
    "NEWSMON_MAX_LIST_PAGES": "crawl.max_list_pages",
    "NEWSMON_RECHECK_DAYS": "crawl.recheck_days",
    "NEWSMON_MAX_PAGE_BYTES": "crawl.max_page_bytes",
    "NEWSMON_MAX_PAGE_ELEMENTS": "crawl.max_page_elements",
    "NEWSMON_WRITE_RETRY_SECONDS": "crawl.write_retry_seconds",
}

BOT_NAME = "newsmon"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Say who we are: site operators can find the project and its purpose from the User-Agent.
USER_AGENT = default("crawl.user_agent")
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = default("crawl.concurrent_requests_per_domain")
DOWNLOAD_DELAY = default("crawl.download_delay")
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = default("crawl.download_timeout")
RETRY_TIMES = 2
# Larger answers are cancelled (and recorded as failed) instead of being read into memory and parsed.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
# Per response, Scrapy starts CONCURRENT_ITEMS asyncio workers over the callback's output (100 by default:
# 100 tasks for an article page that yields one item). No callback of ours yields more than one item (an article,
# its last continuation page or a failed page; list pages yield requests), so items still go through the
# pipelines concurrently across responses; one worker per response just does not create and schedule 99 idle
# tasks per page (asyncio's own CPU in a 600-article crawl: 3.7 s → 0.6 s under cProfile).
CONCURRENT_ITEMS = 1
# Scrapy reads the source of every generator callback (inspect.getsource + ast) to warn about a `return value`
# in it. Its cache is keyed weakly on the bound method, which dies with each request, so the source was read
# again whenever no request holding that callback was alive (~100 times in a 600-article crawl, ~0.4 s).
# tests/test_spiders_common.py makes the same check, once, on every callback of every spider.
WARN_ON_GENERATOR_RETURN_VALUE = False
LOG_LEVEL = "INFO"

EXTENSIONS = {
    "crawler.recorder.CrawlRunRecorder": 0,
}
ITEM_PIPELINES = {
    "pipelines.coverage.CoveragePipeline": 50,
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.store.StorePipeline": 300,
}

# newsmon's own settings.
NEWSMON_DATABASE_URL = None  # None: the database.url setting
NEWSMON_MIRROR = None  # "http://127.0.0.1:8765": fetch every URL from a local mirror (see mirror/)
NEWSMON_STORE_THREADS = default("crawl.store_threads")
NEWSMON_TRIGGER = "manual"  # recorded on the crawl run: manual | schedule
NEWSMON_FULL_CRAWL = False  # True: do not stop at known URLs (backfill)
NEWSMON_MAX_LIST_PAGES = default("crawl.max_list_pages")
NEWSMON_RECHECK_DAYS = default("crawl.recheck_days")
NEWSMON_RESUME = False  # True: the last run was cut short, so page past known URLs (see crawler/run.py)
NEWSMON_RESUMED_FROM = None  # id of the interrupted run this one carries on, recorded on the run
NEWSMON_MAX_PAGE_BYTES = default("crawl.max_page_bytes")
NEWSMON_MAX_PAGE_ELEMENTS = default("crawl.max_page_elements")
NEWSMON_WRITE_RETRY_SECONDS = default("crawl.write_retry_seconds")
