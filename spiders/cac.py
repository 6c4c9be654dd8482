"""国家互联网信息办公室 www.cac.gov.cn: 时政要闻 and 办领导动态, paged through the cms/JsonList feed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

from scrapy.http import Response

from spiders.base import ListItem, NewsmonSpider, list_date

JSON_LIST = "https://www.cac.gov.cn/cms/JsonList"
PER_PAGE = 20
# Column pages are /<path>/<channelCode>index_1.htm; only that first page is static HTML.
_CHANNEL = re.compile(r"/(A\d+)index_1\.htm$")


def json_list_url(channel: str, page_no: int) -> str:
    # The site takes POST; GET with the same fields answers the same and keeps the request cacheable.
    return f"{JSON_LIST}?{urlencode({'channelCode': channel, 'perPage': PER_PAGE, 'pageno': page_no})}"


class CacSpider(NewsmonSpider):
    name = "cac"
    allowed_domains: ClassVar[list[str]] = ["www.cac.gov.cn"]
    columns = (
        "https://www.cac.gov.cn/yaowen/szyw/A093601index_1.htm",  # 时政要闻
        json_list_url("A09370102", 1),  # 办领导动态: its column page was not seen, the feed answers by code
    )
    # /2024-05/09/c_1715271234567890.htm (10-digit ids up to 2019); continuations c_<id>_2.htm excluded.
    article_url = re.compile(r"^https?://www\.cac\.gov\.cn/\d{4}-\d{2}/\d{2}/c_\d+\.htm$")

    def _feed(self, response: Response) -> list[dict[str, str]] | None:
        if not response.url.startswith(JSON_LIST):
            return None
        entries = json.loads(response.text).get("list") or []
        return [e for e in entries if isinstance(e, dict)]

    def list_items(self, response: Response) -> Iterable[ListItem]:
        feed = self._feed(response)
        if feed is not None:
            # {"list": [{"topic", "infourl": "//www.cac.gov.cn/…", "pubtime": "YYYY-MM-DD HH:MM:SS"}]}
            for entry in feed:
                if entry.get("infourl"):
                    yield ListItem(response.urljoin(entry["infourl"]), list_date(entry.get("pubtime")))
            return
        # hrefs are unquoted on the real page; lxml reads them as attributes all the same.
        for li in response.css("div#loadingInfoPage li"):
            href = li.css("a::attr(href)").get()
            if href:
                yield ListItem(response.urljoin(href.strip()), list_date(li.css(".times::text").get()))

    def next_list_page(self, response: Response) -> str | None:
        feed = self._feed(response)
        if feed is not None:
            query = parse_qs(urlsplit(response.url).query)
            channel, page_no = query["channelCode"][0], int(query.get("pageno", ["1"])[0])
            return json_list_url(channel, page_no + 1) if len(feed) >= PER_PAGE else None
        match = _CHANNEL.search(urlsplit(response.url).path)
        if match and len(list(self.list_items(response))) >= PER_PAGE:
            return json_list_url(match.group(1), 2)
        return None
