"""Fixture tests for every page of ../shared/corpus, and template tests on small pages the tests write."""

from __future__ import annotations

import json

import pytest

from evaluation.extraction import body_f1, exact, load_corpus, same_time, set_f1
from extraction import extract, extract_fields
from tests.conftest import CORPUS

PAGE_IDS = sorted(p.stem for p in (CORPUS / "gold").glob("*.json")) if (CORPUS / "gold").is_dir() else []
# Which rules must read each site's pages: its own where newsmon knows the site, the generic ones elsewhere.
OWN_RULES = {"people.com.cn", "news.cn", "xinhuanet.com", "gov.cn", "cctv.com"}


def _page(page_id: str) -> tuple[dict, bytes]:
    if not PAGE_IDS:
        pytest.skip(f"{CORPUS} is absent: the saved pages of ../shared are only in the workplace and CI")
    gold = json.loads((CORPUS / "gold" / f"{page_id}.json").read_text(encoding="utf-8"))
    return gold, (CORPUS / "pages" / f"{page_id}.html").read_bytes()


def test_the_corpus_is_all_here() -> None:
    if not PAGE_IDS:
        pytest.skip(f"{CORPUS} is absent")
    assert len(load_corpus(CORPUS)) == len(PAGE_IDS) >= 14


@pytest.mark.parametrize("page_id", PAGE_IDS or ["(no corpus)"])
def test_page_matches_its_gold_record(page_id: str) -> None:
    gold, body = _page(page_id)
    record = extract(gold["url"], body)
    assert exact(record.title, gold["title"]) == 1.0, record.title
    assert same_time(record.published_at, gold["published_at"]) == 1.0, record.published_at
    assert exact(record.source, gold["source"]) == 1.0, record.source
    assert set_f1(record.authors, gold["authors"]) >= 0.95, record.authors
    assert set_f1(record.editors, gold["editors"]) >= 0.95, record.editors
    assert body_f1(record.body, gold["body"]) >= 0.90
    assert record.published_at is not None and str(record.published_at.tzinfo) == "Asia/Shanghai"


@pytest.mark.parametrize("page_id", PAGE_IDS or ["(no corpus)"])
def test_charset_is_read_from_the_bytes(page_id: str) -> None:
    gold, body = _page(page_id)
    record = extract_fields(gold["url"], body)
    expected = "gb18030" if gold["charset"] in ("gb2312", "gbk") else gold["charset"]
    assert record.charset == expected
    assert not any("undecodable" in w for w in record.warnings)


@pytest.mark.parametrize("page_id", PAGE_IDS or ["(no corpus)"])
def test_every_field_names_the_rule_that_produced_it(page_id: str) -> None:
    gold, body = _page(page_id)
    record = extract_fields(gold["url"], body)
    for name in ("title", "published_at", "body"):
        assert name in record.rules
    for name, rule in record.rules.items():
        prefix = rule.split(":")[0]
        assert prefix in (record.site, "generic"), (name, rule)
    if gold["site"] in OWN_RULES:
        assert record.rules["title"].startswith(gold["site"] + ":")
        assert record.rules["body"].startswith(gold["site"] + ":")


@pytest.mark.parametrize("page_id", PAGE_IDS or ["(no corpus)"])
def test_body_carries_no_furniture(page_id: str) -> None:
    gold, body = _page(page_id)
    record = extract(gold["url"], body)
    text = record.body or ""
    for furniture in ("责任编辑", "责编：", "分享到", "【纠错】", "Play Video", "<!--", "ZJEG_RSS", "图集", "+1"):
        assert furniture not in text, furniture
    # Full-width punctuation is kept as the page wrote it.
    assert "，" in text and "。" in text


def test_xinhua_video_page_credits_are_not_body_but_give_the_reporters() -> None:
    gold, body = _page("newscn-2022-video")
    record = extract(gold["url"], body)
    assert "策划" not in (record.body or "") and "新华通讯社出品" not in (record.body or "")
    assert record.authors == ["何山", "张梦洁"]
    assert record.rules["authors"] == "generic:body:credits:记者："


def test_cctv_body_is_read_from_its_script_string() -> None:
    gold, body = _page("cctv-un-report")
    record = extract(gold["url"], body)
    assert record.rules["body"] == "cctv.com:js:contentdate"
    text = record.body or ""
    assert "△" not in text and "资料图" not in text  # the photo caption
    assert "&ldquo;" not in text and "“" in text  # entities in the script string are resolved
    assert record.editors == ["甄涛", "刘亮"]


def test_gongbao_headline_is_the_title_not_body() -> None:
    gold, body = _page("govcn-2007-npc-resolution")
    record = extract(gold["url"], body)
    assert record.title == gold["title"]
    assert record.paragraphs[0].startswith("（2007年6月29日")
    assert record.published_precision == "day"  # 23:59:59 is the bulletin's placeholder, not a time


def test_transcript_dateline_under_a_photo_is_kept_and_captions_are_not() -> None:
    gold, body = _page("cmse-2012-press")
    assert extract(gold["url"], body).paragraphs[0] == "2012年6月24日"
    gold, body = _page("cmse-2021-news")
    text = extract(gold["url"], body).body or ""
    assert "长征五号B运载火箭正在测试" not in text and "中国运载火箭技术研究院" in text


# ---- templates, on pages the tests write ------------------------------------------------------------------

