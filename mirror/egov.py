"""Render 中国电子政务网 www.e-gov.org.cn pages for the demo mirror (GBK): the 新闻 channel (two pages, an item
on both, relative date stamps) and article pages whose div#content_detail opens with "来源:X 更新时间:Y"."""

from __future__ import annotations

from collections.abc import Sequence

from mirror.common import GENERATED_NOTE, SiteFiles, Story, e, load_stories, paragraphs_html, relpath, template

SITE = "egov"
CHANNEL = "http://www.e-gov.org.cn/channel-1.html"


def list_page_url(page_no: int) -> str:
    return CHANNEL if page_no == 1 else CHANNEL.replace(".html", f"-{page_no}.html")


def render_detail(story: Story) -> str:
    return template(SITE, "detail.html").substitute(
        note=GENERATED_NOTE,
        title=e(story.title),
        source=e(story.source),
        day=f"{story.published_at:%Y-%m-%d}",
        body=paragraphs_html(story.paragraphs),
    )


def render_list(stories: Sequence[Story], page_no: int, pages: int) -> str:
    rows = "\n".join(
        f'<tr><td class="title"><a href="{s.url.rsplit("/", 1)[1]}" target="_blank">{e(s.title)}</a></td>'
        f'<td class="date">{e(str(s.meta["list"]))}</td></tr>'
        for s in stories
        if page_no in s.meta["pages"]
    )
    pager = []
    if page_no > 1:
        pager.append(f'<a href="{list_page_url(page_no - 1).rsplit("/", 1)[1]}">上一页</a>')
    if page_no < pages:
        pager.append(f'<a href="{list_page_url(page_no + 1).rsplit("/", 1)[1]}">下一页</a>')
    return template(SITE, "list.html").substitute(note=GENERATED_NOTE, rows=rows, pager=" ".join(pager))


def render() -> SiteFiles:
    stories = load_stories(SITE)
    out = SiteFiles()
    for story in stories:
        out.files[relpath(story.url)] = render_detail(story).encode("gbk")
    pages = max(p for s in stories for p in s.meta["pages"])
    for n in range(1, pages + 1):
        out.files[relpath(list_page_url(n))] = render_list(stories, n, pages).encode("gbk")
    out.files["www.e-gov.org.cn/robots.txt"] = b"User-agent: *\nDisallow: /member/\n"
    return out
