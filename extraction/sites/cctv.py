"""央视网 cctv.com: article pages whose body is a JS string (`var contentdate = '…'`) or div.cnt_bd."""

from __future__ import annotations

import re

from extraction.density import unescape_js
from extraction.page import Page
from extraction.rules import Rule, SiteRules, css_date, css_text, meta_text, shape_source, source_after_label
from extraction.text import clean_line, split_names

# The 2019+ template fills #content_area from this string in the browser; the page itself only has the string.
_CONTENT_VAR = re.compile(r"""var\s+contentdate\s*=\s*(['"])((?:\\.|(?!\1).)*)\1""", re.DOTALL)


def _content_from_script(page: Page) -> str | None:
    if page.sel.css("#content_area p"):
        return None  # rendered page: the DOM has the body
    for script in page.sel.xpath("//script[contains(., 'contentdate')]/text()").getall():
        match = _CONTENT_VAR.search(script)
        if match and match.group(2).strip():
            return unescape_js(match.group(2))
    return None


def _editors(page: Page) -> list[str]:
    """ "编辑：甄涛" and "责任编辑：刘亮" in div.zebian: both are editors (cctv names no reporter there)."""
    names: list[str] = []
    for text in page.sel.css("div.zebian span::text, div.zebian::text").getall():
        match = re.search(r"(?:责任编辑|编辑|责编)\s*[:：]\s*(.+)$", clean_line(text))
        if match:
            names.extend(n for n in split_names(match.group(1)) if n not in names)
    return names


RULES = SiteRules(
    site="cctv.com",
    name="央视网",
    title=(css_text("div.title_area h1", "div.cnt_bd h1", "div.tit h1"), meta_text("og:title")),
    published_at=(css_date("div.title_area .info1", "div.title_area .info", "div.cnt_bd .info", "span.info i"),),
    source=(
        css_text("div.title_area .info", "div.cnt_bd .info", shape=source_after_label),
        meta_text("source", shape=shape_source),
    ),
    editors=(Rule("css:div.zebian", _editors),),
    body_html=(Rule("js:contentdate", _content_from_script),),
    body_containers=("#content_area", "div.cnt_bd", "#text_area"),
    body_drop=("div.zebian", "h1", "div.info", "div.function"),
)
