"""The generic path on generated pages of an unknown template: one kind of page per test, one rule each."""

from __future__ import annotations

from datetime import datetime

from extraction import extract_fields
from extraction.dates import SHANGHAI

URL = "http://news.example.com.cn/2024/0510/c100-200.html"
NOW = datetime(2024, 6, 1, tzinfo=SHANGHAI)
PARAGRAPH = "云溪市政务服务数据管理局今天介绍，全市一体化在线政务服务平台已接入事项一千二百项，办理时间平均缩短一半。"


def page(head: str, body: str) -> bytes:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()


def sidebar(count: int = 6) -> str:
    items = "".join(f"<li><a href='/n{i}.html'>相关新闻标题第{i}条很长很长很长</a></li>" for i in range(count))
    return f"<div class='sidebar'><ul>{items}</ul></div>"


def test_the_block_with_the_most_prose_wins_over_link_lists() -> None:
    html = page("<title>平台接入事项过千_新闻网</title>", sidebar() + f"<div class='main'><p>{PARAGRAPH}</p>" * 3)
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.body and record.body.count(PARAGRAPH) == 3
    assert "相关新闻" not in record.body


def test_br_separated_text_is_read_as_paragraphs() -> None:
    html = page("<title>通知</title>", sidebar() + f"<div id='text'>{PARAGRAPH}<br><br>{PARAGRAPH}<br></div>")
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.paragraphs == [PARAGRAPH, PARAGRAPH]


def test_a_body_split_by_an_advertisement_is_taken_whole() -> None:
    first, second = PARAGRAPH, PARAGRAPH.replace("云溪市", "北原市")
    html = page(
        "<title>t</title>",
        f"<div class='wrap'><div class='part'><p>{first}</p><p>{first}</p></div>"
        "<div class='ad'><a href='/ad'>广告</a></div>"
        f"<div class='part'><p>{second}</p><p>{second}</p></div></div>",
    )
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.paragraphs == [first, first, second, second]


def test_the_description_anchors_a_short_article_among_longer_teasers() -> None:
    lead = "云溪市今天发布数字政府建设三年行动方案，提出到2026年基本建成整体协同的数字政府。"
    teasers = "".join(f"<div class='item-content'><p>{PARAGRAPH * 2}</p></div>" for _ in range(3))
    html = page(
        f"<meta name='description' content='{lead}'>",
        f"<div class='column'><div class='story'><p>{lead}</p></div></div><div class='stream'>{teasers}</div>",
    )
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.body == lead


def test_a_body_kept_in_a_script_string_is_read_from_it() -> None:
    escaped = f"<p>{PARAGRAPH}</p>" * 3
    escaped = escaped.replace("<", "\\u003c").replace(">", "\\u003e")
    html = page("<title>t</title>", f"<div id='app'>加载中</div><script>var content = '{escaped}';</script>")
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.paragraphs == [PARAGRAPH] * 3
    assert record.rules["body"].startswith("generic:script-string")


def test_the_headline_is_the_heading_the_title_repeats() -> None:
    html = page(
        "<title>云溪市推进一网通办_要闻_东方新闻网</title>",
        f"<div class='logo'><h1>东方新闻网</h1></div><h2 class='art-title'>云溪市推进一网通办</h2><p>{PARAGRAPH}</p>",
    )
    assert extract_fields(URL, html, now=NOW, site_rules=False).title == "云溪市推进一网通办"


def test_a_day_only_meta_gives_way_to_the_same_day_with_its_time_under_the_headline() -> None:
    html = page(
        "<title>云溪市推进一网通办</title><meta name='publishdate' content='2024-05-10'>",
        f"<h1>云溪市推进一网通办</h1><div class='info'>2024-05-10 06:58</div><div><p>{PARAGRAPH}</p></div>",
    )
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.published_at == datetime(2024, 5, 10, 6, 58, tzinfo=SHANGHAI)


def test_the_first_date_under_the_headline_beats_older_dates_elsewhere() -> None:
    html = page(
        "<title>云溪市推进一网通办</title>",
        "<div class='top'>网站备案 2009-05-14</div>"
        f"<h1>云溪市推进一网通办</h1><p>2019年09月07日 19:02</p><div><p>{PARAGRAPH}</p></div>",
    )
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.published_at == datetime(2019, 9, 7, 19, 2, tzinfo=SHANGHAI)


def test_source_from_a_label_with_its_value_in_the_next_element_or_a_source_class() -> None:
    labelled = page(
        "<title>标题甲乙丙丁</title>", f"<h1>标题甲乙丙丁</h1><span>来源：<a>东方日报</a></span><p>{PARAGRAPH}</p>"
    )
    assert extract_fields(URL, labelled, now=NOW, site_rules=False).source == "东方日报"
    classed = page(
        "<title>标题甲乙丙丁</title>",
        f"<h1>标题甲乙丙丁</h1><div><span class='date'>2024-05-10</span><a class='source'>东方日报</a></div>"
        f"<p>{PARAGRAPH}</p>{sidebar()}<span class='source'>别的报纸</span>",
    )
    assert extract_fields(URL, classed, now=NOW, site_rules=False).source == "东方日报"


