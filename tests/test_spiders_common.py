"""What every site's spider promises: politeness whatever the project settings, a registered site, entry points."""

from __future__ import annotations

import inspect

import pytest
from scrapy.utils.misc import is_generator_with_return_value
from scrapy.utils.test import get_crawler

from crawler.catalog import spider_classes
from crawler.run import resolve_spiders
from extraction.sites import rules_for
from spiders.base import NewsmonSpider

SPIDERS = spider_classes()


def test_six_sites_have_a_spider() -> None:
    assert sorted(getattr(s, "site", "") for s in SPIDERS) == sorted(
        ["people.com.cn", "news.cn", "gov.cn", "miit.gov.cn", "cac.gov.cn", "e-gov.org.cn"]
    )
    assert resolve_spiders(["all"]) == (sorted(s.name for s in SPIDERS), [])
    assert resolve_spiders(["www.gov.cn", "miit", "people", "nope"]) == (["govcn", "miit", "people"], ["nope"])


@pytest.mark.parametrize("spider", SPIDERS, ids=lambda s: s.name)
def test_spider_is_polite_even_when_settings_are_not(spider: type[NewsmonSpider]) -> None:
    crawler = get_crawler(
        spider, {"ROBOTSTXT_OBEY": False, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}
    )
    assert crawler.settings.getbool("ROBOTSTXT_OBEY")
    assert crawler.settings.getbool("AUTOTHROTTLE_ENABLED")
    assert crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2


@pytest.mark.parametrize("spider", SPIDERS, ids=lambda s: s.name)
def test_spider_has_entry_points_its_site_and_rules(spider: type[NewsmonSpider]) -> None:
    assert spider.columns
    assert getattr(spider, "allowed_domains", None)
    rules = rules_for(spider.columns[0])
    assert rules.site == spider.site
    assert rules.name != rules.site, f"no rules module registered for {spider.site}"


@pytest.mark.parametrize("spider", SPIDERS, ids=lambda s: s.name)
def test_no_callback_is_a_generator_returning_a_value(spider: type[NewsmonSpider]) -> None:
    """The check crawls skip (WARN_ON_GENERATOR_RETURN_VALUE is off in crawler/settings.py), made here once:
    a value returned from a generator callback is silently lost."""
    for name in dir(spider):
        member = getattr(spider, name, None)
        if inspect.isgeneratorfunction(member):
            assert not is_generator_with_return_value(member), f"{spider.__name__}.{name} returns a value"
