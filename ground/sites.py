"""The site registry: every publisher newsmon knows, by registrable domain, with the names pages call it.

One record a site. Spiders, extraction rules, the demo mirror, the 来源 matcher, per-site statistics and the
dashboard all read it; adding a site starts here (docs/adding-a-site.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    """A publisher. `key` names its spider, rules module and mirror generator; `domain` is the registrable
    domain articles are filed under; `aliases` are further domains of the same publisher (their articles are
    filed under `domain`'s rules but keep their own domain); `source_names` are how 来源 and 转载自 lines name
    it; `crawled` is False for a site whose pages newsmon reads (rules) but does not crawl."""

    key: str
    domain: str
    name: str
    aliases: tuple[str, ...] = ()
    source_names: tuple[str, ...] = ()
    crawled: bool = True

    @property
    def domains(self) -> tuple[str, ...]:
        return (self.domain, *self.aliases)


SITES: tuple[Site, ...] = (
    Site("people", "people.com.cn", "人民网", source_names=("人民网", "人民日报", "people.com.cn")),
    Site(
        "xinhua",
        "news.cn",
        "新华网",
        aliases=("xinhuanet.com",),
        source_names=("新华网", "新华社", "新华每日电讯", "xinhuanet.com", "news.cn"),
    ),
    Site("govcn", "gov.cn", "中国政府网", source_names=("中国政府网", "中央人民政府", "www.gov.cn")),
    Site("miit", "miit.gov.cn", "工业和信息化部", source_names=("工业和信息化部", "工信部", "miit.gov.cn")),
    Site(
        "cac",
        "cac.gov.cn",
        "国家互联网信息办公室",
        source_names=("国家互联网信息办公室", "中国网信网", "网信办", "cac.gov.cn"),
    ),
    Site("egov", "e-gov.org.cn", "中国电子政务网", source_names=("中国电子政务网", "e-gov.org.cn")),
    Site("cctv", "cctv.com", "央视网", crawled=False),
)

_BY_DOMAIN = {domain: site for site in SITES for domain in site.domains}
_BY_KEY = {site.key: site for site in SITES}


def site_for(domain: str) -> Site | None:
    """The site a registrable domain belongs to (an alias domain gives its publisher), or None."""
    return _BY_DOMAIN.get(domain)


def site_by_key(key: str) -> Site:
    """The site of a spider/rules/mirror key (people, xinhua …); KeyError for an unknown key."""
    return _BY_KEY[key]


def site_name(domain: str) -> str:
    """The name analysts know a site by (人民网), or the domain itself for a site not in the registry."""
    site = _BY_DOMAIN.get(domain)
    return site.name if site else domain


def publisher(domain: str) -> str:
    """The key a site is compared by when matching reprints: its main domain (xinhuanet.com → news.cn)."""
    site = _BY_DOMAIN.get(domain)
    return site.domain if site else domain


def crawled_sites() -> tuple[Site, ...]:
    return tuple(site for site in SITES if site.crawled)
