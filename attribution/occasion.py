"""Where and when: the occasion (meeting, forum, interview), the place and the day the words were spoken."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from attribution.text import ArticleText
from extraction.dates import find_date
from ground.speech import Finding

_MONTH_DAY = r"(?:(?:[0-9]{4}年)?[0-9]{1,2}月)?[0-9]{1,2}日"
_PART_OF_DAY = r"(?:今天|今日|昨天|昨日|前天)?(?:上午|下午|晚上|晚间|晚|早上|中午)?(?:[0-9]{1,2}时(?:[0-9]{1,2}分)?)?"
_DAY_WORD = r"今天|今日|昨天|昨日|前天"
_DAY_OFFSET = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
# 福州4月23日电, 本报北京11月25日电 （记者何畅、钟思远）, 新华社巴黎12月9日电（记者唐霁）
_DATELINE = re.compile(
    r"^(?P<prefix>(?:本报|人民网|新华网|新华社|中新网|中新社|央视网|光明网|中国日报网|[\u4e00-\u9fff]{2,6}(?:网|社|报))?)\s*"
    r"(?P<place>[\u4e00-\u9fff]{2,8}?)(?P<date>[0-9]{1,2}月[0-9]{1,2}日)电\s*(?:[（(][^）)]{0,30}[）)])?\s*"
)
_ABBREVIATED_PLACES = {"京": "北京", "沪": "上海", "津": "天津", "渝": "重庆", "穗": "广州", "蓉": "成都", "榕": "福州"}
_ONLINE = re.compile(r"线上|视频会议|网上|云端|以视频方式|视频连线")
_EVENT = (
    r"(?:会议|大会|论坛|分论坛|峰会|座谈会|研讨会|推进会|发布会|新闻发布会|工作会|年会|博览会|开幕式|闭幕式|仪式|活动"
    r"|交流会|培训班|报告会|推介会|洽谈会|吹风会|通气会|见面会|恳谈会|对接会|招待会|启动仪式|揭牌仪式|典礼|会)"
)

_HELD_AT = re.compile(
    rf"^(?P<occasion>[^，。；]{{4,80}}?{_EVENT}(?:“[^”]{{1,40}}”)?)(?P<when>{_MONTH_DAY})?{_PART_OF_DAY}"
    r"在(?P<place>[\u4e00-\u9fff]{1,20}?)(?:隆重|正式)?(?:举行|召开|开幕|闭幕|举办|启幕|启动)"
)
_DATE_HELD = re.compile(
    rf"^(?P<when>{_MONTH_DAY}){_PART_OF_DAY}，(?P<occasion>[^，。；]{{4,80}}?)(?:在(?P<place>[\u4e00-\u9fff]{{1,20}}?))?"
    r"(?:隆重|正式)?(?:举行|召开|开幕|举办|启动|启幕)[。，]"
)
_DATE_ORG_HOLDS = re.compile(
    rf"^(?P<when>{_MONTH_DAY}){_PART_OF_DAY}，(?P<org>[^，。；在]{{2,30}}?)(?:在(?P<place>[\u4e00-\u9fff]{{1,20}}?))?"
    rf"(?:举行|召开|举办)(?:了)?(?P<event>[^，。；]{{2,60}}?{_EVENT})[，。]"
)
_HELD_ON = re.compile(
    rf"(?:在|从)(?P<when>{_MONTH_DAY}|{_DAY_WORD}){_PART_OF_DAY}(?:于[\u4e00-\u9fff]{{1,10}})?(?:举行|召开)的"
    r"(?P<occasion>[^，。；]{4,60}?)上"
)
# 国务院新闻办公室于2025年5月30日（星期五）下午3时在国务院新闻办新闻发布厅举行国务院政策例行吹风会
_ORG_ON_DATE_HOLDS = re.compile(
    rf"^(?P<org>[^，。；在于]{{2,30}}?)于(?P<when>{_MONTH_DAY})(?:[（(][^）)]{{1,6}}[）)])?{_PART_OF_DAY}"
    r"(?:在(?P<place>[^，。；]{1,20}?))?(?:举行|召开|举办)(?:了)?"
    rf"(?P<event>[^，。；]{{2,60}}?{_EVENT})"
)
# 9月3日，在第二届全球IC企业家大会…开幕式上，X…: the occasion opens the sentence.
_AT_OCCASION_OPENING = re.compile(
    rf"^(?P<when>{_MONTH_DAY})?{_PART_OF_DAY}[，,]?在(?P<occasion>[^，。；“”]{{4,80}}?{_EVENT})(?:上|期间)[，,]"
)
# （本文根据…5月22日在2025公共数据开发利用大会上的讲话摘编）: a speech's note on where it was given.
_SOURCE_NOTE = re.compile(
    rf"(?P<when>{_MONTH_DAY})?在(?P<occasion>[^，。；“”（）()]{{4,60}}?{_EVENT})上的(?:讲话|发言|致辞|演讲|报告)"
)
_AT_OCCASION = re.compile(
    rf"(?P<when>{_MONTH_DAY})?在(?P<occasion>[^，。；“”]{{3,50}}?)(?:上|时|期间)(?:发表)?(?:表示|指出|强调|讲话|致辞|说|介绍|发言)"
)
_TOUR = re.compile(
    rf"(?P<when>{_MONTH_DAY}(?:至{_MONTH_DAY})?)?{_PART_OF_DAY}在(?P<place>[\u4e00-\u9fff]{{2,10}}?)"
    r"(?P<what>调研|考察|视察|检查|主持召开|出席|主持)"
)
_NOT_A_PLACE = re.compile(r"(?:上|中|期间|会|会议|线)$")
# The words that say a tour, not a meeting: an occasion of their own (在上海调研).
_TOUR_WORDS = ("调研", "考察", "视察", "检查")
_ADOPTED = re.compile(r"[（(](?P<when>[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日)(?P<occasion>.{4,60}?会议)通过[）)]")
_HEADLINE_AT = re.compile(
    r"在(?P<occasion>.{2,60}?)(?:上|时)的?(?:讲话|致辞|发言|演讲|报告|强调|指出|表示)"
    rf"|(?:主持召开|出席)(?P<event>[^，。；：:]{{2,60}}?{_EVENT})"
)
_OWN_DATE = re.compile(r"^[（(](?P<when>[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日)[）)]$")


@dataclass
class Dateline:
    place: str
    day: date | None
    text: str


def dateline(article: ArticleText) -> Dateline | None:
    """The report's dateline (where and when it was filed), read off the lead paragraph."""
    match = _DATELINE.match(article.lead)
    if not match:
        return None
    return Dateline(match.group("place"), _day(match.group("date"), article.published_at), match.group())


