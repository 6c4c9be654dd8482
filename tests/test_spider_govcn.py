"""中国政府网 spider: the 要闻 JSON feed, its TRS-paged HTML list (items repeated across pages), detail pages.

The detail assertions hold under generic rules and under the gov.cn rules alike (the page follows
the 2023+ template of ../shared/sites.md §3: h1#ti, div.pages-date, #UCAP-CONTENT, firstpublishedtime).
"""

from __future__ import annotations

import json

import pytest

from mirror import govcn as site
from mirror.common import Story, load_stories
from spiders.govcn import GovcnSpider
from tests.spider_support import (
    SHARED_CORPUS,
    article_item,
    mirror_response,
    parse_list,
    response,
    spider_for,
)

HOME = "https://www.gov.cn/yaowen/liebiao/home.htm"
HOME_1 = "https://www.gov.cn/yaowen/liebiao/home_1.htm"


@pytest.fixture(scope="module")
def stories() -> dict[str, Story]:
    return {s.key: s for s in load_stories("govcn")}


def test_feed_lists_every_item_with_its_day(stories: dict[str, Story]) -> None:
    result = parse_list(spider_for(GovcnSpider), mirror_response(site.FEED_URL))
    assert result.articles == [stories[k].url for k in ("g1", "g2", "g3")]
    assert result.lists == []
    listed = result.listed[stories["g2"].url]
    assert (listed.value.date(), listed.precision) == (stories["g2"].published_at.date(), "day")


def test_html_list_pages_and_the_trs_pager(stories: dict[str, Story]) -> None:
    spider = spider_for(GovcnSpider)
    first = parse_list(spider, mirror_response(HOME))
    assert first.articles == [stories["g1"].url, stories["g2"].url]
    assert first.lists == [HOME_1]
    second = parse_list(spider, mirror_response(HOME_1))
    # g2 sat on both pages (the list moved on between fetches): asked for once.
    assert second.articles == [stories["g3"].url]
    assert second.lists == []  # the last page
    assert spider.crawler.stats.get_value("newsmon/list_duplicates") == 1


def test_paging_stops_at_a_page_listing_a_stored_article(stories: dict[str, Story]) -> None:
    spider = spider_for(GovcnSpider)
    spider.known = {stories["g2"].url}
    spider.frontiers = {HOME: stories["g2"].url}  # the last complete run reached it
    result = parse_list(spider, mirror_response(HOME))
    assert result.articles == [stories["g1"].url]
    assert result.lists == []


def test_article_urls_new_and_old() -> None:
    accepts = GovcnSpider.article_url.search
    assert accepts("https://www.gov.cn/yaowen/liebiao/202505/content_7023456.htm")
    assert accepts("https://www.gov.cn/zhengce/content/202609/content_7082492.htm")
    assert accepts("http://www.gov.cn/premier/2018-05/04/content_5288123.htm")
    assert accepts("https://www.gov.cn/gongbao/content/2007/content_711039.htm")
    assert not accepts("https://www.gov.cn/yaowen/liebiao/home_1.htm")


@pytest.mark.parametrize("key", ["g1", "g2", "g3"])
def test_detail_page_fields(stories: dict[str, Story], key: str) -> None:
    story = stories[key]
    record = article_item(spider_for(GovcnSpider), mirror_response(story.url)).record
    assert record.title == story.title
    assert record.published_at == story.published_at  # firstpublishedtime, to the second
    assert record.source == story.source
    assert record.authors == list(story.authors)
    assert record.editors == list(story.editors)
    assert record.body == story.body


def test_saved_gongbao_page_of_the_corpus() -> None:
    page, gold_file = (
        SHARED_CORPUS / "pages/govcn-2007-npc-resolution.html",
        SHARED_CORPUS / "gold/govcn-2007-npc-resolution.json",
    )
    if not gold_file.is_file():
        pytest.skip(f"{SHARED_CORPUS} is absent: the saved pages of ../shared are only in the workplace and CI")
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    record = article_item(spider_for(GovcnSpider), response(gold["url"], page.read_bytes())).record
    assert record.title == gold["title"]
    assert record.published_at is not None and record.published_at.date().isoformat() == gold["published_at"]
