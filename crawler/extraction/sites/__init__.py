"""Per-site rules, one module a site; the registry maps a URL's registrable domain to its rules."""

from __future__ import annotations

from crawler.extraction.page import site_of
from crawler.extraction.rules import SiteRules
from crawler.extraction.sites import cctv, govcn, people, xinhua

_REGISTRY: dict[str, SiteRules] = {
    rules.site: rules for rules in (people.RULES, xinhua.RULES, xinhua.XINHUANET, govcn.RULES, cctv.RULES)
}

# The publishers of the mission, by registrable domain (names as analysts know them).
SITE_NAMES = {
    "people.com.cn": "人民网",
    "news.cn": "新华网",
    "xinhuanet.com": "新华网",
    "gov.cn": "中国政府网",
    "miit.gov.cn": "工业和信息化部",
    "e-gov.org.cn": "中国电子政务网",
    "cac.gov.cn": "国家互联网信息办公室",
    "cctv.com": "央视网",
}


def site_name(domain: str) -> str:
    return SITE_NAMES.get(domain, domain)


def rules_for(url: str) -> SiteRules:
    """The rules of the URL's site, or empty rules (generic fallback only) for a site newsmon does not know."""
    site = site_of(url)
    return _REGISTRY.get(site) or SiteRules(site=site, name=site)


def known_sites() -> list[SiteRules]:
    return list(_REGISTRY.values())
