"""新华网 www.news.cn (and the older www.xinhuanet.com URLs): the 高层 and 时政 channels and their JSON feeds."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import ClassVar
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.http import Response

from spiders.base import ListItem, NewsmonSpider, list_date

# A channel page names its list feed as data="datasource:<32 hex>"; the feed is <channel dir>/ds_<id>.json.
_DATASOURCE = re.compile(r"^datasource:([0-9a-f]{32})$")
_OLD_HOSTS = {"www.xinhuanet.com", "xinhuanet.com", "news.xinhuanet.com"}


def _is_json(response: Response) -> bool:
    kind = (response.headers.get("Content-Type") or b"").decode("latin-1")
    return "json" in kind or urlsplit(response.url).path.endswith(".json")


class XinhuaSpider(NewsmonSpider):
    name = "xinhua"
    allowed_domains: ClassVar[list[str]] = ["news.cn", "xinhuanet.com"]
    columns = (
        "http://www.news.cn/politics/leaders/index.htm",  # 高层: list only in its datasource feed
        "http://www.news.cn/politics/",  # 时政: static #content-list plus a feed
    )
    # 2023+: /politics/leaders/20240509/<32 hex>/c.html; up to 2023: /politics/2019-12/10/c_1125327450.htm
    # (multi-page continuations c_<id>_2.htm are not first pages). Provincial channels: he.news.cn …
    article_url = re.compile(
        r"^https?://[a-z0-9.]*(?:news\.cn|xinhuanet\.com)/(?:[a-z0-9]+/)*"
        r"(?:\d{8}/[0-9a-f]{32}/c\.html|\d{4}-\d{2}/\d{2}/c_\d+\.htm)$"
    )

    def list_items(self, response: Response) -> Iterable[ListItem]:
        if _is_json(response):
            # {"datasource": [{"title", "publishUrl", "publishTime", …}]}; publishUrl may be root-relative.
            for entry in json.loads(response.text).get("datasource") or []:
                if entry.get("publishUrl"):
                    yield ListItem(response.urljoin(entry["publishUrl"]), list_date(entry.get("publishTime")))
            return
        for item in response.css("#content-list .item"):
            href = item.css(".tit a::attr(href)").get()
            if href:
                yield ListItem(response.urljoin(href.strip()), list_date(item.css(".time::text").get()))

    def more_lists(self, response: Response) -> Iterable[scrapy.Request]:
        if _is_json(response):
            return []
        ids = dict.fromkeys(
            m.group(1) for v in response.css("[data]::attr(data)").getall() if (m := _DATASOURCE.match(v.strip()))
        )
        return [self.list_request(response.urljoin(f"ds_{i}.json"), 1) for i in ids]

    def next_list_page(self, response: Response) -> str | None:
        # Feeds hold the last months whole and channel pages load more by script: there is no 下一页.
        return None

    def canonical(self, url: str) -> str:
        """www.xinhuanet.com/… redirects to www.news.cn/… with the same path."""
        parts = urlsplit(url)
        if parts.hostname in _OLD_HOSTS:
            return urlunsplit((parts.scheme, "www.news.cn", parts.path, parts.query, ""))
        return url
