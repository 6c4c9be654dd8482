"""新华网 spider: the 高层 channel → its datasource feed → articles; old xinhuanet.com URLs; multi-page c_ articles.

Fixtures are the generated mirror pages (the real templates of ../shared/sites.md §2, project-owned text) and,
where present, the saved news.cn pages of ../shared/corpus read in place.
"""

from __future__ import annotations

import json

import pytest

from mirror import xinhua as site
from mirror.common import Story, load_stories
from spiders.xinhua import XinhuaSpider
from tests.spider_support import (
    SHARED_CORPUS,
    article_item,
    mirror_response,
    parse_list,
    response,
    spider_for,
)

FEED = f"http://www.news.cn/politics/leaders/ds_{site.LEADERS_DATASOURCE}.json"


@pytest.fixture(scope="module")
def stories() -> dict[str, Story]:
    return {s.key: s for s in load_stories("xinhua")}


def test_channel_page_leads_to_its_datasource_feed() -> None:
    result = parse_list(spider_for(XinhuaSpider), mirror_response(site.LEADERS_URL))
    assert result.articles == []
    assert result.lists == [FEED]


def test_feed_lists_articles_with_dates_and_has_no_next_page(stories: dict[str, Story]) -> None:
    spider = spider_for(XinhuaSpider)
    result = parse_list(spider, mirror_response(FEED))
    assert result.articles == [stories["n1"].url, stories["n3"].meta["listed_as"], site.GONE_URL]
    assert result.lists == []  # no pagination
    assert result.listed[stories["n1"].url].value == stories["n1"].published_at


def test_politics_list_html_items() -> None:
    result = parse_list(spider_for(XinhuaSpider), mirror_response(site.POLITICS_URL))
    assert result.articles == [
        "http://www.news.cn/politics/leaders/20250612/5b2e8c41d09a4f7e9c3a6d12f0e7b845/c.html",
        "http://www.news.cn/politics/20250403/0c7d9e2a1f4b4c8d8e5f6a7b8c9d0e1f/c.html",
    ]


def test_an_item_in_two_lists_is_requested_once() -> None:
    spider = spider_for(XinhuaSpider)
    first = parse_list(spider, mirror_response(FEED))
    second = parse_list(spider, mirror_response(site.POLITICS_URL))
    assert set(first.articles).isdisjoint(second.articles)
    assert spider.crawler.stats.get_value("newsmon/list_duplicates") == 1


def test_old_xinhuanet_url_counts_as_known_under_its_news_cn_address(stories: dict[str, Story]) -> None:
    spider = spider_for(XinhuaSpider)
    assert spider.canonical(stories["n3"].meta["listed_as"]) == stories["n3"].url
    spider.known = {stories["n3"].url}
    spider.gone = {site.GONE_URL}
    result = parse_list(spider, mirror_response(FEED))
    assert result.articles == [stories["n1"].url]
    assert spider.crawler.stats.get_value("newsmon/list_known_urls") == 1
    assert spider.crawler.stats.get_value("newsmon/list_gone_urls") == 1


def test_article_urls_of_every_generation() -> None:
    accepts = XinhuaSpider.article_url.search
    assert accepts("http://www.news.cn/politics/leaders/20240509/3dd6e33cc6d749fbaae01fea337ff400/c.html")
    assert accepts("http://www.xinhuanet.com/world/2019-12/10/c_1125327450.htm")
    assert accepts("http://www.news.cn/fortune/2023-11/17/c_1129981476.htm")
    assert not accepts("http://www.news.cn/politics/2021-06/18/c_1127575520_2.htm")  # a continuation page
    assert not accepts("http://www.news.cn/politics/leaders/index.htm")


def test_c_template_detail_fields(stories: dict[str, Story]) -> None:
    story = stories["n3"]
    second = f"{story.url.removesuffix('.htm')}_2.htm"
    item = article_item(spider_for(XinhuaSpider), mirror_response(story.url), [mirror_response(second)])
    record = item.record
    assert record.title == story.title
    assert record.published_at == story.published_at
    assert record.source == "新华网"  # the visible 来源, though the meta says 新华社
    assert record.authors == ["唐远舟"]
    assert record.editors == ["刘婧"]
    assert record.paragraphs[: len(story.pages[0])] == list(story.pages[0])


def test_c_template_pages_are_stitched(stories: dict[str, Story]) -> None:
    story = stories["n3"]
    second = f"{story.url.removesuffix('.htm')}_2.htm"
    item = article_item(spider_for(XinhuaSpider), mirror_response(story.url), [mirror_response(second)])
    assert item.record.body == story.body


@pytest.mark.parametrize("key", ["n1", "n2"])
def test_2024_template_detail_fields(stories: dict[str, Story], key: str) -> None:
    story = stories[key]
    record = article_item(spider_for(XinhuaSpider), mirror_response(story.url)).record
    assert (record.title, record.published_at, record.source) == (story.title, story.published_at, story.source)
    assert record.authors == list(story.authors)
    assert record.editors == list(story.editors)
    assert record.body == story.body


def test_saved_2024_page_of_the_corpus() -> None:
    page, gold_file = SHARED_CORPUS / "pages/newscn-2024-liqiang.html", SHARED_CORPUS / "gold/newscn-2024-liqiang.json"
    if not gold_file.is_file():
        pytest.skip(f"{SHARED_CORPUS} is absent: the saved pages of ../shared are only in the workplace and CI")
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    record = article_item(spider_for(XinhuaSpider), response(gold["url"], page.read_bytes())).record
    assert record.title == gold["title"]
    assert record.published_at is not None and record.published_at.isoformat() == gold["published_at"]
    assert (record.source, record.authors, record.editors) == (gold["source"], gold["authors"], gold["editors"])
