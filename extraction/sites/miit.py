"""工业和信息化部 www.miit.gov.cn: the con_* article template (TRS metas; the same ids before and after 2020).

Written from the documented template (../shared/sites.md §4); no saved miit page was available to check it.
"""

from __future__ import annotations

from extraction.rules import SiteRules, css_date, css_text, meta_date, meta_text, shape_source

RULES = SiteRules(
    site="miit.gov.cn",
    name="工业和信息化部",
    title=(css_text("h1#con_title"), meta_text("ArticleTitle")),
    # The visible "发布时间：YYYY-MM-DD HH:MM" first: one test suite of the site trusts it over PubDate.
    published_at=(css_date("span#con_time"), meta_date("PubDate")),
    source=(
        css_text("div.cinfo span:not(#con_time)", shape=shape_source),
        meta_text("ContentSource", shape=shape_source),
    ),
    body_containers=("div#con_con",),
    body_drop=("div.con_fj", "div.fenxiang"),
)
