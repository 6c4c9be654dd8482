"""Render 中国政府网 www.gov.cn pages for the demo mirror: the 要闻 JSON feed, its paged HTML list (TRS pager,
an item repeated on consecutive pages) and detail pages in the 2023+ template (h1#ti, div.pages-date,
#UCAP-CONTENT, metas firstpublishedtime "YYYY-MM-DD-HH:MM:SS" and author = the web editor)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from mirror.common import GENERATED_NOTE, SiteFiles, Story, e, load_stories, paragraphs_html, relpath, template

SITE = "govcn"
FEED_URL = "https://www.gov.cn/yaowen/liebiao/YAOWENLIEBIAO.json"
LIST_DIR = "https://www.gov.cn/yaowen/liebiao/"

_DETAIL = template(SITE, "detail.html")
_LIST = template(SITE, "list.html")
_LANMU = {"yaowen": ("要闻", "https://www.gov.cn/yaowen/"), "lianbo": ("部门", "https://www.gov.cn/lianbo/bumen/")}


def list_page_name(index: int) -> str:
    """TRS list pages: home.htm, home_1.htm, home_2.htm, …"""
    return "home.htm" if index == 0 else f"home_{index}.htm"


def render_detail(story: Story, others: Sequence[Story]) -> str:
    at = story.published_at
    lanmu, lanmu_url = _LANMU[story.url.split("/")[3]]
    related = "\n".join(
        f'<li><a href="{o.url}" target="_blank">{e(o.title)}</a></li>' for o in others if o is not story
    )
    return _DETAIL.substitute(
        note=GENERATED_NOTE,
        title=e(story.title),
        keywords=e(story.title[:6]),
        lead=e(story.paragraphs[0][:80]),
        catalog="17",
        lanmu=lanmu,
        lanmu_url=lanmu_url,
        manuscript_id=story.meta["manuscript_id"],
        author=e("、".join(story.editors)),
        firstpublished=f"{at:%Y-%m-%d-%H:%M:%S}",
        generated=f"{at:%Y-%m-%d %H:%M:%S}",
        stamp=f"{at:%Y-%m-%d %H:%M}",
        source=e(story.source),
        body=paragraphs_html(story.paragraphs),
        related=related,
    )


def render_feed(stories: Sequence[Story]) -> str:
    entries = [
        {"TITLE": s.title, "SUB_TITLE": "", "URL": s.url, "DOCRELPUBTIME": f"{s.published_at:%Y-%m-%d}"}
        for s in stories
    ]
    return json.dumps(entries, ensure_ascii=False, indent=2)


def render_list(stories: Sequence[Story], index: int, pages: int) -> str:
    items = "\n".join(
        f'<li><h4><a href="{s.url.replace(LIST_DIR, "./")}" target="_blank">{e(s.title)}</a>'
        f'<span class="date">{s.published_at:%Y-%m-%d}</span></h4></li>'
        for s in stories
        if index in s.meta["pages"]
    )
    return _LIST.substitute(note=GENERATED_NOTE, items=items, pages=pages, current=index)


def render() -> SiteFiles:
    stories = load_stories(SITE)
    out = SiteFiles()
    for story in stories:
        out.files[relpath(story.url)] = render_detail(story, stories).encode("utf-8")
    out.files[relpath(FEED_URL)] = render_feed(stories).encode("utf-8")
    pages = 1 + max(p for s in stories for p in s.meta["pages"])
    for index in range(pages):
        out.files[relpath(LIST_DIR + list_page_name(index))] = render_list(stories, index, pages).encode("utf-8")
    out.files["www.gov.cn/robots.txt"] = b"User-agent: *\nDisallow: /search/\n"
    return out