def _day(text: str | None, published: datetime | None, reference: date | None = None) -> date | None:
    """A stated day: a full date, M月D日 (the latest such day not after the reference), or D日 (in the
    reference's month, or the month before when the day is later)."""
    if not text or published is None:
        return None
    ref = reference or published.date()
    if text in _DAY_OFFSET:
        return ref - timedelta(days=_DAY_OFFSET[text])
    if "月" in text:
        found = find_date(text, now=published)
        return found.value.date() if found else None
    day = int(text.rstrip("日"))
    if day > 31:
        return None
    try:
        if day <= ref.day:
            return ref.replace(day=day)
        previous = ref.replace(day=1) - timedelta(days=1)
        return previous.replace(day=day)
    except ValueError:
        return None


def _strip_lead(text: str) -> str:
    """The sentence without its dateline and byline: the occasion is what follows them."""
    match = _DATELINE.match(text)
    text = text[match.end() :] if match else text
    text = re.sub(r"^(?:编者按|编者的话)\s*[:：]\s*", "", text)
    text = re.sub(r"^(?:当地时间|北京时间)\s*", "", text)  # an event abroad dated in its own time zone
    return re.sub(rf"^(?:(?:近日|日前|{_DAY_WORD})?{_PART_OF_DAY}[，,]|[（(][^）)]{{0,20}}[）)])\s*", "", text)


def _place(name: str | None) -> str | None:
    if not name:
        return None
    return _ABBREVIATED_PLACES.get(name, name)


@dataclass
class WhereWhen:
    occasion: Finding | None = None
    place: Finding | None = None
    spoken_on: tuple[date, Finding] | None = None


