"""工信部 spider: the 部领导活动 column shell → the page-build API (ids scraped from the page) → articles.

The miit template is reconstructed from descriptions (../shared/sites.md §4): no saved page was available.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from mirror import miit as site
from mirror.common import Story, load_stories
from mirror.serve import query_file
from spiders.miit import API_PATH, MiitSpider
from tests.spider_support import article_item, mirror_response, parse_list, response, spider_for

API_FILE = query_file("www.miit.gov.cn" + API_PATH, site.api_query(1), ".json")


@pytest.fixture(scope="module")
def stories() -> dict[str, Story]:
    return {s.key: s for s in load_stories("miit")}


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_column_page_ids_become_the_api_request() -> None:
    spider = spider_for(MiitSpider)
    requests = list(spider.parse(mirror_response(site.COLUMN_URL)))
    assert len(requests) == 1
    request = requests[0]
    query = _query(request.url)
    assert urlsplit(request.url).path == API_PATH
    assert {k: query[k] for k in ("webId", "pageId", "tplSetId")} == site.UNIT
    assert query["tagId"] == "当前栏目_list"
    assert json.loads(query["paramJson"]) == {"pageNo": 1, "pageSize": "24"}
    assert request.method == "GET"  # the gateway answers POST with 501
    assert request.headers["Referer"] == site.COLUMN_URL.encode()


def test_api_answer_lists_articles_by_full_url(stories: dict[str, Story]) -> None:
    api_url = f"https://www.miit.gov.cn{API_PATH}?{site.api_query(1)}"
    result = parse_list(spider_for(MiitSpider), mirror_response(api_url, file=API_FILE))
    # Protocol-relative, unquoted hrefs resolved against the API URL; newest first.
    assert result.articles == [stories[k].url for k in ("m1", "m2", "m3")]
    assert result.lists == []  # count 3 ≤ 24 rows: one page
    assert result.listed[stories["m2"].url].value.date() == stories["m2"].published_at.date()


def test_api_pagination_asks_for_the_next_page() -> None:
    html = (
        '<div class="page-content"><ul><li class="cf"><a class="fl" href="//www.miit.gov.cn/xwfb/bldhd/art/2025/'
        'art_00000000000000000000000000000001.html" title="一">一</a><span class="fr">2025-01-02</span></li></ul></div>'
        '<div class="pagination" rows="24" count="30" pageNo="1"></div>'
    )
    page = response(
        f"https://www.miit.gov.cn{API_PATH}?{site.api_query(1)}",
        json.dumps({"code": "200", "success": True, "data": {"html": html}}).encode(),
        "application/json",
    )
    result = parse_list(spider_for(MiitSpider), page)
    assert len(result.articles) == 1 and len(result.lists) == 1
    next_query = _query(result.lists[0])
    assert json.loads(next_query["paramJson"]) == {"pageNo": 2, "pageSize": "24"}
    assert next_query["pageId"] == site.UNIT["pageId"]


@pytest.mark.parametrize("key", ["m1", "m2", "m3"])
def test_detail_page_fields(stories: dict[str, Story], key: str) -> None:
    story = stories[key]
    record = article_item(spider_for(MiitSpider), mirror_response(story.url)).record
    assert record.title == story.title
    assert record.published_at == story.published_at
    assert record.published_precision == "minute"
    assert record.source == story.source
    assert (record.authors, record.editors) == ([], [])  # the template names neither
    assert record.body == story.body
    assert record.rules["body"] == "miit.gov.cn:css:div#con_con"