XINHUA_2019 = """<html><head><meta charset="utf-8"><title>标题一-新华网</title></head><body>
<div class="h-title">测试标题：模板规则</div>
<div class="h-info"><span class="h-time">2019-12-10 07:57:40</span><span>来源：<em id="source"> 新华网</em></span></div>
<div id="p-detail"><div class="lb"><span class="tj">图集</span></div>
<p>　　新华社北京12月9日电（记者王一 李二）第一段正文，内容足够长，用来测试正文的抽取。</p>
<p>　　第二段正文，继续说明测试的内容。</p>
<div id="div_currpage"><a href="c_1125327450.htm">1</a><a href="c_1125327450_2.htm">2</a>
<a href="http://www.xinhuanet.com/world/2019-12/10/c_1125327450_3.htm">3</a>
<a href="c_1125327450_2.htm">下一页</a></div>
<div class="p-tags"><span class="p-jc"><a class="advise">【纠错】</a></span>责任编辑： 张三</div>
</div></body></html>"""


def test_xinhua_multi_page_article_links_its_further_pages() -> None:
    url = "http://www.xinhuanet.com/world/2019-12/10/c_1125327450.htm"
    record = extract(url, XINHUA_2019.encode("utf-8"))
    assert record.site == "xinhuanet.com"
    assert record.title == "测试标题：模板规则"
    assert record.source == "新华网"
    assert record.authors == ["王一", "李二"]
    assert record.editors == ["张三"]
    assert record.next_pages == [
        "http://www.xinhuanet.com/world/2019-12/10/c_1125327450_2.htm",
        "http://www.xinhuanet.com/world/2019-12/10/c_1125327450_3.htm",
    ]
    assert record.paragraphs == [
        "新华社北京12月9日电（记者王一 李二）第一段正文，内容足够长，用来测试正文的抽取。",
        "第二段正文，继续说明测试的内容。",
    ]
    # Page 2 itself links no further pages (the spider stitches from page 1).
    assert extract_fields(url.replace(".htm", "_2.htm"), XINHUA_2019.encode("utf-8")).next_pages == []


TRS_PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<meta name="ArticleTitle" content="某省召开数字政府建设推进会"><meta name="PubDate" content="2023-04-18 10:30">
<meta name="ContentSource" content="省政府办公厅"><title>某省召开数字政府建设推进会_某省人民政府门户网站</title></head>
<body><div class="nav"><a href="/">首页</a> &gt; <a href="/xw/">要闻</a></div>
<div class="TRS_Editor"><p>　　4月18日，某省召开数字政府建设推进会，副省长某某出席会议并讲话。</p>
<p>　　会议强调，要以数字化改革为引领，推动政务服务“一网通办”，提升政府治理能力。</p>
<p style="display:none">隐藏的模板文字</p></div>
<div class="related"><h3>相关新闻</h3><ul><li><a href="/1.html">另一条新闻的标题</a></li></ul></div>
</body></html>"""


def test_trs_government_template_is_read_from_its_metas_and_editor_div() -> None:
    record = extract("http://www.example.gov.cn/xw/202304/t20230418_123.html", TRS_PAGE.encode("gb18030"))
    assert record.charset == "gb18030"
    assert record.title == "某省召开数字政府建设推进会"
    assert record.rules["title"] == "generic:meta:ArticleTitle"
    assert record.published_at is not None and record.published_at.isoformat() == "2023-04-18T10:30:00+08:00"
    assert record.source == "省政府办公厅" and record.rules["source"] == "generic:meta:ContentSource"
    assert record.rules["body"] == "generic:text-density:div.TRS_Editor"
    assert record.paragraphs == [
        "4月18日，某省召开数字政府建设推进会，副省长某某出席会议并讲话。",
        "会议强调，要以数字化改革为引领，推动政务服务“一网通办”，提升政府治理能力。",
    ]


GOVCN_PAGE = """<html><head><meta charset="utf-8"><meta name="firstpublishedtime" content="2024-05-10-18:05:21">
<meta name="author" content="编辑甲"><title>国务院常务会议研究部署数字政府建设_中国政府网</title></head><body>
<div class="article oneColumn pub_border"><h1 id="ti">国务院常务会议研究部署数字政府建设</h1>
<div class="pages-date">2024-05-10 18:05 <span class="font">来源： 新华社</span>
<span class="font">字号：默认 大 超大</span></div>
<div class="pages_content" id="UCAP-CONTENT">
<p>　　新华社北京5月10日电 国务院总理主持召开国务院常务会议，研究部署数字政府建设。</p>
<p>　　会议指出，要加快推进政务数据共享，提升政务服务效能。</p></div>
<div class="editor">【我要纠错】 责任编辑：乙丙</div></div></body></html>"""


def test_govcn_template() -> None:
    record = extract("https://www.gov.cn/yaowen/liebiao/202405/content_6950000.htm", GOVCN_PAGE.encode("utf-8"))
    assert record.site == "gov.cn"
    assert record.title == "国务院常务会议研究部署数字政府建设"
    # Metas first: firstpublishedtime has the seconds the visible "2024-05-10 18:05" line leaves out.
    assert record.published_at is not None and record.published_at.isoformat() == "2024-05-10T18:05:21+08:00"
    assert record.source == "新华社"
    assert record.editors == ["乙丙"]  # the visible editor line, not the meta author
    assert record.rules["body"] == "gov.cn:css:#UCAP-CONTENT"
    assert len(record.paragraphs) == 2
