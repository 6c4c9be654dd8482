"""中国电子政务网 www.e-gov.org.cn: div#text_block > div.title_bar, and "来源:X 更新时间:YYYY-MM-DD" atop the body.

Written from the documented template (../shared/sites.md §6); no saved e-gov page was in the corpus to check it.
"""

from __future__ import annotations

import re

from extraction.dates import ParsedDate, find_date
from extraction.page import Page
from extraction.rules import Rule, SiteRules, css_text

# The line that opens div#content_detail (older pages: #zoom, td.detail).
_HEADER = re.compile(r"来源\s*[:：]\s*(?P<source>.+?)\s+更新时间\s*[:：]\s*(?P<date>\d{4}-\d{1,2}-\d{1,2}[\d: ]*)")
_CONTAINERS = ("div#content_detail", "#zoom", "td.detail")


def _header(page: Page) -> re.Match[str] | None:
    text = page.first_text(*(f"{c} p:first-child" for c in _CONTAINERS)) or page.first_text(*_CONTAINERS) or ""
    return _HEADER.search(text[:200])


def _source(page: Page) -> str | None:
    match = _header(page)
    return match.group("source").strip() if match else None


def _published(page: Page) -> ParsedDate | None:
    match = _header(page)
    return find_date(match.group("date")) if match else None


RULES = SiteRules(
    site="e-gov.org.cn",
    name="中国电子政务网",
    title=(css_text("div#text_block > div.title_bar h1", "div#text_block > div.title_bar"),),
    published_at=(Rule("text:更新时间", _published),),
    source=(Rule("text:来源", _source),),
    body_containers=_CONTAINERS,
    # The 来源/更新时间 line at the top of the body is metadata: clean.py drops it as furniture.
)