def find_where_when(article: ArticleText, kind: str) -> WhereWhen:
    """Occasion, place and day: the headline first, then the lead, then the first paragraphs."""
    found = WhereWhen()
    published = article.published_at
    line = dateline(article)
    reference = line.day if line else None

    def set_day(text: str | None, evidence: str, rule: str) -> None:
        if found.spoken_on is None and text and "至" not in text:
            day = _day(text, published, reference)
            if day is not None:
                found.spoken_on = (day, Finding(day.isoformat(), evidence, rule))

    headline = _HEADLINE_AT.search(article.title)
    if headline:
        value = headline.group("occasion") or headline.group("event")
        found.occasion = Finding(value, article.title, "occasion:headline 在…上的讲话")
    last = len(article.paragraphs) - 2
    originals = {_strip_lead(s.text): s.text for s in article.sentences() if 0 <= s.paragraph < 6}
    sentences = list(originals)
    notes = [s.text for s in article.sentences() if s.paragraph >= max(1, last)]
    lead = lead_index(article)
    lead_sentences = [_strip_lead(s.text) for s in article.sentences() if s.paragraph == lead]
    for sentence in sentences:
        for pattern, rule in (
            (_HELD_AT, "occasion:…在X举行"),
            (_HELD_ON, "occasion:在…举行的…上"),
            (_ORG_ON_DATE_HOLDS, "occasion:X于日期在Y举行…"),
            (_AT_OCCASION_OPENING, "occasion:日期，在…上"),
            (_DATE_ORG_HOLDS, "occasion:日期，X举行…"),
            (_DATE_HELD, "occasion:日期，…举行"),
            (_ADOPTED, "occasion:…会议通过"),
        ):
            match = pattern.search(sentence)
            if not match:
                continue
            groups = match.groupdict()
            occasion = (groups.get("org") or "") + (groups.get("event") or groups.get("occasion") or "")
            if found.occasion is None:
                found.occasion = Finding(occasion, sentence, rule)
            if found.place is None and groups.get("place") and not _ONLINE.search(occasion):
                found.place = Finding(_place(groups["place"]) or "", sentence, rule.replace("occasion", "place"))
            when = groups.get("when")
            if when is None and re.search(r"今天|今日", originals.get(sentence, sentence)) and reference:
                found.spoken_on = (reference, Finding(reference.isoformat(), sentence, "spoken_on:今天 + dateline"))
            set_day(when, sentence, "spoken_on:" + rule.split(":", 1)[1])
            break
        if found.occasion and found.occasion.rule != "occasion:headline 在…上的讲话":
            break
    for sentence in sentences:
        tour = _TOUR.search(sentence)
        if tour and (_NOT_A_PLACE.search(tour.group("place")) or _ONLINE.search(tour.group("place"))):
            tour = None  # 在省政府常务会议上主持, 在线上出席: a meeting or a medium, not a place
        if found.place is None and tour:
            found.place = Finding(tour.group("place"), sentence, "place:在X调研")
            if found.occasion is None and tour.group("what") in _TOUR_WORDS:
                found.occasion = Finding(tour.group("place") + tour.group("what"), sentence, "occasion:在X调研")
            set_day(tour.group("when"), sentence, "spoken_on:在X调研")
        if found.occasion is None and (at := _AT_OCCASION.search(sentence)) and len(at.group("occasion")) > 2:
            found.occasion = Finding(at.group("occasion"), sentence, "occasion:在…时表示")
            set_day(at.group("when"), sentence, "spoken_on:在…时表示")
    for sentence in notes if found.occasion is None else ():
        if note := _SOURCE_NOTE.search(sentence):
            found.occasion = Finding(note.group("occasion"), sentence, "occasion:…在X上的讲话（整理）")
            set_day(note.group("when"), sentence, "spoken_on:…在X上的讲话（整理）")
            break
    if kind == "press_conference" and found.occasion is None and "发布会" in article.title:
        found.occasion = Finding(article.title, article.title, "occasion:conference headline")
    for paragraph in article.paragraphs[:3]:
        own = _OWN_DATE.match(paragraph.strip())
        if own and kind in ("speech_full_text", "speech_excerpt"):
            set_day(own.group("when"), paragraph, "spoken_on:（date） line")
    # The dateline says where the reporter filed; it is where the words were spoken only when the lead reports
    # an event that was not online and that took place on the dateline's day.
    if (
        found.place is None
        and line is not None
        and found.occasion is not None
        and found.occasion.evidence in lead_sentences
        and not _ONLINE.search(found.occasion.value)
        and (found.spoken_on is None or found.spoken_on[0] == line.day)
    ):
        found.place = Finding(_place(line.place) or line.place, line.text, "place:dateline of the event's report")
    if (
        found.spoken_on is None
        and line is not None
        and line.day
        and found.occasion is not None
        and found.occasion.evidence in lead_sentences
    ):
        found.spoken_on = (line.day, Finding(line.day.isoformat(), line.text, "spoken_on:dateline"))
    return found


def lead_index(article: ArticleText) -> int:
    for index, paragraph in enumerate(article.paragraphs):
        if len(paragraph) >= 20:
            return index
    return 0
