"""Download plumbing: the mirror handler that fetches real URLs from a local mirror server."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


def mirror_url(mirror: str, url: str) -> str:
    """http(s)://host/path?q → <mirror>/host/path?q (the mirror's directory layout is <root>/<host>/<path>)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{mirror.rstrip('/')}/{parts.hostname}{path}" + (f"?{parts.query}" if parts.query else "")


class MirrorDownloadHandler(HTTP11DownloadHandler):
    """With NEWSMON_MIRROR set, every http/https download goes to the mirror instead of the site.

    It sits below every middleware, so spiders, robots.txt handling, per-domain slots and AutoThrottle all
    see the real URLs; only the bytes come from 127.0.0.1.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._mirror: str | None = crawler.settings.get("NEWSMON_MIRROR")

    async def download_request(self, request: Request) -> Response:
        if not self._mirror:
            return await super().download_request(request)
        local = request.replace(url=mirror_url(self._mirror, request.url))
        response = await super().download_request(local)
        return response.replace(url=request.url, request=request)