def test_editor_credits_in_every_separator_and_no_sentence_taken_for_a_name() -> None:
    html = page(
        "<title>t</title>",
        f"<div><p>{PARAGRAPH}</p></div><p>编辑|王小明<br>责编|李丽</p><p>责任编辑：\n平台声明：该文观点仅代表作者本人</p>",
    )
    assert extract_fields(URL, html, now=NOW, site_rules=False).editors == ["王小明", "李丽"]


def test_a_byline_paragraph_names_the_writers_and_leaves_the_body() -> None:
    html = page(
        "<title>t</title>", f"<div class='text'><p>半月谈记者 史卫燕</p><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></div>"
    )
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.authors == ["史卫燕"]
    assert record.paragraphs == [PARAGRAPH, PARAGRAPH]


def test_the_line_giving_an_earlier_headline_is_not_body_text() -> None:
    html = page(
        "<title>t</title>", f"<div class='text'><p>（原标题：旧的标题）</p><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></div>"
    )
    assert extract_fields(URL, html, now=NOW, site_rules=False).paragraphs == [PARAGRAPH, PARAGRAPH]


def test_a_name_signing_off_the_last_paragraph_is_the_author_and_leaves_the_text() -> None:
    html = page("<title>t</title>", f"<div class='text'><p>{PARAGRAPH}</p><p>{PARAGRAPH}（张巨峰）</p></div>")
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.authors == ["张巨峰"]
    assert record.paragraphs == [PARAGRAPH, PARAGRAPH]
    # A body's name closing the paragraph is not a writer.
    agency = page("<title>t</title>", f"<div class='text'><p>{PARAGRAPH}</p><p>{PARAGRAPH}（新华社）</p></div>")
    assert extract_fields(URL, agency, now=NOW, site_rules=False).authors == []


def test_a_date_printed_without_its_year_takes_the_year_of_a_meta_of_the_same_day() -> None:
    html = page(
        "<title>云溪市推进一网通办</title><meta name='dateUpdate' content='2019-10-08 12:00:57'>",
        f"<h1>云溪市推进一网通办</h1><p>发布时间：10-08 12:00</p><div><p>{PARAGRAPH}</p></div>",
    )
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.published_at == datetime(2019, 10, 8, 12, 0, tzinfo=SHANGHAI)


def test_without_a_recognised_headline_the_dated_line_above_the_body_beats_the_first_date() -> None:
    html = page(
        "<title>驱动之家</title>",
        "<div class='today'>2021年10月7日 星期四</div><div class='head'>首次采样带回</div>"
        "<div class='info'>2020-11-23 10:22:14 出处：快科技</div>"
        f"<div class='text'><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></div>",
    )
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.published_at == datetime(2020, 11, 23, 10, 22, 14, tzinfo=SHANGHAI)


def test_editor_credits_drop_staff_codes_and_keep_latin_names_whole() -> None:
    html = page("<title>t</title>", f"<div><p>{PARAGRAPH}</p></div><p>责任编辑：杨倩_NF4425</p><p>编辑：Demi Xia</p>")
    assert extract_fields(URL, html, now=NOW, site_rules=False).editors == ["杨倩", "Demi Xia"]


def test_source_after_a_label_alone_on_its_line_and_beside_a_year_less_time() -> None:
    labelled = page(
        "<title>标题甲乙丙丁</title>", f"<h1>标题甲乙丙丁</h1><span>| 来源</span><a>CSDN</a><p>{PARAGRAPH}</p>"
    )
    assert extract_fields(URL, labelled, now=NOW, site_rules=False).source == "CSDN"
    account = page(
        "<title>标题甲乙丙丁</title>",
        f"<h1>标题甲乙丙丁</h1><p>北原晚报</p><p>发布时间：10-08</p><p>Facebook</p><div><p>{PARAGRAPH}</p></div>",
    )
    assert extract_fields(URL, account, now=NOW, site_rules=False).source == "北原晚报"


def test_editor_credits_in_slash_and_fullwidth_bar_forms() -> None:
    html = page(
        "<title>t</title>", f"<div><p>{PARAGRAPH}</p></div><p>编辑/苏芳</p><p>责编︱陈梦莹</p><p>责任编辑｜王頔</p>"
    )
    assert extract_fields(URL, html, now=NOW, site_rules=False).editors == ["苏芳", "陈梦莹", "王頔"]


