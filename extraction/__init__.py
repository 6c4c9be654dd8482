"""Extraction: bytes of an article page in, an `Extracted` record out (charset, field rules, body cleaning)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from extraction.clean import clean_body_parts, prune_container
from extraction.dates import SHANGHAI, ParsedDate, check_plausible
from extraction.density import best_body_element, body_in_scripts, captions_in_scripts, cjk_count, describe
from extraction.page import Page, site_of
from extraction.rules import (
    GENERIC_AUTHORS,
    GENERIC_EDITORS,
    GENERIC_PUBLISHED_AT,
    GENERIC_SOURCE,
    GENERIC_TITLE,
    Rule,
    SiteRules,
    authors_in_body,
    authors_in_credits,
    byline_paragraph,
    date_above,
    sign_off,
)
from extraction.sites import rules_for
from extraction.text import nfkc_key
from ground.article import Extracted, ExtractionError, NotAnArticle

__all__ = ["Extracted", "ExtractionError", "NotAnArticle", "extract", "extract_fields", "unstorable"]

# Fields an article cannot be stored without: analysts' trend lines need all three.
REQUIRED = ("title", "published_at", "body")
# Below this many CJK characters a body found in the DOM may be a shell's placeholder text.
_THIN_BODY_CJK = 150


def _first(page: Page, site: str, own: Sequence[Rule], generic: Sequence[Rule]) -> tuple[Any, str | None]:
    for prefix, rules in ((site, own), ("generic", generic)):
        for rule in rules:
            value = rule(page)
            if value:
                return value, f"{prefix}:{rule.name}"
    return None, None


def _tried(site: str, own: Sequence[Rule], generic: Sequence[Rule]) -> list[str]:
    return [f"{site}:{rule.name}" for rule in own] + [f"generic:{rule.name}" for rule in generic]


def _body_html(page: Page, rules: SiteRules) -> tuple[str, str, bool] | None:
    """(rule name, HTML, whether it is pruned already) of the article body: the site's own sources, then the
    block that reads most like an article (text density, CMS container names weighing in), then a script
    string holding the body.

    Containers found in the page are pruned in lxml (scripts, comments, hidden and site furniture) before the
    BeautifulSoup pass, which then reads only the article.
    """
    for rule in rules.body_html:
        html = rule(page)
        if html:
            return f"{rules.site}:{rule.name}", html, False
    found = page.first_node(*rules.body_containers) if rules.body_containers else None
    if found:
        return f"{rules.site}:css:{found[0]}", prune_container(found[1], drop=rules.body_drop), True
    lead = page.meta("og:description", "description", "twitter:description")
    if lead and nfkc_key(lead)[:12] in nfkc_key(page.html_title or ""):
        lead = None  # a description that repeats the headline says nothing of where the body is
    element = best_body_element(page.sel.root, lead=lead)
    # A thin DOM may be a shell that renders its body from a script string.
    if element is None or cjk_count(element) < _THIN_BODY_CJK:
        scripts = [text for text in page.sel.root.xpath("//script/text()") if len(text) > 200]
        if (in_script := body_in_scripts(scripts)) is not None and (
            element is None or cjk_count(in_script) > 2 * cjk_count(element)
        ):
            return (
                f"generic:script-string:{describe(in_script)}",
                prune_container(in_script, drop=rules.body_drop),
                True,
            )
        shown = "".join(element.itertext()) if element is not None else ""
        if (captions := captions_in_scripts(scripts, shown)) is not None:
            return "generic:script-captions", prune_container(captions, drop=()), True
    if element is not None:
        return f"generic:text-density:{describe(element)}", prune_container(element, drop=rules.body_drop), True
    return None


def _without_headline(paragraphs: list[str], title: str | None) -> list[str]:
    """Drop the headline repeated at the top of the body (公报 pages print it in the content, over lines), and
    a container's header above it (a column breadcrumb)."""
    if not title or not paragraphs:
        return paragraphs
    target = nfkc_key(title)
    for start in range(min(3, len(paragraphs))):
        joined = ""
        for count, paragraph in enumerate(paragraphs[start : start + 4], start=start + 1):
            joined += nfkc_key(paragraph)
            if joined == target:
                return paragraphs[count:]
            if not target.startswith(joined):
                break
    return paragraphs


