"""国家互联网信息办公室 www.cac.gov.cn: the h1.title/#pubtime/#source template and its ≤2019 predecessor.

Written from the documented template (../shared/sites.md §5); no saved cac page was in the corpus to check it.
The hidden "Produced By CMS … publishdate:…" comment is the page's regeneration time and is never read.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from extraction.page import Page
from extraction.rules import SiteRules, css_date, css_text, shape_source


def _next_pages(page: Page) -> list[str]:
    """Pages 2…N of c_<id>.htm: c_<id>_2.htm, … linked from div.zwfenye."""
    own = re.search(r"/c_(\d+)\.htm$", page.url)
    if not own:
        return []
    pattern = re.compile(rf"c_{own.group(1)}_(\d+)\.htm$")
    found: dict[int, str] = {}
    for href in page.sel.css("div.zwfenye a::attr(href)").getall():
        match = pattern.search(href.strip())
        if match and int(match.group(1)) > 1:
            found[int(match.group(1))] = urljoin(page.url, href.strip())
    return [found[n] for n in sorted(found)]


RULES = SiteRules(
    site="cac.gov.cn",
    name="国家互联网信息办公室",
    title=(css_text("h1.title", "h1#title"),),
    published_at=(css_date("span#pubtime"),),
    source=(css_text("span#source", shape=shape_source),),
    body_containers=("div#BodyLabel", "div.main-content", "div#content"),
    body_drop=("div.zwfenye",),
    next_pages=_next_pages,
    title_suffixes=("_中央网络安全和信息化委员会办公室",),
)
