"""新华网 news.cn / xinhuanet.com: the 2024 c.html template, the 2020–23 c_<id>.htm template and the 2019 one."""

from __future__ import annotations

import dataclasses
import re

from extraction.dates import ParsedDate, find_date
from extraction.page import Page
from extraction.rules import (
    Rule,
    SiteRules,
    css_date,
    css_text,
    meta_date,
    meta_text,
    numbered_pages,
    shape_editors,
    shape_source,
    strip_site_suffix,
)


def _header_time(page: Page) -> ParsedDate | None:
    """ "<span.year><em>2023</em></span><span.day><em>11</em>/<em>17</em></span><span.time>20:52:15" → one date.

    The pieces sit in separate elements, so their text is joined without spaces before parsing.
    """
    for header in page.sel.css("div.header-time"):
        year = "".join(header.css("span.year ::text").getall()).strip()
        day = re.sub(r"\s+", "", "".join(header.css("span.day ::text").getall()))
        clock = "".join(header.css("span.time ::text").getall()).strip()
        if year and day:
            return find_date(f"{year}/{day} {clock}".strip())
    return None


RULES = SiteRules(
    site="news.cn",
    name="新华网",
    title=(
        css_text(".head-line h1 span.title", ".head-line h1", "div.h-title", "#title", "h1#title"),
        Rule("html-title", lambda page: strip_site_suffix(page.html_title) if page.html_title else None),
    ),
    published_at=(
        Rule("css:div.header-time", _header_time),
        css_date("span.h-time", ".mheader .info", "#pubtime", "div.info"),
        meta_date("publishdate"),
    ),
    # The visible 来源 line wins over the meta: the meta can say 新华社 where the page shows 新华网.
    source=(
        css_text("div.source", "em#source", "#source", ".mheader .info span", shape=shape_source),
        meta_text("source", shape=shape_source),
    ),
    editors=(css_text("span.editor", "div.p-tags", "#articleEdit", shape=shape_editors),),
    body_containers=("span#detailContent", "div#detail", "div#p-detail", "#content"),
    body_drop=(
        "span.editor",
        "#articleEdit",
        "div.lb",
        "div.tadd",
        "div.p-tags",
        "div.zan-wap",
        "div.share",
        "div.video-url",
        "#div_currpage",
        "div.pageShare",
        "[id^=DH-PLAYERID]",
        "div.player-container",
    ),
    next_pages=numbered_pages(r"c_(\d+)\.htm", r"c_{id}_(\d+)\.htm", "#div_currpage a::attr(href)"),
)

# www.xinhuanet.com serves the same templates under its older domain.
XINHUANET = dataclasses.replace(RULES, site="xinhuanet.com")
VARIANTS = (XINHUANET,)
