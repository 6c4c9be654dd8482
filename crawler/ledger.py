"""What a crawl run owes: each list and article page it took on, open until it is stored, unchanged or failed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.utils.url import url_is_from_any_domain

LIST = "list"
ARTICLE = "article"
# request.meta key naming the page a request settles: (kind, URL as first requested). Redirects, retries and an
# article's further pages carry the same meta, so a page is settled under the URL the run discovered it at.
PAGE_META = "newsmon_page"
SHOWN = 5  # URLs named in a run's message; the rest are counted


def page_of(meta: dict[str, Any]) -> tuple[str, str] | None:
    value = meta.get(PAGE_META)
    if not value:
        return None
    kind, url = value
    return str(kind), str(url)


@dataclass
class Ledger:
    """Open pages by URL. A page leaves the ledger when its outcome is written to the database, or when the
    scheduler drops its request as a duplicate of one already taken on (its outcome is that one's)."""

    open: dict[str, str] = field(default_factory=dict)  # URL -> list | article
    failed_lists: list[str] = field(default_factory=list)
    unwritten: list[str] = field(default_factory=list)  # pages whose outcome could not be written at all

    def take(self, kind: str, url: str) -> None:
        self.open[url] = kind

    def settle(self, url: str) -> None:
        self.open.pop(url, None)

    def list_failed(self, url: str) -> None:
        self.failed_lists.append(url)
        self.settle(url)

    def not_written(self, url: str) -> None:
        self.unwritten.append(url)
        self.settle(url)

    @property
    def complete(self) -> bool:
        return not self.open and not self.failed_lists and not self.unwritten

    def missing(self, *, with_open: bool = True) -> str | None:
        """What the run leaves undone, in one line for the run's message; None when nothing.

        Without `with_open`, pages still open are left out: a distributed worker that ends because the shared
        queue and every lease are empty knows each request it took was carried to its end, by it or (after a
        hand-on: a retry, a redirect, an article's next page) by another worker.
        """
        parts: list[str] = []
        pending = self.open if with_open else {}
        lists = sorted(url for url, kind in pending.items() if kind == LIST)
        articles = sorted(url for url, kind in pending.items() if kind == ARTICLE)
        if lists:
            parts.append(f"{len(lists)} list pages never read ({_some(lists)})")
        if articles:
            parts.append(f"{len(articles)} article pages never stored or failed ({_some(articles)})")
        if self.failed_lists:
            parts.append(f"{len(self.failed_lists)} list pages failed ({_some(sorted(self.failed_lists))})")
        if self.unwritten:
            parts.append(f"{len(self.unwritten)} pages could not be written ({_some(sorted(self.unwritten))})")
        return "; ".join(parts) or None


Recorder = Callable[[tuple[str, str], str], None]  # records (kind, URL) as failed with the reason


class Clerk:
    """Keeps a spider's ledger from the crawler's signals: what the run takes on, hands on, or the scheduler drops.

    A local crawl owes what it schedules. A distributed worker owes what it takes from the shared queue; a
    request it queues again (a retry, a redirect, an article's next page) is owed by whichever worker takes it.
    Redirects Scrapy drops without a word (in a loop, off the site) are recorded as failed through `record`.
    """

    def __init__(
        self,
        ledger: Ledger,
        crawler: Crawler,
        allowed: list[str] | None,
        record: Callable[[tuple[str, str], str], None],
    ) -> None:
        self.ledger, self.allowed, self.record = ledger, allowed, record
        self.crawler = crawler  # its stats are set only once the crawl starts
        connect = crawler.signals.connect
        if crawler.settings.get("NEWSMON_DISTRIBUTED"):
            connect(self.taken, signal=signals.request_reached_downloader)
            connect(self.handed_on, signal=signals.request_scheduled)
        else:
            connect(self.taken, signal=signals.request_scheduled)
        connect(self.off_site, signal=signals.request_scheduled)
        connect(self.dropped, signal=signals.request_dropped)

    def taken(self, request: Request, **_: Any) -> None:
        if page := page_of(request.meta):
            self.ledger.take(*page)

    def handed_on(self, request: Request, **_: Any) -> None:
        if page := page_of(request.meta):
            self.ledger.settle(page[1])

    def off_site(self, request: Request, **_: Any) -> None:
        # Scrapy's offsite filter drops such a redirect in this same signal, without a word.
        page = page_of(request.meta)
        leaves = bool(self.allowed) and not url_is_from_any_domain(request.url, self.allowed or [])
        if page and leaves and request.meta.get("redirect_urls"):
            self._inc("newsmon/redirects_off_site")
            self.record(page, f"redirected off the site: {redirect_chain(request.meta, request.url)}")

    def dropped(self, request: Request, **_: Any) -> None:
        page = page_of(request.meta)
        if page is None:
            return
        hops = request.meta.get("redirect_urls") or []
        if request.url in hops:
            # A redirect loop (or a page redirecting to itself), cut short by the dupe filter.
            self._inc("newsmon/redirect_loops")
            self.record(page, f"redirect loop: {redirect_chain(request.meta, request.url)}")
            return
        if hops:
            # Redirected to a page this run already has: that page's outcome stands for both.
            self._inc("newsmon/redirects_to_requested")
        self.ledger.settle(page[1])

    def _inc(self, key: str) -> None:
        self.crawler.stats.inc_value(key)


def redirect_chain(meta: dict[str, Any], last: str) -> str:
    return " → ".join([*meta.get("redirect_urls", []), last])


def _some(urls: list[str]) -> str:
    shown = ", ".join(urls[:SHOWN])
    return shown + (f" and {len(urls) - SHOWN} more" if len(urls) > SHOWN else "")
