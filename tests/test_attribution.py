"""Attribution: kind, speakers (post and body), occasion, place and day — on gold pages, the mirror, the seed,
and on sentences covering each rule, including what must never make a speaker."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from attribution import ArticleText, Attribution, attribute
from evaluation.attribution import (
    contains_either,
    corpus_cases,
    evaluate_attribution,
    evaluate_cases,
    mirror_cases,
)
from extraction.dates import SHANGHAI
from ground.bodies import default_registry
from tests.conftest import CORPUS, ROOT, SHARED, need_corpus

FLOORS = json.loads((ROOT / "attribution_floors.json").read_text(encoding="utf-8"))


def corpus_ids() -> list[str]:
    return sorted(p.stem for p in (CORPUS / "gold").glob("*.json")) if (CORPUS / "gold").is_dir() else ["(absent)"]


def article(title: str, *paragraphs: str, authors: tuple[str, ...] = (), editors: tuple[str, ...] = ()) -> Attribution:
    return attribute(
        ArticleText(
            title=title,
            paragraphs=list(paragraphs),
            published_at=datetime(2024, 5, 10, 9, 0, tzinfo=SHANGHAI),
            authors=list(authors),
            editors=list(editors),
        )
    )


def speakers(result: Attribution) -> list[tuple[str | None, str | None, str | None]]:
    return [(s.name, s.role, s.org) for s in result.speakers]


# ---- every gold page of ../shared/corpus (its gold text, so each page tests attribution alone) --------------


@pytest.mark.parametrize("page_id", corpus_ids())
def test_gold_page(page_id: str) -> None:
    corpus = need_corpus()
    case = next(c for c in corpus_cases(corpus, gold_text=True) if c.id == page_id)
    result = attribute(
        ArticleText(
            case.record.title or "",
            case.record.paragraphs,
            case.record.published_at,
            case.record.authors,
            case.record.editors,
        )
    )
    gold = case.gold
    assert result.kind == gold["kind"], result.evidence["kind"]
    assert sorted(result.speaker_names) == sorted(s["name"] for s in gold["speakers"])
    found = {s.name: s for s in result.speakers}
    for expected in gold["speakers"]:
        speaker = found[expected["name"]]
        assert speaker.evidence, "every speaker carries the sentence it was taken from"
        if expected["role"]:
            assert contains_either(speaker.role, expected["role"])
        if expected["org"]:  # as the text writes it, or normalised by the registry
            assert contains_either(speaker.org_as_written, expected["org"])
    if gold.get("place"):
        assert contains_either(result.place, gold["place"])
    if not gold.get("occasion"):
        assert result.occasion is None
    assert "kind" in result.evidence


def test_floors_on_the_corpus() -> None:
    scores = evaluate_attribution(need_corpus(), ROOT / "eval" / "speeches", SHARED)
    below = [
        f"{gold_set} {name}: {scores[gold_set]['scores'][name]['score']:.3f} < {floor}"
        for gold_set, pinned in FLOORS.items()
        for name, floor in pinned.items()
        if scores[gold_set]["scores"][name]["score"] < floor
    ]
    assert not below


# ---- the bundled mirror: texts the project owns, extracted from its generated pages ------------------------


def test_floors_on_the_mirror() -> None:
    scores = evaluate_cases(mirror_cases()).scores()
    for name, floor in FLOORS["mirror"].items():
        assert scores[name]["score"] >= floor, name


@pytest.mark.parametrize("case", mirror_cases(), ids=lambda c: c.id)
def test_mirror_article(case) -> None:
    result = attribute(
        ArticleText(case.record.title or "", case.record.paragraphs, case.record.published_at, case.record.authors)
    )
    gold = case.gold
    assert result.kind == gold["kind"]
    assert result.speaker_names == [s["name"] for s in gold["speakers"]]
    assert result.occasion == gold["occasion"]
    assert result.place == gold["place"]
    if gold["spoken_on"] and result.spoken_on:
        assert result.spoken_on.isoformat() == gold["spoken_on"]


# ---- the seed -------------------------------------------------------------------------------------------


def test_seed_attribution_is_exactly_the_issue_s() -> None:
    from attribution import attribute_record
    from extraction.plaintext import parse_plaintext
    from pipelines.seed import SEED_FILE, SEED_SITE, SEED_URL

    record = parse_plaintext(SEED_FILE.read_bytes(), url=SEED_URL, site=SEED_SITE)
    result = attribute_record(record)
    assert result.kind == "speech_full_text"
    assert speakers(result) == [("谢少锋", "司长", "工业和信息化部信息化和软件服务业司")]
    assert result.speakers[0].org_as_written == "工信部信软司"
    assert result.occasion == "首届数字中国建设峰会分论坛“电子政务:协同 优化 创新”"
    assert result.place == "福州"
    assert result.spoken_on == date(2018, 4, 23)
    assert record.authors == ["燕帅", "宋心蕊"]
    assert "以下是发言全文" in result.evidence["kind"].evidence
    assert "今天上午在福州举行" in result.evidence["place"].evidence


# ---- each rule on sentences of its own -------------------------------------------------------------------


def test_headline_name_colon() -> None:
    result = article(
        "王立新：加快推进政务数据共享", "国家数据局副局长王立新日前接受采访。", "王立新表示，要打通数据壁垒。"
    )
    assert speakers(result) == [("王立新", "副局长", "国家数据局")]
    assert result.speakers[0].rule == "headline:X：…"


def test_headline_colon_with_a_body_is_not_a_speaker() -> None:
    result = article("证监会：严厉打击造谣传谣行为", "证监会近日通报了多起案件的查处情况，涉及多家机构。")
    assert result.speakers == []
    assert result.kind == "news"


def test_headline_speech_at_occasion_is_full_text() -> None:
    result = article("赵明远在全省数字政府建设工作会议上的讲话", "同志们：", "这次会议的主要任务是部署下一阶段工作。")
    assert result.kind == "speech_full_text"
    assert result.speaker_names == ["赵明远"]
    assert result.occasion == "全省数字政府建设工作会议"


def test_answers_reporters_questions_is_a_press_conference() -> None:
    result = article(
        "外交部发言人就有关问题答记者问",
        "外交部发言人陈立华就有关问题答记者问。",
        "记者：请介绍一下有关情况。",
        "陈立华：我们一贯主张通过对话解决分歧。",
    )
    assert result.kind == "press_conference"
    assert speakers(result) == [("陈立华", "发言人", "外交部")]


def test_lead_attends_and_speaks() -> None:
    result = article(
        "全国政务公开工作座谈会召开",
        "本报北京5月9日电（记者周文）全国政务公开工作座谈会9日在京召开。国务院办公厅副秘书长刘建平出席会议并讲话。",
        "刘建平指出，要坚持以公开为常态、不公开为例外。",
        "刘建平强调，要推进决策公开、执行公开。",
        "刘建平表示，要加强政策解读，回应社会关切。",
    )
    assert result.kind == "speech_report"
    assert speakers(result) == [("刘建平", "副秘书长", "国务院办公厅")]
    assert result.occasion == "全国政务公开工作座谈会"
    assert result.place == "北京"
    assert result.spoken_on == date(2024, 5, 9)


def test_full_text_announced_in_the_lead_with_the_keynote() -> None:
    result = article(
        "以数字化推动政务服务提质增效",
        "人民网杭州9月28日电 2024数字政府论坛28日在杭州举行。"
        "工信部信软司司长孙立平出席论坛并作主旨发言，以下是发言全文：",
        "尊敬的各位来宾：大家上午好！",
    )
    assert result.kind == "speech_full_text"
    assert speakers(result) == [("孙立平", "司长", "工业和信息化部信息化和软件服务业司")]
    assert result.place == "杭州"


def test_role_chain_with_several_posts() -> None:
    result = article(
        "河南推进中部崛起",
        "“我们将坚定不移推进改革。”河南省委副书记、省长王凯说，河南将着力培育新动能。",
        "河南省委常委、常务副省长孙守刚介绍，黄河生态保护治理取得进展。",
    )
    assert speakers(result) == [
        ("王凯", "省委副书记、省长", "河南省"),
        ("孙守刚", "省委常委、常务副省长", "河南省"),
    ]


def test_posts_of_different_bodies_keep_the_chain_and_no_org() -> None:
    result = article("调研", "中共中央政治局常委、国务院总理李强在新疆调研。李强指出，要扩大开放。")
    assert speakers(result) == [("李强", "中共中央政治局常委、国务院总理", None)]
    assert result.place == "新疆"


def test_transcript_turns() -> None:
    result = article(
        "国家数据局举行新闻发布会",
        "3月22日，国家数据局举行新闻发布会。国家数据局副局长周启明出席发布会并回答记者提问。",
        "主持人：欢迎各位参加今天的发布会。",
        "周启明：谢谢主持人。公共数据规模大、价值高。",
        "新华社记者：请问下一步有什么考虑？",
        "周启明：我们将扩大共享范围。",
    )
    assert result.kind == "press_conference"
    assert result.speaker_names == ["周启明"]
    assert result.occasion == "国家数据局新闻发布会"


def test_excerpt() -> None:
    result = article(
        "吴建国在全省电子政务工作会议上的讲话（摘要）", "一、关于总体要求", "今年以来，各地工作取得明显成效。"
    )
    assert result.kind == "speech_excerpt"


def test_policy_document_has_no_speakers() -> None:
    result = article(
        "全国人民代表大会常务委员会关于批准某项议案的决议",
        "（2007年6月29日第十届全国人民代表大会常务委员会第二十八次会议通过）",
        "会议听取了财政部部长金人庆代表国务院作的说明，同意国务院提出的议案。",
    )
    assert result.kind == "policy_document"
    assert result.speakers == []
    assert result.occasion == "第十届全国人民代表大会常务委员会第二十八次会议"


def test_interview_occasion_and_day() -> None:
    result = article(
        "法国大罢工",
        "新华社巴黎12月9日电（记者唐霁）法国9日再次爆发全国跨行业大罢工，首都巴黎交通几乎完全瘫痪。",
        "9日的罢工是继5日大罢工后工会发起的第二轮行动，大巴黎地区多条地铁线路停运，公交发车减半。",
        "法国各工会号召10日继续举行罢工及游行，预计交通、教育等多个行业都将受到影响。",
        "法国总理菲利普8日在接受法国《星期日报》采访时表示，将推进改革。",
        "其他城市交通也受到影响，多所学校停课，铁路运力仅为平日两成，航空公司取消了部分航班。",
    )
    assert result.kind == "news"  # one official's sentence does not make a speech report
    assert result.speaker_names == ["菲利普"]
    assert result.occasion == "接受法国《星期日报》采访"
    assert result.place is None  # the dateline is where the reporter filed, a day after the interview
    assert result.spoken_on == date(2023, 12, 8)


# ---- negatives: who is never a speaker ------------------------------------------------------------------


def test_reporter_in_the_dateline_is_not_a_speaker() -> None:
    result = article(
        "政务服务迈上新台阶",
        "本报北京5月9日电（记者张华）记者从国家数据局获悉，政务数据共享取得新进展。",
        "张华介绍，今年以来共享调用量大幅增长。",
        authors=("张华",),
    )
    assert result.speakers == []


def test_editor_is_not_a_speaker() -> None:
    result = article("数据共享", "责任编辑李明表示，本文有删节。", editors=("李明",))
    assert result.speakers == []


def test_person_merely_mentioned_is_not_a_speaker() -> None:
    result = article(
        "座谈会召开",
        "座谈会由省政府副省长陈东主持，国家发展改革委副主任王平参加会议。",
        "会议听取了各地工作汇报，研究部署下一步工作。",
    )
    assert result.speakers == []


def test_non_official_quoted_is_not_a_speaker() -> None:
    result = article("武汉加油", "钟南山院士说：“武汉肯定能过关。”", "市民刘强表示，相信能挺过去。")
    assert result.speakers == []


def test_industry_heads_speaking_at_a_forum_are_speakers() -> None:
    result = article(
        "数字政府产业峰会举行",
        "6月14日，数字政府产业峰会在云溪市举行。",
        "云溪数科集团有限公司董事长任泽宇表示，公司将开放更多政务场景。",
        "北原云图科技股份有限公司总裁庞锐指出，数据要素市场潜力巨大。",
    )
    assert [(s.name, s.role, s.org) for s in result.speakers] == [
        ("任泽宇", "董事长", "云溪数科集团有限公司"),
        ("庞锐", "总裁", "北原云图科技股份有限公司"),
    ]


def test_an_unnamed_official_is_a_speaker_by_post_and_body() -> None:
    result = article("国家发展改革委有关负责人就《意见》答记者问", "国家发展改革委有关负责人就《意见》答记者问。")
    assert [(s.name, s.role, s.org_as_written) for s in result.speakers] == [(None, "有关负责人", "国家发展改革委")]
    assert result.speakers[0].label == "国家发展改革委有关负责人"


def test_a_collective_phrase_does_not_add_a_speaker_beside_the_named_officials() -> None:
    result = article(
        "发布会",
        "国务院新闻办举行发布会，河南省有关负责同志介绍了相关情况。",
        "河南省省长王凯说，河南实现了由传统农业大省向新兴工业大省转变。",
    )
    assert [s.name for s in result.speakers] == ["王凯"]


def test_he_said_right_after_a_named_official_is_the_officials() -> None:
    result = article("报告发布", "江东大学数字政府研究院院长宁致远发布了年度报告。他指出，县级数据治理能力仍是短板。")
    assert [s.name for s in result.speakers] == ["宁致远"]


def test_anonymised_person_is_not_a_speaker() -> None:
    result = article("案件通报", "经查，某公司董秘罗某表示，消息属实。", "局长王某称，将依法处理。")
    assert result.speakers == []


def test_news_without_officials() -> None:
    result = article(
        "联合国报告称全球仍有6.55亿人用不上电", "报告说，若不采取紧急行动，目标将无法实现。", "报告指出，进展令人鼓舞。"
    )
    assert result.kind == "news"
    assert result.speakers == [] and result.occasion is None and result.place is None


# ---- the registry ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("工信部信软司", "工业和信息化部信息化和软件服务业司"),
        ("工信部", "工业和信息化部"),
        ("网信办", "国家互联网信息办公室"),
        ("国家网信办", "国家互联网信息办公室"),
        ("工信部电子信息司", "工业和信息化部电子信息司"),  # a known ministry with a department it does not list
        ("河南省发展改革委", "河南省发展改革委"),  # provincial bodies are kept as written
        ("信软司", "信软司"),  # a department abbreviation alone is ambiguous across ministries
    ],
)
def test_registry_normalises_abbreviations(written: str, normalised: str) -> None:
    assert default_registry().normalise(written) == normalised


def test_registry_ships_its_starter_list() -> None:
    registry = default_registry()
    ministry = registry.resolve("工信部")
    assert ministry is not None and ministry.name == "工业和信息化部"
    department = registry.resolve("工信部信软司")
    assert department is not None and department.parent == "工业和信息化部"
    assert len(registry.organisations) >= 50


def test_post_after_the_name() -> None:
    result = article(
        "会议召开",
        "会议在北京召开，各地代表参加。",
        "王毅部长表示，中方愿同各方加强合作。王毅部长强调，要坚持多边主义。王毅部长指出，合作是唯一正确选择。",
    )
    assert speakers(result) == [("王毅", "部长", None)]


def test_question_and_answer_turns_make_a_press_conference() -> None:
    result = article(
        "国家统计局新闻发言人就4月份国民经济运行情况答记者问",
        "国家统计局新闻发言人付凌晖就4月份国民经济运行情况答记者问。",
        "问：如何看待4月份经济运行？",
        "答：4月份，国民经济延续恢复向好态势。",
    )
    assert result.kind == "press_conference"
    assert speakers(result) == [("付凌晖", "新闻发言人", "国家统计局")]


@pytest.mark.parametrize(
    "headline", ["江西：政务服务“一网通办”全覆盖", "商务部：前4月外贸平稳增长", "安徽：数字政府建设提速"]
)
def test_a_place_or_body_in_a_colon_headline_is_not_a_speaker(headline: str) -> None:
    result = article(headline, "今年以来，各地政务服务事项网上可办率稳步提升，群众办事更加便利。")
    assert result.speakers == []


def test_later_posts_in_departments_of_the_first_body() -> None:
    result = article(
        "工信部：今年将推动5G规模化应用",
        "工业和信息化部新闻发言人、运行监测协调局局长陶青在发布会上表示，要加快5G建设。",
        "陶青介绍，截至去年底，5G基站总数大幅增长。",
        "陶青说，将深入推进5G应用。",
    )
    assert speakers(result) == [("陶青", "新闻发言人、运行监测协调局局长", "工业和信息化部")]
    assert result.kind == "speech_report"


def test_leader_named_in_jieba_s_dictionary() -> None:
    result = article(
        "习近平在中共中央政治局第十一次集体学习时强调 加快发展新质生产力",
        "新华社北京2月1日电 中共中央政治局1月31日下午进行第十一次集体学习。中共中央总书记习近平在主持学习时强调，"
        "发展新质生产力是推动高质量发展的内在要求。",
    )
    assert speakers(result) == [("习近平", "总书记", "中共中央")]
    assert result.kind == "speech_report"
    assert result.occasion == "中共中央政治局第十一次集体学习"


# ---- where and when: one lead shape per test ------------------------------------------------------------


def test_an_editors_note_opening_with_the_meeting_gives_occasion_place_and_day() -> None:
    result = article(
        "贺思远在江东省政务数据共享工作会议上的讲话",
        "编者按：5月6日，江东省政务数据共享工作会议在云溪市召开。江东省政务服务数据管理局局长贺思远出席会议并讲话。",
        "同志们：",
    )
    assert (result.occasion, result.place, str(result.spoken_on)) == (
        "江东省政务数据共享工作会议",
        "云溪市",
        "2024-05-06",
    )


def test_a_body_holding_an_event_on_a_day_at_a_place() -> None:
    result = article(
        "吹风会",
        "国务院新闻办公室于2024年5月8日（星期三）下午3时在国务院新闻办新闻发布厅举行国务院政策例行吹风会，"
        "请国家数据局副局长蒋立衡介绍有关情况。",
    )
    assert result.occasion and "国务院政策例行吹风会" in result.occasion
    assert (result.place, str(result.spoken_on)) == ("国务院新闻办新闻发布厅", "2024-05-08")


def test_an_occasion_opening_the_sentence() -> None:
    result = article(
        "大会开幕", "5月3日，在第二届全球IC企业家大会开幕式上，中国半导体行业协会副理事长魏少军指出，产业结构仍需优化。"
    )
    assert (result.occasion, str(result.spoken_on)) == ("第二届全球IC企业家大会开幕式", "2024-05-03")


def test_yesterday_in_the_lead_is_the_day_before_publication() -> None:
    result = article("营商环境", "记者从昨天召开的江东省优化营商环境大会上获悉，江东省将再推出一百项改革举措。")
    assert (result.occasion, str(result.spoken_on)) == ("江东省优化营商环境大会", "2024-05-09")


def test_today_after_a_dateline_is_the_datelines_day() -> None:
    result = article(
        "大会开幕",
        "中国网信网5月8日电 今天上午，第三届政务网络安全创新大会在北原市开幕。"
        "国家互联网信息办公室副主任许嘉言出席开幕式并致辞。",
    )
    assert (result.occasion, result.place, str(result.spoken_on)) == (
        "第三届政务网络安全创新大会",
        "北原市",
        "2024-05-08",
    )


def test_a_closing_note_makes_an_excerpt_and_says_where_it_was_given() -> None:
    result = article(
        "程立夫：让公共数据用得好",
        "公共数据是政府部门和公共机构在依法履职过程中产生的数据，具有规模大、价值高的特点。",
        "（本文根据国家数据局局长程立夫5月2日在2024公共数据开发利用大会上的讲话摘编）",
    )
    assert (result.kind, result.occasion, str(result.spoken_on)) == (
        "speech_excerpt",
        "2024公共数据开发利用大会",
        "2024-05-02",
    )


def test_a_leader_chairing_a_meeting_in_a_city_gives_the_place() -> None:
    result = article(
        "李明主持召开深入推进区域一体化发展座谈会",
        "新华社上海5月9日电 国务院副总理李明9日上午在上海主持召开深入推进区域一体化发展座谈会并发表重要讲话。",
    )
    assert (result.occasion, result.place, str(result.spoken_on)) == (
        "深入推进区域一体化发展座谈会",
        "上海",
        "2024-05-09",
    )


def test_a_provincial_party_secretary_and_a_deputy_consul_general() -> None:
    result = article(
        "推介会",
        "江东省委书记韦宏图在会上强调，营商环境就是生产力。",
        "中国驻圣保罗总领馆副总领事王立新表示，将为企业合作牵线搭桥。",
    )
    assert [(s.name, s.role, s.org) for s in result.speakers] == [
        ("韦宏图", "省委书记", "江东省"),
        ("王立新", "副总领事", "中国驻圣保罗总领馆"),
    ]


def test_an_enterprises_whole_name_is_its_org_even_with_verbs_inside() -> None:
    result = article(
        "广交会",
        "浙江创新激光设备有限公司总经理彭学舟表示，今年计划在德国成立合资公司。",
        "国务院发展研究中心对外经济研究部综合研究室主任赵福军指出，外贸韧性较强。",
    )
    assert [(s.name, s.org) for s in result.speakers] == [
        ("彭学舟", "浙江创新激光设备有限公司"),
        ("赵福军", "国务院发展研究中心对外经济研究部综合研究室"),
    ]


def test_an_official_acted_on_is_not_an_unnamed_speaker() -> None:
    result = article("整改", "市纪委约谈该企业主要负责人并提出整改要求。", "市市场监管局责令该企业主要负责人说明情况。")
    assert result.speakers == []


def test_he_said_goes_to_the_sentences_first_named_official() -> None:
    result = article("会见", "江东省省长王凯会见了国家数据局局长程立夫一行。他指出，数据要素市场潜力巨大。")
    evidence = {s.name: s.rule for s in result.speakers}
    assert evidence.get("王凯") == "lead:他指出 (X just named)"


def test_a_meeting_or_a_medium_is_not_a_place() -> None:
    result = article("会议", "副省长李明在省政府常务会议上主持研究有关工作。", "市长张强在线上出席签约仪式并致辞。")
    assert result.place is None


def test_the_words_before_an_enterprises_place_name_are_not_its_name() -> None:
    result = article("外贸", "记者了解到浙江创新激光设备有限公司总经理彭学舟表示，今年订单饱满。")
    assert [(s.name, s.org) for s in result.speakers] == [("彭学舟", "浙江创新激光设备有限公司")]


def test_some_titles_still_do_not_make_a_speaker() -> None:
    result = article("创业", "公司创始人刘强表示，产品将于年内上市。", "门店经理王芳说，客流明显增加。")
    assert result.speakers == []


# ---- speech forms added for pages of unknown templates (generated examples, fictional people) ---------------


def test_a_speaker_who_shared_or_presented_something_at_a_forum_is_a_speaker() -> None:
    result = article(
        "数字政府峰会在云溪举行",
        "北原软件有限公司总经理柯然在分论坛上分享了基层报表减负的实践，“同样的数据只填一次”。",
    )
    assert speakers(result) == [("柯然", "总经理", "北原软件有限公司")]


def test_words_quoted_after_a_colon_make_the_person_a_speaker() -> None:
    result = article(
        "外贸企业信心足",
        "云溪数科集团有限公司董事长任泽宇表示，订单已排到年底。",
        "北原激光设备有限公司总经理严松：“今年还要在海外设立研发中心。”",
    )
    assert [name for name, _, _ in speakers(result)] == ["任泽宇", "严松"]
    # Only a colon right after the name (and a few words of manner) opens quoted words; a list of names is not.
    listed = article("名单", "参会人员有云溪市市长孟晓川、北原市市长任泽宇等：会议议程另行通知。")
    assert speakers(listed) == []


def test_a_leaders_important_article_presents_him_and_his_words_count() -> None:
    result = article(
        "新年伊始，孟晓川的重要文章谈了啥？",
        "1月1日出版的《江东》杂志发表孟晓川书记重要文章《坚持和完善制度》。",
        "孟晓川在文章中指出，全会通过的决定是一篇纲领性文献。",
    )
    assert result.kind == "speech_report"
    assert speakers(result) == [("孟晓川", "书记", None)]


def test_a_foreign_legislators_statement_is_a_speech_report() -> None:
    result = article(
        "外国官员回应事故",
        "据报道，北原国参议院多数党领袖柯然表示，已从情报部门获悉，没有证据表明存在蓄意行为。他称调查仍在进行中。",
    )
    assert result.kind == "speech_report"
    assert speakers(result) == [("柯然", "多数党领袖", "北原国参议院")]


def test_a_document_relayed_as_news_is_a_policy_document() -> None:
    result = article(
        "江东省联防机制：重点地区要严格管控",
        "新华社云溪2月29日电 2月28日，江东省联防联控机制印发《关于进一步落实分区分级防控策略的通知》"
        "（以下简称《通知》），作出部署安排。",
        "重点地区要全面加强管控，继续实施严格措施。",
        "《通知》强调，各地区要突出重点、统筹兼顾、分类指导。",
    )
    assert result.kind == "policy_document"
    # The same lead with an official's words carried is a report on them, not the document.
    spoken = article(
        "江东省联防机制：重点地区要严格管控",
        "2月28日，江东省联防联控机制印发《关于进一步落实分区分级防控策略的通知》。",
        "江东省卫生健康委主任严松表示，各地要加强管控。",
        "《通知》强调，各地区要突出重点。",
        "严松指出，要分类指导。",
        "严松强调，要统筹兼顾。",
    )
    assert spoken.kind == "speech_report"


def test_an_event_abroad_dated_in_local_time_gives_occasion_place_and_day() -> None:
    result = article(
        "江东品牌丝路行南美站启动",
        "跨越千山万水，江东品牌丝路行首次登陆北原国。当地时间5月8日下午，2024年江东品牌丝路行（南美站）活动在北原国青澜市正式启动，"
        "并举办经贸投资推介会。",
        "江东省贸促会会长柯然介绍，两地合作潜力巨大。",
    )
    assert result.occasion == "2024年江东品牌丝路行（南美站）活动"
    assert result.place == "北原国青澜市"
    assert result.spoken_on == date(2024, 5, 8)
