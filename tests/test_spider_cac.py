"""网信办 spider: the 时政要闻 column page (unquoted hrefs), cms/JsonList paging, multi-page articles.

The cac template follows ../shared/sites.md §5; no saved cac page was in the corpus to check it against.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from mirror import cac as site
from mirror.common import Story, load_stories
from mirror.serve import query_file
from spiders.cac import CacSpider, json_list_url
from tests.spider_support import article_item, mirror_response, parse_list, response, spider_for


@pytest.fixture(scope="module")
def stories() -> dict[str, Story]:
    return {s.key: s for s in load_stories("cac")}


def _feed_file(channel: str) -> str:
    return query_file(
        "www.cac.gov.cn/cms/JsonList", urlencode({"channelCode": channel, "perPage": 20, "pageno": 1}), ".json"
    )


def test_column_page_items(stories: dict[str, Story]) -> None:
    result = parse_list(spider_for(CacSpider), mirror_response(site.COLUMN_URL))
    assert result.articles == [stories["c1"].url, stories["c3"].url]
    assert result.lists == []  # fewer than 20 items: nothing more to page through
    assert result.listed[stories["c3"].url].value.date() == stories["c3"].published_at.date()


def test_json_list_of_the_leaders_channel(stories: dict[str, Story]) -> None:
    url = json_list_url("A09370102", 1)
    result = parse_list(spider_for(CacSpider), mirror_response(url, file=_feed_file("A09370102")))
    assert result.articles == [stories["c1"].url, stories["c2"].url]
    assert result.listed[stories["c2"].url].value == stories["c2"].published_at


def test_a_full_page_leads_to_the_next_json_page() -> None:
    entries = [
        {
            "topic": f"第{n}条",
            "infourl": f"//www.cac.gov.cn/2025-01/{n + 1:02d}/c_17000000000000{n:02d}.htm",
            "pubtime": "",
        }
        for n in range(20)
    ]
    page = response(json_list_url("A093601", 2), json.dumps({"list": entries}).encode(), "application/json")
    result = parse_list(spider_for(CacSpider), page)
    assert len(result.articles) == 20
    assert result.lists == [json_list_url("A093601", 3)]


def test_a_full_column_page_continues_in_the_json_list() -> None:
    items = "".join(
        f"<li><a href=//www.cac.gov.cn/2025-01/02/c_17000000000001{n:02d}.htm>标题{n}</a></li>" for n in range(20)
    )
    page = response(site.COLUMN_URL, f'<div id="loadingInfoPage"><ul>{items}</ul></div>'.encode())
    result = parse_list(spider_for(CacSpider), page)
    assert len(result.articles) == 20
    assert result.lists == [json_list_url("A093601", 2)]


@pytest.mark.parametrize("key", ["c1", "c2", "c3"])
def test_detail_page_fields_and_stitching(stories: dict[str, Story], key: str) -> None:
    story = stories[key]
    later = [mirror_response(f"{story.url.removesuffix('.htm')}_{n}.htm") for n in range(2, len(story.pages) + 1)]
    record = article_item(spider_for(CacSpider), mirror_response(story.url), later).record
    assert record.title == story.title
    assert record.published_at == story.published_at  # span#pubtime, not the CMS regeneration stamp
    assert record.source == story.source
    assert (record.authors, record.editors) == ([], [])  # no 责任编辑 on cac pages
    assert record.body == story.body
