"""中国电子政务网 www.e-gov.org.cn: the 新闻 channel, where officials' speeches are reposted in full."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from scrapy.http import Response

from spiders.base import ListItem, NewsmonSpider, list_date


class EgovSpider(NewsmonSpider):
    name = "egov"
    allowed_domains: ClassVar[list[str]] = ["www.e-gov.org.cn"]
    columns = ("http://www.e-gov.org.cn/channel-1.html",)  # 新闻
    article_url = re.compile(r"^https?://www\.e-gov\.org\.cn/article-\d+\.html$")

    def list_items(self, response: Response) -> Iterable[ListItem]:
        # Rows of div#search_list: a relative article-<n>.html link and a date cell, which may be relative
        # ("3小时前", "昨天 09:30").
        for row in response.css("div#search_list table tr"):
            href = row.css('a[href*="article-"]::attr(href)').get()
            if href:
                stamp = row.css("td.date::text, td:last-child::text").get()
                yield ListItem(response.urljoin(href.strip()), list_date(stamp))
