"""Render 工业和信息化部 www.miit.gov.cn pages for the demo mirror: the 部领导活动 column shell, the answer of
its page-build API ({"code":"200","data":{"html":…}}) and detail pages (h1#con_title, span#con_time,
div#con_con, TRS metas). Reconstructed from descriptions only: no saved miit page was available."""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import urlencode, urlsplit

from mirror.common import GENERATED_NOTE, SiteFiles, Story, e, load_stories, paragraphs_html, relpath, template
from mirror.serve import query_file

SITE = "miit"
COLUMN_URL = "https://www.miit.gov.cn/xwfb/bldhd/index.html"
API_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
# The ids of the column's list unit, as the column page's script carries them (the spider reads them there).
UNIT = {
    "webId": "8d828e408d90447786ddbe128d495e9e",
    "pageId": "d3e2bede1bc045e2875fc7161c01db7d",
    "tplSetId": "209741b2109044b5b7695700b2bec37e",
}
PAGE_SIZE = 24


def api_query(page_no: int) -> str:
    params = {
        "parseType": "buildstatic",
        **UNIT,
        "pageType": "column",
        "tagId": "当前栏目_list",
        "editType": "null",
        "paramJson": json.dumps({"pageNo": page_no, "pageSize": str(PAGE_SIZE)}, separators=(",", ":")),
    }
    return urlencode(params)


def render_detail(story: Story) -> str:
    at = story.published_at
    return template(SITE, "detail.html").substitute(
        note=GENERATED_NOTE,
        title=e(story.title),
        pubdate=f"{at:%Y-%m-%d %H:%M}",
        maketime=f"{at:%Y-%m-%d %H:%M:%S}",
        source=e(story.source),
        lead=e(story.paragraphs[0][:80]),
        url=story.url,
        stamp=f"{at:%Y-%m-%d %H:%M}",
        body=paragraphs_html(story.paragraphs, indent=""),
    )


def render_api_page(stories: Sequence[Story], page_no: int) -> str:
    items = "".join(
        # Protocol-relative, unquoted hrefs and a link text cut short: the full title is in @title.
        f'<li class="cf"><a class="fl" href={s.url.removeprefix("https:")} title="{e(s.title)}" target="_blank">'
        f'{e(s.title[:14])}{"…" if len(s.title) > 14 else ""}</a><span class="fr">{s.published_at:%Y-%m-%d}</span></li>'
        for s in stories
    )
    html = (
        f'<div class="page-content"><ul>{items}</ul></div>'
        f'<div class="pagination" rows="{PAGE_SIZE}" count="{len(stories)}" pageNo="{page_no}"></div>'
    )
    return json.dumps(
        {"code": "200", "success": True, "message": "操作成功", "data": {"html": html}}, ensure_ascii=False
    )


def render() -> SiteFiles:
    stories = load_stories(SITE)
    out = SiteFiles()
    for story in stories:
        out.files[relpath(story.url)] = render_detail(story).encode("utf-8")
    out.files[relpath(COLUMN_URL)] = (
        template(SITE, "column.html")
        .substitute(note=GENERATED_NOTE, web_id=UNIT["webId"], page_id=UNIT["pageId"], tpl_set_id=UNIT["tplSetId"])
        .encode("utf-8")
    )
    api = "www.miit.gov.cn" + API_PATH
    out.files[query_file(api, api_query(1), ".json")] = render_api_page(stories, 1).encode("utf-8")
    out.files["www.miit.gov.cn/robots.txt"] = b"User-agent: *\nDisallow: /search-front-server/\n"
    assert urlsplit(COLUMN_URL).hostname == "www.miit.gov.cn"
    return out