def test_a_subheading_or_a_note_in_brackets_is_not_a_writer() -> None:
    html = page(
        "<title>t</title>",
        f"<div class='text'><p>记者手记</p><p>{PARAGRAPH}</p><p>{PARAGRAPH}（试行）</p></div>",
    )
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.authors == []
    assert record.paragraphs == ["记者手记", PARAGRAPH, PARAGRAPH + "（试行）"]


def test_an_events_time_in_the_body_is_not_the_publication_time() -> None:
    html = page(
        "<title>云溪市推进一网通办</title>",
        f"<h1>云溪市推进一网通办</h1><p>2024-05-10 08:00</p><div><p>{PARAGRAPH}</p><p>活动时间：5月20日</p></div>",
    )
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.published_at == datetime(2024, 5, 10, 8, 0, tzinfo=SHANGHAI)


def test_the_sites_name_in_a_logo_is_not_the_headline() -> None:
    html = page(
        "<title>停水通知_云溪市人民政府</title>",
        f"<div class='top-title'>云溪市人民政府</div><h2>停水通知</h2><div><p>{PARAGRAPH}</p></div>",
    )
    assert extract_fields(URL, html, now=NOW, site_rules=False).title == "停水通知"


def test_an_article_about_icp_filings_is_not_a_footer() -> None:
    prose = (
        "工业和信息化部近日部署开展ICP备案专项核查，要求各地通信管理局对未经授权的接入服务逐一清理，"
        "确保备案信息真实准确。"
    )
    html = page(
        "<title>t</title>",
        f"<div class='side'><p>{PARAGRAPH}</p></div><div class='main'>" + f"<p>{prose}</p>" * 4 + "</div>"
        "<div class='foot'><p>ICP备12345号 版权所有</p></div>",
    )
    assert extract_fields(URL, html, now=NOW, site_rules=False).paragraphs == [prose] * 4


def test_a_source_beside_the_time_must_read_as_a_publisher() -> None:
    html = page(
        "<title>标题甲乙丙丁</title>",
        f"<h1>标题甲乙丙丁</h1><p>打印本页</p><p>2024-05-10 08:00</p><p>时政要闻</p><div><p>{PARAGRAPH}</p></div>",
    )
    assert extract_fields(URL, html, now=NOW, site_rules=False).source is None


def test_a_long_script_line_full_of_escaped_quotes_is_scanned_once() -> None:
    # A one-line template of escaped attributes: a backtracking pattern took a minute on 120 KB of this.
    line = '<p class=\\"a\\">' * 8000
    html = page("<title>t</title>", f"<div id='app'>加载中</div><script>var t = `{line}`;</script>")
    assert extract_fields(URL, html, now=NOW, site_rules=False).body is None


def test_a_body_nested_five_thousand_divs_deep_is_read_whole_and_flagged() -> None:
    paragraphs = [f"{PARAGRAPH}第{i}段。" for i in range(30)]
    html = page(
        "<title>云溪市推进一网通办</title>",
        "<h1>云溪市推进一网通办</h1><p>2024-05-10 08:00</p>"
        + "<div>" * 5000
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</div>" * 5000,
    )
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.paragraphs == paragraphs
    assert any("nested deeper" in warning for warning in record.warnings)


def test_a_time_printed_one_part_per_element_is_read_joined() -> None:
    html = page(
        "<title>云溪市推进一网通办</title>",
        "<div class='top'>网站备案 2009-05-14</div><h1>云溪市推进一网通办</h1>"
        "<div class='rail'><span>2019</span><span>09</span><span>/</span><span>07</span>"
        "<span>19</span><span>:</span><span>02</span></div>"
        f"<div><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></div>",
    )
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.published_at == datetime(2019, 9, 7, 19, 2, tzinfo=SHANGHAI)


def test_a_year_less_date_takes_the_year_a_script_states_for_the_same_day() -> None:
    html = page(
        "<title>云溪市推进一网通办</title>",
        f"<h1>云溪市推进一网通办</h1><p>09月07日</p><div><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></div>"
        '<script>window.__STATE__ = {"topic": {"publishDate": "2019-09-07T00:31:40.109Z"}};</script>',
    )
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.published_at is not None and record.published_at.date() == datetime(2019, 9, 7).date()
    # Without a script stating it, the year is the parser's guess from now (the latest one not in the future).
    guessed = extract_fields(URL, html.replace(b"publishDate", b"other"), now=NOW, site_rules=False).published_at
    assert guessed is not None and guessed.year == 2023


def test_a_name_the_info_line_credits_as_compiler_is_the_source() -> None:
    html = page(
        "<title>标题甲乙丙丁</title>",
        f"<h1>标题甲乙丙丁</h1><span>2019-09-05 11:10 星空游报[整理]</span><div><p>{PARAGRAPH}</p></div>",
    )
    assert extract_fields(URL, html, now=NOW, site_rules=False).source == "星空游报"


