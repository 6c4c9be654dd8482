"""Every site of the registry (ground/sites.py) has what a site needs: a spider, extraction rules, a mirror
generator, a fixture test and its row in docs/sites.md (docs/adding-a-site.md says how to add one)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from crawler.catalog import spider_classes
from extraction.sites import rules_for
from ground.sites import SITES, Site, crawled_sites, publisher, site_name
from mirror.common import SiteFiles
from spiders.base import NewsmonSpider

ROOT = Path(__file__).resolve().parents[1]
CRAWLED = crawled_sites()


def test_keys_and_domains_are_unique() -> None:
    keys = [site.key for site in SITES]
    domains = [domain for site in SITES for domain in site.domains]
    assert len(set(keys)) == len(keys)
    assert len(set(domains)) == len(domains)


@pytest.mark.parametrize("site", SITES, ids=lambda s: s.key)
def test_rules_module_reads_the_sites_pages(site: Site) -> None:
    module = importlib.import_module(f"extraction.sites.{site.key}")
    assert module.RULES.site == site.domain
    for domain in site.domains:
        assert rules_for(f"http://www.{domain}/a.html").name != domain, f"no rules for {domain}"


@pytest.mark.parametrize("site", CRAWLED, ids=lambda s: s.key)
def test_spider_of_the_site(site: Site) -> None:
    spiders = {spider.name: spider for spider in spider_classes()}
    spider = spiders[site.key]
    assert issubclass(spider, NewsmonSpider)
    assert (spider.site, spider.aliases) == (site.domain, site.aliases)
    assert spider.columns


@pytest.mark.parametrize("site", CRAWLED, ids=lambda s: s.key)
def test_mirror_generator_of_the_site(site: Site) -> None:
    files = importlib.import_module(f"mirror.{site.key}").render()
    assert isinstance(files, SiteFiles)
    assert any(path.split("/", 1)[0].endswith(tuple(site.domains)) for path in files.files)


@pytest.mark.parametrize("site", CRAWLED, ids=lambda s: s.key)
def test_fixture_test_and_docs_row(site: Site) -> None:
    assert (ROOT / "tests" / f"test_spider_{site.key}.py").is_file()
    rows = [line for line in (ROOT / "docs" / "sites.md").read_text(encoding="utf-8").splitlines()]
    assert any(line.startswith(f"| `{site.key}` | {site.name}") for line in rows), f"no row for {site.key}"


def test_names_and_publishers() -> None:
    assert site_name("xinhuanet.com") == site_name("news.cn") == "新华网"
    assert publisher("xinhuanet.com") == "news.cn"
    assert site_name("example.org") == "example.org"
