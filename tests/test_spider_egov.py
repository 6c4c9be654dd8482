"""中国电子政务网 spider: the 新闻 channel (relative dates, an item on two pages), GBK article pages.

The e-gov template follows ../shared/sites.md §6; no saved e-gov page was in the corpus to check it against.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine

from extraction.dates import SHANGHAI
from mirror import egov as site
from mirror.common import Story, load_stories
from spiders.egov import EgovSpider
from tests.spider_support import article_item, mirror_response, parse_list, spider_for

PAGE_2 = "http://www.e-gov.org.cn/channel-1-2.html"


@pytest.fixture(scope="module")
def stories() -> dict[str, Story]:
    return {s.key: s for s in load_stories("egov")}


@time_machine.travel(datetime(2025, 6, 19, 9, 0, tzinfo=SHANGHAI), tick=False)
def test_channel_page_items_dates_and_next_page(stories: dict[str, Story]) -> None:
    result = parse_list(spider_for(EgovSpider), mirror_response(site.CHANNEL))
    assert result.articles == [stories[k].url for k in ("e1", "e2", "e3")]
    assert result.lists == [PAGE_2]
    relative = result.listed[stories["e1"].url]  # "3天前" on 2025-06-19
    assert (relative.value.date().isoformat(), relative.precision) == ("2025-06-16", "day")
    assert result.listed[stories["e2"].url].value.date().isoformat() == "2025-06-09"


def test_an_item_repeated_on_the_next_page_is_requested_once(stories: dict[str, Story]) -> None:
    spider = spider_for(EgovSpider)
    parse_list(spider, mirror_response(site.CHANNEL))
    second = parse_list(spider, mirror_response(PAGE_2))
    assert second.articles == [stories["e4"].url]
    assert second.lists == []
    assert spider.crawler.stats.get_value("newsmon/list_duplicates") == 1


def test_paging_stops_at_a_stored_article(stories: dict[str, Story]) -> None:
    spider = spider_for(EgovSpider)
    spider.known = {stories["e3"].url}
    # Only at or below the column's frontier: the newest article its last complete run listed.
    assert parse_list(spider, mirror_response(site.CHANNEL)).lists != []
    spider = spider_for(EgovSpider)
    spider.known = {stories["e3"].url}
    spider.frontiers = {site.CHANNEL: stories["e3"].url}
    result = parse_list(spider, mirror_response(site.CHANNEL))
    assert result.articles == [stories["e1"].url, stories["e2"].url]
    assert result.lists == []


@pytest.mark.parametrize("key", ["e1", "e2", "e3", "e4"])
def test_detail_page_fields(stories: dict[str, Story], key: str) -> None:
    story = stories[key]
    record = article_item(spider_for(EgovSpider), mirror_response(story.url)).record
    assert record.charset in ("gbk", "gb18030")
    assert record.title == story.title
    assert record.published_at == story.published_at.replace(hour=0, minute=0, second=0)  # 更新时间 is a day
    assert record.published_precision == "day"
    assert record.source == story.source
    assert record.editors == []
    # The 来源/更新时间 line is not body text; runs of spaces inside a paragraph read as one.
    assert record.body == re.sub(r" {2,}", " ", story.body)


def test_repost_keeps_the_original_reporters(stories: dict[str, Story]) -> None:
    record = article_item(spider_for(EgovSpider), mirror_response(stories["e4"].url)).record
    assert record.source == "人民日报"
    assert record.authors == ["何畅", "钟思远"]