def test_the_source_a_page_config_script_states_is_read_when_nothing_prints_it() -> None:
    config = "<script>var pageConfig = {\n  title: '标题',\n  source: '东方观察微信公号', // 来源\n};</script>"
    html = page("<title>标题甲乙丙丁</title>", f"<h1>标题甲乙丙丁</h1>{config}<div><p>{PARAGRAPH}</p></div>")
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert (record.source, record.rules["source"]) == ("东方观察微信公号", "generic:script:source-key")
    # A JSON list of other articles, each with its own source, says nothing of this page's.
    listing = '<script>var related = [{"source": "北原日报"}, {"source": "东方晚报"}];</script>'
    other = page("<title>标题甲乙丙丁</title>", f"<h1>标题甲乙丙丁</h1>{listing}<div><p>{PARAGRAPH}</p></div>")
    assert extract_fields(URL, other, now=NOW, site_rules=False).source is None


def test_a_gallery_whose_captions_live_in_a_script_array_reads_them_all() -> None:
    captions = [f"第{n}张：{PARAGRAPH[:30]}，展区{n}号馆的参观人数创下新高。" for n in "一二三四"]
    escaped = ",".join('\\"' + "".join(f"\\\\u{ord(c):04x}" for c in caption) + '\\"' for caption in captions)
    script = f'<script>var gallery = JSON.parse("{{\\"sub_abstracts\\":[{escaped}]}}");</script>'
    html = page("<title>图集</title>", f"<div class='gallery'><p>{captions[0]}</p></div>{script}")
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.paragraphs == captions
    assert record.rules["body"] == "generic:script-captions"


def test_a_self_media_account_beside_its_platforms_label_is_the_source() -> None:
    labelled = page(
        "<title>标题甲乙丙丁</title>",
        "<h1>标题甲乙丙丁</h1><div class='info'><span>2019-09-07 19:02</span><a>江东眼</a><em>企鹅号</em></div>"
        f"<div><p>{PARAGRAPH}</p></div>",
    )
    record = extract_fields(URL, labelled, now=NOW, site_rules=False)
    assert (record.source, record.rules["source"]) == ("江东眼", "generic:text:account-beside-platform-label")
    badge = page(
        "<title>标题甲乙丙丁</title>",
        "<h1>标题甲乙丙丁</h1><p>北原必读</p><p>发布时间：10-08</p><p>12:00</p><p>优质原创作者</p>"
        f"<div><p>{PARAGRAPH}</p></div>",
    )
    assert extract_fields(URL, badge, now=NOW, site_rules=False).source == "北原必读"
    # Without a platform's label, a bare name beside the time says nothing of who published the piece.
    bare = page(
        "<title>标题甲乙丙丁</title>",
        f"<h1>标题甲乙丙丁</h1><p>北原必读</p><p>发布时间：10-08</p><div><p>{PARAGRAPH}</p></div>",
    )
    assert extract_fields(URL, bare, now=NOW, site_rules=False).source is None


def test_a_time_stated_before_1990_is_kept_to_be_reported_but_a_history_in_the_body_is_not_one() -> None:
    stated = page(
        "<title>云溪市推进一网通办</title>",
        f"<h1>云溪市推进一网通办</h1><p>1985-05-10 08:00 来源：东方日报</p><div><p>{PARAGRAPH}</p></div>"
        + sidebar()
        + "<div class='foot'>网站备案 2009-05-14</div>",
    )
    record = extract_fields(URL, stated, now=NOW, site_rules=False)
    assert record.published_at == datetime(1985, 5, 10, tzinfo=SHANGHAI)
    assert record.rules["published_at"] == "generic:stated-before-1990"
    history = page(
        "<title>云溪市推进一网通办</title>",
        f"<h1>云溪市推进一网通办</h1><p>1985年5月10日，云溪市第一个政务服务窗口开门办公。{PARAGRAPH}</p>"
        "<div class='foot'>2019-09-07</div>",
    )
    assert extract_fields(URL, history, now=NOW, site_rules=False).rules["published_at"] != "generic:stated-before-1990"


def test_an_empty_date_meta_of_1970_gives_way_to_the_time_the_page_shows() -> None:
    html = page(
        "<title>云溪市推进一网通办</title><meta name='pubdate' content='1970-01-01 08:00:00'>",
        f"<h1>云溪市推进一网通办</h1><p>2019-09-07 19:02 来源：东方日报</p><div><p>{PARAGRAPH}</p></div>",
    )
    record = extract_fields(URL, html, now=NOW, site_rules=False)
    assert record.published_at == datetime(2019, 9, 7, 19, 2, tzinfo=SHANGHAI)
