"""人民网 people.com.cn: the columns where leaders' speeches and activities appear."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from scrapy.http import Response

from spiders.base import NewsmonSpider

# Containers of the item list on people.com.cn column pages, across template generations.
_LIST_CONTAINERS = ("div.ej_list_box", "div.p2j_list", "div.headingNews", "div.fl ul", "div.leftItem", ".p6")


class PeopleSpider(NewsmonSpider):
    name = "people"
    allowed_domains: ClassVar[list[str]] = ["people.com.cn"]
    columns = (
        "http://politics.people.com.cn/GB/1024/index.html",  # 时政·高层动态
        "http://cpc.people.com.cn/GB/64093/64094/index.html",  # 中共新闻网·高层动态
    )
    # First pages of articles: /n1/2024/0510/c1004-40232587.html (provincial sites use /n2/).
    article_url = re.compile(r"^https?://[a-z0-9.-]*people\.com\.cn/n[12]/\d{4}/\d{4}/c\d+-\d+\.html$")

    def list_links(self, response: Response) -> Iterable[str]:
        for container in _LIST_CONTAINERS:
            hrefs = response.css(f"{container} a::attr(href)").getall()
            if any(self.article_url.search(response.urljoin(h.strip())) for h in hrefs):
                return [response.urljoin(h.strip()) for h in hrefs]
        return list(super().list_links(response))
