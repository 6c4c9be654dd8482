"""Render 国家互联网信息办公室 www.cac.gov.cn pages for the demo mirror: the 时政要闻 column page (unquoted
hrefs), cms/JsonList answers per channel and page, and detail pages (h1.title, span#pubtime, span#source,
div#BodyLabel, pager div.zwfenye for c_<id>_2.htm)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import urlencode

from mirror.common import GENERATED_NOTE, SiteFiles, Story, e, load_stories, paragraphs_html, relpath, template
from mirror.serve import query_file

SITE = "cac"
COLUMN_URL = "https://www.cac.gov.cn/yaowen/szyw/A093601index_1.htm"
CHANNELS = ("A093601", "A09370102")
PER_PAGE = 20


def page_urls(story: Story) -> list[str]:
    stem = story.url.removesuffix(".htm")
    return [story.url, *(f"{stem}_{n}.htm" for n in range(2, len(story.pages) + 1))]


def _pager(story: Story, page_no: int) -> str:
    urls = page_urls(story)
    if len(urls) == 1:
        return ""
    links = [f'<a href="{u.rsplit("/", 1)[1]}">{n}</a>' for n, u in enumerate(urls, 1)]
    if page_no < len(urls):
        links.append(f'<a href="{urls[page_no].rsplit("/", 1)[1]}">下一页</a>')
    return f'<div class="zwfenye">{"".join(links)}</div>'


def render_detail(story: Story, page_no: int) -> str:
    return template(SITE, "detail.html").substitute(
        note=GENERATED_NOTE,
        title=e(story.title),
        keywords=e(story.title[:6]),
        lead=e(story.paragraphs[0][:80]),
        stamp=f"{story.published_at:%Y年%m月%d日 %H:%M}",
        source=e(story.source),
        body=paragraphs_html(story.pages[page_no - 1]),
        pager=_pager(story, page_no),
    )


def json_list(stories: Sequence[Story]) -> str:
    entries = [
        {"topic": s.title, "infourl": s.url.removeprefix("https:"), "pubtime": f"{s.published_at:%Y-%m-%d %H:%M:%S}"}
        for s in stories
    ]
    return json.dumps({"list": entries}, ensure_ascii=False)


def render() -> SiteFiles:
    stories = load_stories(SITE)
    out = SiteFiles()
    for story in stories:
        for n, url in enumerate(page_urls(story), 1):
            out.files[relpath(url)] = render_detail(story, n).encode("utf-8")
    column = [s for s in stories if "A093601" in s.meta["channels"]]
    items = "\n".join(
        f"<li><a href={s.url.removeprefix('https:')} target=_blank>{e(s.title)}</a>"
        f'<span class="times">{s.published_at:%Y-%m-%d}</span></li>'
        for s in column
    )
    out.files[relpath(COLUMN_URL)] = template(SITE, "column.html").substitute(note=GENERATED_NOTE, items=items).encode()
    for channel in CHANNELS:
        listed = [s for s in stories if channel in s.meta["channels"]]
        query = urlencode({"channelCode": channel, "perPage": PER_PAGE, "pageno": 1})
        out.files[query_file("www.cac.gov.cn/cms/JsonList", query, ".json")] = json_list(listed).encode("utf-8")
    out.files["www.cac.gov.cn/robots.txt"] = b"User-agent: *\nDisallow: /search/\n"
    return out
