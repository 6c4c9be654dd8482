"""工业和信息化部 www.miit.gov.cn: 部领导活动, whose list comes from the site's page-build API."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response

from spiders.base import ListItem, NewsmonSpider, list_date

API_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
PAGE_SIZE = "24"


def _querydata(raw: str) -> dict[str, str]:
    """The column page's querydata attribute: JSON written with single quotes."""
    try:
        data = json.loads(raw.replace("'", '"'))
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def api_url(base: str, query: dict[str, str], page_no: int) -> str:
    """The list API request for one page of a column (GET only: the gateway answers POST with 501)."""
    params = {"parseType": "buildstatic", **query}
    params["paramJson"] = json.dumps({"pageNo": page_no, "pageSize": PAGE_SIZE}, separators=(",", ":"))
    return f"{base}{API_PATH}?{urlencode(params)}"


class MiitSpider(NewsmonSpider):
    name = "miit"
    allowed_domains: ClassVar[list[str]] = ["www.miit.gov.cn"]
    columns = ("https://www.miit.gov.cn/xwfb/bldhd/index.html",)  # 部领导活动 (2025+ URL)
    # /xwfb/bldhd/art/2025/art_<32 hex>.html; the URL carries the year only, the list has the day.
    article_url = re.compile(r"^https?://www\.miit\.gov\.cn/(?:[a-z0-9]+/)+art/\d{4}/art_[0-9a-f]{32}\.html$")

    def _api_html(self, response: Response) -> Selector | None:
        if API_PATH not in response.url:
            return None
        payload: Any = json.loads(response.text)
        html = (payload.get("data") or {}).get("html") if isinstance(payload, dict) else None
        return Selector(text=html or "<html></html>")

    def list_items(self, response: Response) -> Iterable[ListItem]:
        page = self._api_html(response)
        if page is None:
            return
        for li in page.css("div.page-content ul li"):
            href = li.css("a::attr(href)").get()
            if href:
                yield ListItem(response.urljoin(href.strip()), list_date(li.css("span.fr::text").get()))

    def more_lists(self, response: Response) -> Iterable[scrapy.Request]:
        if API_PATH in response.url:
            return []
        # The column page is a script shell; its unitbuild <script> carries the ids of the list unit. They are
        # per column and rotate, so they are read from the page rather than kept here.
        requests = []
        for script in response.css("script[querydata]"):
            query = _querydata(script.attrib["querydata"])
            if query.get("tagId", "").endswith("_list") or "pageId" in query:
                base = f"{urlsplit(response.url).scheme}://{urlsplit(response.url).netloc}"
                requests.append(self.list_request(api_url(base, query, 1), 1, headers={"Referer": response.url}))
        return requests[:1]

    def next_list_page(self, response: Response) -> str | None:
        page = self._api_html(response)
        if page is None:
            return None
        pager = page.css("div.pagination")
        if not pager:
            return None
        try:
            # HTML attribute names arrive lower-cased: pageNo is pageno.
            rows, count, page_no = (int(pager.attrib[k]) for k in ("rows", "count", "pageno"))
        except (KeyError, ValueError):
            return None
        if page_no * rows >= count:
            return None
        parts = urlsplit(response.url)
        query = {k: v for k, v in parse_qsl(parts.query) if k not in ("parseType", "paramJson")}
        return api_url(f"{parts.scheme}://{parts.netloc}", query, page_no + 1)

    def list_request(self, url: str, depth: int, **kwargs: Any) -> scrapy.Request:
        # The gateway wants the column page as Referer on every page of the list.
        headers = kwargs.pop("headers", None) or {"Referer": self.columns[0]}
        return super().list_request(url, depth, headers=headers, **kwargs)
