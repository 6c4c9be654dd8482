"""人民网 people.com.cn: the rm_txt template (2020+), the text_title/box01 template and the 2009 p_* template."""

from __future__ import annotations

import re

from extraction.rules import (
    Rule,
    SiteRules,
    css_date,
    css_text,
    meta_date,
    numbered_pages,
    shape_editors,
    shape_people,
    shape_source,
)

# Visible time-and-source lines of each template generation.
_INFO_LINES = (".channel .col-1-1", "div.box01 div.fl", "p.sou", "div.editor.time1")


def _source_after_label(text: str) -> str | None:
    match = re.search(r"来源\s*[:：]\s*(.+)$", text)
    return shape_source(match.group(1)) if match else None


RULES = SiteRules(
    site="people.com.cn",
    name="人民网",
    title=(css_text("div.rm_txt h1", "div.text_title h1", "#p_title", "div.text_c h1", "div.d2txt h1"),),
    published_at=(
        css_date(*_INFO_LINES, "#p_publishtime"),
        meta_date("publishdate"),
    ),
    source=(
        css_text(*_INFO_LINES, shape=_source_after_label),
        css_text("#p_origin", "#p_origin a", shape=shape_source),
        Rule("meta:source", lambda page: shape_source(page.meta("source"))),
    ),
    authors=(css_text("div.rm_txt div.author", "div.text_title p.author", "div.text_c p.author", shape=shape_people),),
    editors=(css_text("div.edit", "#p_editor", "div.editor", shape=shape_editors),),
    body_containers=("div.rm_txt_con", "div#rwb_zw", "div.show_text", "div#p_content", "div.d2txt_con", "div.box_con"),
    body_drop=(
        "div.edit",
        "#p_editor",
        "p#paper_num",
        "div.zdfy",
        "#rwb_zdfy",
        "div.box_pic",
        "div.otitle",
        "div.page_n",
        "div.tjewm",
    ),
    next_pages=numbered_pages(
        r"c\d+-(\d+)\.html", r"c\d+-{id}-(\d+)\.html", "div.zdfy a::attr(href), #rwb_zdfy a::attr(href)"
    ),
)
