"""Per-site rules, one module a site; the registry maps a URL's registrable domain to its rules.

Adding a site: write `sites/<module>.py` with a `RULES = SiteRules(...)` (and, if the site publishes under
other domains too, `ALIASES = ("old-domain.com",)`, or `VARIANTS` for a domain that is a site of its own with
the same templates), then add its module name to SITE_MODULES: one line.
"""

from __future__ import annotations

from importlib import import_module

from extraction.page import site_of
from extraction.rules import SiteRules

SITE_MODULES = (
    "people",
    "xinhua",
    "govcn",
    "cctv",
    "miit",
    "cac",
    "egov",
)


def _load() -> dict[str, SiteRules]:
    registry: dict[str, SiteRules] = {}
    for name in SITE_MODULES:
        module = import_module(f"{__name__}.{name}")
        rules: SiteRules = module.RULES
        for domain in (rules.site, *getattr(module, "ALIASES", ())):
            registry[domain] = rules
        # Variants: the same templates published under another domain that is its own site (xinhuanet.com).
        for variant in getattr(module, "VARIANTS", ()):
            registry[variant.site] = variant
    return registry


_REGISTRY: dict[str, SiteRules] = _load()


def rules_for(url: str) -> SiteRules:
    """The rules of the URL's site, or empty rules (generic fallback only) for a site newsmon does not know."""
    site = site_of(url)
    return _REGISTRY.get(site) or SiteRules(site=site, name=site)


def known_sites() -> list[SiteRules]:
    return list({id(rules): rules for rules in _REGISTRY.values()}.values())
