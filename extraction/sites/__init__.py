"""Per-site rules, one module a site; the registry maps a URL's registrable domain to its rules.

One module a site of the registry (ground/sites.py), named by its key: `sites/<key>.py` with `RULES =
SiteRules(...)` (and, if the site publishes under other domains too, `ALIASES = ("old-domain.com",)`, or
`VARIANTS` for a domain that is a site of its own with the same templates). docs/adding-a-site.md.
"""

from __future__ import annotations

from importlib import import_module

from extraction.page import site_of
from extraction.rules import SiteRules
from ground.sites import SITES

SITE_MODULES = tuple(site.key for site in SITES)  # one rules module a site of the registry


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
