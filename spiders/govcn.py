"""中国政府网 www.gov.cn: the 要闻 list (its JSON feed and its HTML pages), where leaders' activities appear."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import ClassVar

from scrapy.http import Response

from spiders.base import ListItem, NewsmonSpider, list_date

# TRS list pages write their pager with a script call: createPageHTML(<pages>, <current 0-based>, "home", "htm").
_TRS_PAGER = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"']([\w-]+)[\"']\s*,\s*[\"'](\w+)[\"']")


class GovcnSpider(NewsmonSpider):
    name = "govcn"
    allowed_domains: ClassVar[list[str]] = ["www.gov.cn"]
    columns = (
        "https://www.gov.cn/yaowen/liebiao/YAOWENLIEBIAO.json",  # 要闻, newest first, about 400 items
        "https://www.gov.cn/yaowen/liebiao/home.htm",  # the same column as paged HTML
    )
    # New: /yaowen/liebiao/202405/content_6950123.htm (month only); old: /premier/2018-05/04/content_5288123.htm;
    # 国务院公报: /gongbao/content/2007/content_711039.htm
    article_url = re.compile(
        r"^https?://www\.gov\.cn/(?:[a-z0-9_]+/)+(?:\d{6}|\d{4}|\d{4}-\d{2}/\d{2})/content_\d+\.htm$"
    )

    def list_items(self, response: Response) -> Iterable[ListItem]:
        if response.url.endswith(".json"):
            # [{"TITLE", "SUB_TITLE", "URL", "DOCRELPUBTIME": "YYYY-MM-DD"}]
            for entry in json.loads(response.text):
                if entry.get("URL"):
                    yield ListItem(response.urljoin(entry["URL"]), list_date(entry.get("DOCRELPUBTIME")))
            return
        for li in response.css("div.list ul li"):
            href = li.css("h4 a::attr(href)").get()
            if href:
                yield ListItem(response.urljoin(href.strip()), list_date(li.css("h4 span::text").get()))

    def next_list_page(self, response: Response) -> str | None:
        if response.url.endswith(".json"):
            return None
        linked = super().next_list_page(response)
        if linked:
            return linked
        match = _TRS_PAGER.search(response.text)
        if match:
            pages, current, stem, ext = int(match.group(1)), int(match.group(2)), match.group(3), match.group(4)
            if current + 1 < pages:
                return response.urljoin(f"{stem}_{current + 1}.{ext}")
        return None
