"""中国政府网 www.gov.cn: news and policy pages (h1#ti, div.pages-date, #UCAP-CONTENT) and 国务院公报 pages."""

from __future__ import annotations

import re

from extraction.dates import DateParseError, ParsedDate, parse_date
from extraction.page import Page
from extraction.rules import Rule, SiteRules, css_date, css_text, source_after_label, strip_site_suffix
from extraction.text import clean_line

# gov.cn writes first-publish times as "2007-08-20-23:59:59"; archived 公报 items carry 23:59:59 or 00:00:00
# as a placeholder for "some time that day".
_META_TIME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})-(\d{1,2}:\d{2}(?::\d{2})?)$")
_PLACEHOLDER_CLOCKS = ("23:59:59", "00:00:00")


def _first_published(page: Page) -> ParsedDate | None:
    value = page.meta("firstpublishedtime")
    if not value:
        return None
    match = _META_TIME.match(value.strip())
    day, clock = (match.group(1), match.group(2)) if match else (value, "")
    try:
        if clock in _PLACEHOLDER_CLOCKS:
            return parse_date(day)
        return parse_date(f"{day} {clock}".strip())
    except DateParseError:
        return None


def _bulletin_headline(page: Page) -> str | None:
    """国务院公报 pages have no <h1>: the headline is the bold, centred first paragraph of the content,
    broken over lines with <br>; its lines are joined without spaces, as Chinese headlines are."""
    if "/gongbao/" not in page.url:
        return None
    for paragraph in page.sel.css("#UCAP-CONTENT > p")[:3]:
        bold = paragraph.css("strong, b")
        if not bold:
            continue
        text = "".join(clean_line(t) for t in bold[0].css("::text").getall())
        if len(text) >= 4:
            return text
    return None


def _html_title(page: Page) -> str | None:
    """ "headline__2007年第23号国务院公报_中国政府网" → "headline"."""
    title = page.html_title
    if not title:
        return None
    head = re.split(r"\s*(?:__|_|\s-\s|｜|\|)\s*", title)[0]
    head = strip_site_suffix(head.strip())
    return head or None


RULES = SiteRules(
    site="gov.cn",
    name="中国政府网",
    title=(
        Rule("公报:headline", _bulletin_headline),
        css_text("h1#ti", "div.article h1", "div.pages-title", "div.share-title"),
        Rule("html-title", _html_title),
    ),
    # Meta first: firstpublishedtime carries seconds; the visible div.pages-date stops at the minute.
    published_at=(
        Rule("meta:firstpublishedtime", _first_published),
        css_date("div.pages-date"),
    ),
    source=(css_text("div.pages-date", "div.pages-date span.font", shape=source_after_label),),
    body_containers=("#UCAP-CONTENT", "div.pages_content", "div.article-content", "td.b12c"),
    body_drop=("#pagination", "div.pageInfo", "div.editor", "div.share"),
)
