"""What a crawl run owes: each list and article page it took on, open until it is stored, unchanged or failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


def _some(urls: list[str]) -> str:
    shown = ", ".join(urls[:SHOWN])
    return shown + (f" and {len(urls) - SHOWN} more" if len(urls) > SHOWN else "")
