"""Extraction: bytes of an article page in, an `Extracted` record out (charset, field rules, body cleaning)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crawler.extraction.clean import clean_body_parts, prune_container
from crawler.extraction.dates import ParsedDate, check_plausible
from crawler.extraction.page import Page
from crawler.extraction.record import Extracted, ExtractionError, NotAnArticle
from crawler.extraction.rules import (
    GENERIC_AUTHORS,
    GENERIC_EDITORS,
    GENERIC_PUBLISHED_AT,
    GENERIC_SOURCE,
    GENERIC_TITLE,
    Rule,
    SiteRules,
    authors_in_body,
    authors_in_credits,
    cms_body_container,
    generic_body_container,
)
from crawler.extraction.sites import rules_for
from crawler.extraction.text import nfkc_key

__all__ = ["Extracted", "ExtractionError", "NotAnArticle", "extract", "extract_fields"]

# Fields an article cannot be stored without: analysts' trend lines need all three.
REQUIRED = ("title", "published_at", "body")


def _first(page: Page, site: str, own: Sequence[Rule], generic: Sequence[Rule]) -> tuple[Any, str | None]:
    for prefix, rules in ((site, own), ("generic", generic)):
        for rule in rules:
            value = rule(page)
            if value:
                return value, f"{prefix}:{rule.name}"
    return None, None


def _body_html(page: Page, rules: SiteRules) -> tuple[str, str, bool] | None:
    """(rule name, HTML, whether it is pruned already) of the article body: the site's own sources, then CMS
    containers, then text density.

    Containers found in the page are pruned in lxml (scripts, comments, hidden and site furniture) before the
    BeautifulSoup pass, which then reads only the article.
    """
    for rule in rules.body_html:
        html = rule(page)
        if html:
            return f"{rules.site}:{rule.name}", html, False
    found = page.first_node(*rules.body_containers) if rules.body_containers else None
    name = f"{rules.site}:css:{found[0]}" if found else None
    if not found and (found := cms_body_container(page)):
        name = f"generic:css:{found[0]}"
    if found and name:
        return name, prune_container(found[1], drop=rules.body_drop), True
    if (element := generic_body_container(page)) is not None:
        return "generic:text-density", prune_container(element, drop=rules.body_drop), True
    return None


def _without_headline(paragraphs: list[str], title: str | None) -> list[str]:
    """Drop the headline repeated at the top of the body (公报 pages print it in the content, over lines)."""
    if not title or not paragraphs:
        return paragraphs
    target = nfkc_key(title)
    joined = ""
    for count, paragraph in enumerate(paragraphs[:4], start=1):
        joined += nfkc_key(paragraph)
        if joined == target:
            return paragraphs[count:]
        if not target.startswith(joined):
            break
    return paragraphs


def extract_fields(url: str, body: bytes, content_type: str | None = None, *, now: datetime | None = None) -> Extracted:
    """Read every field off one page; fields that no rule finds stay empty (see `extract` for validation)."""
    page = Page(url, body, content_type)
    rules = rules_for(url)
    record = Extracted(url=url, site=rules.site, charset=page.decoded.charset)
    if page.decoded.mismatch:
        record.warnings.append(f"charset declared {page.decoded.declared} but bytes are {page.decoded.charset}")
    if page.decoded.lossy:
        record.warnings.append(f"charset {page.decoded.charset}: undecodable bytes replaced")

    for name, own, generic in (
        ("title", rules.title, GENERIC_TITLE),
        ("source", rules.source, GENERIC_SOURCE),
        ("authors", rules.authors, GENERIC_AUTHORS),
        ("editors", rules.editors, GENERIC_EDITORS),
    ):
        value, rule = _first(page, rules.site, own, generic)
        if rule:
            setattr(record, name, value)
            record.rules[name] = rule

    parsed, rule = _first(page, rules.site, rules.published_at, GENERIC_PUBLISHED_AT)
    if isinstance(parsed, ParsedDate) and rule:
        record.published_at, record.published_precision = parsed.value, parsed.precision
        record.rules["published_at"] = rule
        record.warnings.extend(check_plausible(parsed.value, url=url, now=now))

    found = _body_html(page, rules)
    # Site furniture is already gone from pruned containers; a body from a script still needs the site's drop.
    cleaned = clean_body_parts(found[1], drop=() if found[2] else rules.body_drop) if found else None
    paragraphs = _without_headline(cleaned.paragraphs, record.title) if cleaned else []
    if found and paragraphs:
        record.body = "\n".join(paragraphs)
        record.rules["body"] = found[0]
    if not record.authors and cleaned:
        if names := authors_in_body(paragraphs):
            record.authors = names
            record.rules["authors"] = "generic:body:（记者…）"
        elif names := authors_in_credits(cleaned.credits):
            record.authors = names
            record.rules["authors"] = "generic:body:credits:记者："
    if rules.next_pages:
        record.next_pages = rules.next_pages(page)
    return record


def extract(url: str, body: bytes, content_type: str | None = None, *, now: datetime | None = None) -> Extracted:
    """Extract an article and insist on the fields it cannot be stored without.

    Raises ExtractionError naming every missing field.
    """
    record = extract_fields(url, body, content_type, now=now)
    missing = [name for name in REQUIRED if not getattr(record, name)]
    if missing:
        raise ExtractionError("missing " + ", ".join(missing))
    return record