def extract_fields(
    url: str,
    body: bytes,
    content_type: str | None = None,
    *,
    now: datetime | None = None,
    site_rules: bool = True,
) -> Extracted:
    """Read every field off one page; fields that no rule finds stay empty (see `extract` for validation).

    `site_rules=False` reads the page with the generic rules alone, as if its site were unknown.
    """
    page = Page(url, body, content_type, now=now)
    rules = rules_for(url) if site_rules else SiteRules(site=site_of(url), name=site_of(url))
    record = Extracted(url=url, site=rules.site, charset=page.decoded.charset)
    if page.decoded.mismatch:
        record.warnings.append(f"charset declared {page.decoded.declared} but bytes are {page.decoded.charset}")
    if page.decoded.lossy:
        record.warnings.append(f"charset {page.decoded.charset}: undecodable bytes replaced")
    if page.decoded.doubt:
        record.warnings.append(
            f"charset {page.decoded.declared or page.decoded.charset} unverified: {page.decoded.doubt}"
        )
    if page.flattened:
        record.warnings.append("markup nested deeper than the parser reads: layout wrappers flattened to read the text")

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
        else:
            record.tried[name] = _tried(rules.site, own, generic)

    parsed, rule = _first(page, rules.site, rules.published_at, GENERIC_PUBLISHED_AT)
    if isinstance(parsed, ParsedDate) and rule:
        record.published_at, record.published_precision = parsed.value, parsed.precision
        record.rules["published_at"] = rule
    else:
        record.tried["published_at"] = _tried(rules.site, rules.published_at, GENERIC_PUBLISHED_AT)

    found = _body_html(page, rules)
    # Site furniture is already gone from pruned containers; a body from a script still needs the site's drop.
    cleaned = clean_body_parts(found[1], drop=() if found[2] else rules.body_drop) if found else None
    paragraphs = _without_headline(cleaned.paragraphs, record.title) if cleaned else []
    # A byline paragraph near the top or closing the body, or a name signing off the last paragraph, names the
    # writers; it is not article text.
    byline: list[str] = []
    for index in range(min(_BYLINE_WITHIN, len(paragraphs) - 1)):
        if byline := byline_paragraph(paragraphs[index : index + 1]):
            del paragraphs[index]
            break
    if not byline and len(paragraphs) > 1 and (byline := byline_paragraph(paragraphs[-1:])):
        paragraphs = paragraphs[:-1]
    if not byline and paragraphs and not record.authors:
        paragraphs[-1], byline = sign_off(paragraphs[-1])
    # Only the page's first date was found: the dated line right above the body is a better witness.
    weak_date = record.rules.get("published_at") in (None, "generic:text:first-date")
    if paragraphs and weak_date and (above := date_above(page, paragraphs[0])) is not None:
        record.published_at, record.published_precision = above.value, above.precision
        record.rules["published_at"] = "generic:text:date-above-body"
    if byline and not record.authors:
        record.authors = byline
        record.rules["authors"] = "generic:body:byline"
    if found and paragraphs:
        record.body = "\n".join(paragraphs)
        record.rules["body"] = found[0]
    else:
        record.tried["body"] = [
            *(f"{rules.site}:{rule.name}" for rule in rules.body_html),
            *(f"{rules.site}:css:{query}" for query in rules.body_containers),
            "generic:text-density",
            "generic:script-string",
        ]
        if found:
            record.tried["body"].append(f"{found[0]} gave no text once cleaned")
    record.lead = page.meta("og:description", "description", "twitter:description")
    if not record.authors and cleaned:
        if names := authors_in_body(paragraphs):
            record.authors = names
            record.rules["authors"] = "generic:body:（记者…）"
        elif names := authors_in_credits(cleaned.credits):
            record.authors = names
            record.rules["authors"] = "generic:body:credits:记者："
    if rules.next_pages:
        record.next_pages = rules.next_pages(page)
    if record.published_at is not None:
        record.warnings.extend(check_plausible(record.published_at, url=url, now=now))
    return record


# A publication time before the web, or after now, is a misread: an archive page number, a copyright year.
_EARLIEST = datetime(1990, 1, 1, tzinfo=SHANGHAI)
_FUTURE_TOLERANCE = timedelta(days=1)
_LEAD_SHARE = 0.8
# How far into the body a byline paragraph may sit (after a summary box: 划重点…).
_BYLINE_WITHIN = 6


def unstorable(record: Extracted, *, now: datetime | None = None) -> list[str]:
    """Why an extracted page cannot be stored as an article (empty when it can): a field analysts need is
    missing, the body is shorter than the page's own lead (the description), or the time is impossible.
    Each reason is one line a person can act on; the page goes to failed pages with it, never away."""
    reasons = []
    missing = [name for name in REQUIRED if not getattr(record, name)]
    if missing:
        tried = "; ".join(f"{name} (tried {', '.join(record.tried.get(name, [])) or 'nothing'})" for name in missing)
        reasons.append(f"missing {', '.join(missing)}: {tried}")
    body, lead = nfkc_key(record.body or ""), nfkc_key((record.lead or "").rstrip("…. "))
    # Only a description that is the article's own opening says how long the article is at least; a margin
    # for what cleaning rightly drops from it (a sign-off, a byline). Further pages are not stitched yet.
    if body and len(lead) >= 12 and lead[:12] in body and len(body) < _LEAD_SHARE * len(lead) and not record.next_pages:
        reasons.append(
            f"body shorter than the page's own lead ({len(body)} < {len(lead)}"
            f" characters): the body container ({record.rules.get('body')}) holds only part of the article"
        )
    if record.published_at is not None:
        current = now or datetime.now(SHANGHAI)
        if record.published_at < _EARLIEST:
            reasons.append(
                f"published_at {record.published_at.isoformat()} is before 1990 ({record.rules.get('published_at')})"
            )
        elif record.published_at - current > _FUTURE_TOLERANCE:
            reasons.append(
                f"published_at {record.published_at.isoformat()} is in the future ({record.rules.get('published_at')})"
            )
    return reasons


def extract(url: str, body: bytes, content_type: str | None = None, *, now: datetime | None = None) -> Extracted:
    """Extract an article and insist on the fields it cannot be stored without.

    Raises ExtractionError naming every missing field.
    """
    record = extract_fields(url, body, content_type, now=now)
    if reasons := unstorable(record, now=now):
        raise ExtractionError("; ".join(reasons))
    return record
