"""Render 新华网 news.cn pages for the demo mirror: 2024 and 2020–23 (c_) detail templates, the 高层 channel
with its datasource feed, the 时政 list, an old xinhuanet.com address that redirects and an item that is gone."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from mirror.common import GENERATED_NOTE, SiteFiles, Story, e, load_stories, relpath, robots, template

SITE = "xinhua"
LEADERS_URL = "http://www.news.cn/politics/leaders/index.htm"
POLITICS_URL = "http://www.news.cn/politics/"
# The 高层 channel's feed id (any 32 hex: the spider reads it from the page).
LEADERS_DATASOURCE = "7d2c1b5e9f0a4e3b8c6d5a4f3e2b1c0d"
# Listed in the 高层 feed but removed from the site: the mirror answers 410, as the real site does for old items.
GONE_URL = "http://www.news.cn/politics/2019-03/05/c_1124195567.htm"

_DETAIL_2024 = template(SITE, "detail_2024.html")
_DETAIL_C = template(SITE, "detail_c.html")


def content_id(story: Story) -> str:
    new = re.search(r"/(\d{8})/([0-9a-f]{32})/c\.html$", story.url)
    if new:
        return new.group(1) + new.group(2)
    old = re.search(r"/c_(\d+)\.htm$", story.url)
    assert old, story.url
    return old.group(1)


def page_urls(story: Story) -> list[str]:
    """c_<id>.htm, c_<id>_2.htm, … (only the c_ template has multi-page articles)."""
    stem = story.url.removesuffix(".htm")
    return [story.url, *(f"{stem}_{n}.htm" for n in range(2, len(story.pages) + 1))]


def listed_url(story: Story) -> str:
    return str(story.meta.get("listed_as", story.url))


def _related(story: Story, others: Sequence[Story]) -> str:
    return "\n".join(f'<li><a href="{o.url}" target="_blank">{e(o.title)}</a></li>' for o in others if o is not story)


def _pager(story: Story, page_no: int) -> str:
    urls = page_urls(story)
    if len(urls) == 1:
        return ""
    links = [
        f'<a href="{url.rsplit("/", 1)[1]}">{n}</a>' if n != page_no else f'<span class="cur">{n}</span>'
        for n, url in enumerate(urls, 1)
    ]
    if page_no < len(urls):
        links.append(f'<a href="{urls[page_no].rsplit("/", 1)[1]}">下一页</a>')
    return f'<div id="div_currpage">{"".join(links)}</div>'


def render_detail(story: Story, page_no: int, others: Sequence[Story]) -> str:
    at = story.published_at
    fields = {
        "note": GENERATED_NOTE,
        "title": e(story.title),
        "url": story.url,
        "content_id": content_id(story),
        "meta_source": e(str(story.meta.get("meta_source", story.source))),
        "source": e(story.source),
        "publishdate": f"{at:%Y-%m-%d}",
        "keywords": e(story.title.split("：")[0][:8]),
        "lead": e(story.paragraphs[0][:80]),
        "year": f"{at:%Y}",
        "month": f"{at:%m}",
        "day": f"{at:%d}",
        "month_day": f"{at:%m/%d}",
        "clock": f"{at:%H:%M:%S}",
        "stamp": f"{at:%Y-%m-%d %H:%M:%S}",
        "editors": e("、".join(story.editors)),
        "related": _related(story, others),
    }
    paragraphs = story.pages[page_no - 1]
    if story.meta["template"] == "2024":
        body = "".join(f"<p>  {e(p)}</p>" for p in paragraphs)
        return _DETAIL_2024.substitute(fields, body=body)
    body = "\n".join(f"<p>　　{e(p)}</p>" for p in paragraphs)
    return _DETAIL_C.substitute(fields, body=body, pager=_pager(story, page_no))


def feed(stories: Sequence[Story], extra: Sequence[dict[str, str]] = ()) -> str:
    """The ds_<id>.json of a channel: {"datasource": [...]}, newest first; titles may carry <a> markup."""
    items = [
        {
            "title": f'<a href="{listed_url(s)}">{s.title}</a>',
            "publishUrl": listed_url(s),
            "publishTime": f"{s.published_at:%Y-%m-%d %H:%M:%S}",
            "summary": s.paragraphs[0][:60],
            "keywords": "",
            "contentId": content_id(s),
            "author": "",
        }
        for s in stories
    ]
    return json.dumps({"datasource": [*items, *extra]}, ensure_ascii=False, indent=1)


def render() -> SiteFiles:
    stories = load_stories(SITE)
    out = SiteFiles()
    for story in stories:
        for n, url in enumerate(page_urls(story), 1):
            out.files[relpath(url)] = render_detail(story, n, stories).encode("utf-8")
        if listed_url(story) != story.url:
            out.redirects[relpath(listed_url(story))] = story.url
    leaders = [s for s in stories if "leaders" in s.meta["column"]]
    gone = {"title": "旧稿", "publishUrl": GONE_URL, "publishTime": "2019-03-05 11:02:47", "contentId": "1124195567"}
    out.files[relpath(LEADERS_URL)] = (
        template(SITE, "leaders.html").substitute(note=GENERATED_NOTE, datasource=LEADERS_DATASOURCE).encode("utf-8")
    )
    out.files[f"www.news.cn/politics/leaders/ds_{LEADERS_DATASOURCE}.json"] = feed(leaders, [gone]).encode("utf-8")
    out.gone.append(relpath(GONE_URL))
    politics = [s for s in stories if "politics" in s.meta["column"]]
    items = "".join(
        f'<div class="item item-style2"><div class="txt"><div class="tit"><a href="{s.url.removeprefix("http://www.news.cn")}"'
        f' target="_blank">{e(s.title)}</a></div> <div class="info clearfix domPc"><div class="time">'
        f"{s.published_at:%Y-%m-%d}</div></div></div></div>"
        for s in politics
    )
    out.files[relpath(POLITICS_URL)] = (
        template(SITE, "politics.html").substitute(note=GENERATED_NOTE, items=items).encode("utf-8")
    )
    for host in ("www.news.cn", "www.xinhuanet.com"):
        out.files[f"{host}/robots.txt"] = robots(allow_all=True).encode("utf-8")
    return out
