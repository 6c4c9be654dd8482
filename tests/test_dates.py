"""Tests of the date parser: every format the crawled sites print, URL dates, plausibility flags, noise."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.dates import (
    SHANGHAI,
    DateParseError,
    ParsedDate,
    check_plausible,
    date_from_url,
    find_date,
    from_epoch_ms,
    parse_date,
)

# A fixed "now" for everything relative: Friday 2024-05-10 12:00 in Shanghai.
NOW = datetime(2024, 5, 10, 12, 0, tzinfo=SHANGHAI)


Precision = Literal["day", "minute", "second"]


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


# ---------------------------------------------------------------------------------------------------------
# parse_date: the table

ABSOLUTE = [
    ("2018-05-04", sh(2018, 5, 4), "day"),
    ("2018-05-04 08:37", sh(2018, 5, 4, 8, 37), "minute"),
    ("2018-05-04 08:37:12", sh(2018, 5, 4, 8, 37, 12), "second"),
    ("2018-5-4 8:37", sh(2018, 5, 4, 8, 37), "minute"),
    ("2018-05-04T08:37:12+08:00", sh(2018, 5, 4, 8, 37, 12), "second"),
    ("2018-05-04T08:37:12Z", sh(2018, 5, 4, 16, 37, 12), "second"),
    ("2018-05-04T08:37:12.345+0800", sh(2018, 5, 4, 8, 37, 12), "second"),
    ("2018-05-03T20:37:12-04:00", sh(2018, 5, 4, 8, 37, 12), "second"),
    ("2018-05-04T08:37Z", sh(2018, 5, 4, 16, 37), "minute"),
    ("2018-05-04 08:37:12.0", sh(2018, 5, 4, 8, 37, 12), "second"),  # Java Timestamp.toString()
    ("2018-05-04-08:37:12", sh(2018, 5, 4, 8, 37, 12), "second"),  # gov.cn firstpublishedtime meta
    ("2007-08-20-23:59:59", sh(2007, 8, 20, 23, 59, 59), "second"),
    ("2018年05月04日08:37", sh(2018, 5, 4, 8, 37), "minute"),  # people.com.cn header
    ("2018年5月4日 08:37", sh(2018, 5, 4, 8, 37), "minute"),
    ("2018年05月04日 08:37:12", sh(2018, 5, 4, 8, 37, 12), "second"),
    ("2018年5月4日", sh(2018, 5, 4), "day"),
    ("2018 年 5 月 4 日", sh(2018, 5, 4), "day"),
    ("2018年05月04日 08时37分", sh(2018, 5, 4, 8, 37), "minute"),
    ("2018/5/4", sh(2018, 5, 4), "day"),
    ("2018/05/04 08:37", sh(2018, 5, 4, 8, 37), "minute"),
    ("2018.05.04", sh(2018, 5, 4), "day"),
    ("20180504", sh(2018, 5, 4), "day"),
    ("2025/09/26 13:39:09", sh(2025, 9, 26, 13, 39, 9), "second"),  # cac.gov.cn
    ("2024 05/09 10:12", sh(2024, 5, 9, 10, 12), "minute"),  # xinhua split header, year on its own line
    ("2024\n05/09 10:12:30", sh(2024, 5, 9, 10, 12, 30), "second"),
    # Full-width digits and punctuation, ideographic and non-breaking spaces, a literal &nbsp;.
    ("２０１８－０５－０４　０８：３７", sh(2018, 5, 4, 8, 37), "minute"),
    ("２０１８年５月４日", sh(2018, 5, 4), "day"),
    ("2018／05／04", sh(2018, 5, 4), "day"),
    ("2018-05-04\xa008:37", sh(2018, 5, 4, 8, 37), "minute"),
    ("2018-05-04&nbsp;08:37", sh(2018, 5, 4, 8, 37), "minute"),
    ("  2018-05-04 08:37  ", sh(2018, 5, 4, 8, 37), "minute"),
    # A label or a source around the date is still "mostly a date".
    ("发布时间：2018-05-04 08:37", sh(2018, 5, 4, 8, 37), "minute"),
    ("2024年05月10日06:58 | 来源：人民网-人民日报", sh(2024, 5, 10, 6, 58), "minute"),
    ("1990-01-01", sh(1990, 1, 1), "day"),
    ("2100-12-31", sh(2100, 12, 31), "day"),
    ("2024-02-29", sh(2024, 2, 29), "day"),
]

RELATIVE = [
    ("05-04 08:37", sh(2024, 5, 4, 8, 37), "minute"),
    ("5/4 08:37", sh(2024, 5, 4, 8, 37), "minute"),
    ("05-04 08:37:12", sh(2024, 5, 4, 8, 37, 12), "second"),
    ("5月4日", sh(2024, 5, 4), "day"),
    ("5月4日 08:37", sh(2024, 5, 4, 8, 37), "minute"),
    ("5月12日", sh(2024, 5, 12), "day"),  # two days ahead: clock skew, still this year
    ("5月13日", sh(2023, 5, 13), "day"),  # more than two days ahead: last year's
    ("12-31 23:00", sh(2023, 12, 31, 23, 0), "minute"),
    ("今天 08:37", sh(2024, 5, 10, 8, 37), "minute"),
    ("今天08:37", sh(2024, 5, 10, 8, 37), "minute"),
    ("昨天 08:37", sh(2024, 5, 9, 8, 37), "minute"),
    ("前天 23:59:59", sh(2024, 5, 8, 23, 59, 59), "second"),
    ("今天", sh(2024, 5, 10), "day"),
    ("昨天", sh(2024, 5, 9), "day"),
    ("前天", sh(2024, 5, 8), "day"),
    ("刚刚", sh(2024, 5, 10, 12, 0), "minute"),
    ("30秒前", sh(2024, 5, 10, 11, 59, 30), "second"),
    ("5分钟前", sh(2024, 5, 10, 11, 55), "minute"),
    ("5 分钟前", sh(2024, 5, 10, 11, 55), "minute"),
    ("3小时前", sh(2024, 5, 10, 9, 0), "minute"),
    ("13小时前", sh(2024, 5, 9, 23, 0), "minute"),
    ("2天前", sh(2024, 5, 8), "day"),
    ("10天前", sh(2024, 4, 30), "day"),
]


@pytest.mark.parametrize(("text", "value", "precision"), ABSOLUTE + RELATIVE)
def test_parse_date(text: str, value: datetime, precision: Precision) -> None:
    parsed = parse_date(text, now=NOW)
    assert parsed == ParsedDate(value, precision)
    assert parsed.value.tzinfo is SHANGHAI


@pytest.mark.parametrize(("text", "value", "precision"), ABSOLUTE)
def test_absolute_dates_ignore_now(text: str, value: datetime, precision: Precision) -> None:
    expected = ParsedDate(value, precision)
    assert parse_date(text) == parse_date(text, now=datetime(1999, 1, 1)) == expected


def test_month_day_in_january_belongs_to_last_year() -> None:
    assert parse_date("12-31 23:00", now=sh(2024, 1, 1, 0, 30)).value == sh(2023, 12, 31, 23, 0)
    assert parse_date("01-01 00:10", now=sh(2024, 1, 1, 0, 30)).value == sh(2024, 1, 1, 0, 10)


def test_february_29_without_year_steps_back_to_a_leap_year() -> None:
    assert parse_date("2月29日", now=sh(2025, 3, 1)).value == sh(2024, 2, 29)


def test_naive_and_aware_now_agree() -> None:
    naive = datetime(2024, 5, 10, 12, 0)
    utc = datetime(2024, 5, 10, 4, 0, tzinfo=UTC)
    for text in ["3小时前", "昨天 08:37", "05-04 08:37", "刚刚"]:
        assert parse_date(text, now=naive) == parse_date(text, now=utc) == parse_date(text, now=NOW)


def test_default_now_is_the_current_time_in_shanghai() -> None:
    with time_machine.travel(datetime(2024, 5, 10, 4, 0, tzinfo=UTC), tick=False):
        assert parse_date("刚刚") == ParsedDate(sh(2024, 5, 10, 12, 0), "minute")
        assert parse_date("今天 08:37").value == sh(2024, 5, 10, 8, 37)
        assert find_date("更新于 2小时前") == ParsedDate(sh(2024, 5, 10, 10, 0), "minute")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "no date here",
        "来源：人民网",
        "08:37",
        "2018-13-04",  # month 13
        "2018-00-10",
        "2018-02-30",  # not a calendar day
        "2023-02-29",
        "2018年13月1日",
        "2018-05-04 24:00",
        "2018-05-04 08:60",
        "2018-05-04 08:37:61",
        "1989-12-31",  # before 1990
        "2101-01-01",
        "0000-01-01",
        "9999-12-31",
        "19891231",
        "2018-05",  # a month is not a date
        "2018年5月",
        "201805",
        "1544227200000",  # epoch milliseconds are for from_epoch_ms
        "5-4",  # a month-day with dashes needs a time: this could be a score
        "2018-05-04 2018-05-05",  # two dates is not "a date"
        "第3版 2018-05-04",
        "99999天前",
        "2018-05-04T08:37:12+25:00",
        "2018/05-04",
        "今天是个好日子，我们去公园散步，看见许多孩子在放风筝，老人们在下棋，非常热闹，一直玩到晚上才回家",
    ],
)
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(DateParseError):
        parse_date(text, now=NOW)


def test_date_parse_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="1989"):
        parse_date("1989-06-01")


# ---------------------------------------------------------------------------------------------------------
# find_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024年05月10日06:58 | 来源：人民网", ParsedDate(sh(2024, 5, 10, 6, 58), "minute")),
        ("来源:人民网 更新时间:2018-05-04", ParsedDate(sh(2018, 5, 4), "day")),
        # The dateline's "5月9日" has no year; the full stamp after it wins.
        ("新华社北京5月9日电 2024-05-09 22:27:02 来源：新华网", ParsedDate(sh(2024, 5, 9, 22, 27, 2), "second")),
        ("新华社北京5月9日电", ParsedDate(sh(2024, 5, 9), "day")),
        ("发布时间：2016-11-22 09:53 来源：德清县发改局 浏览次数：12", ParsedDate(sh(2016, 11, 22, 9, 53), "minute")),
        ("第3版 2018-13-01（错） 2018-05-06", ParsedDate(sh(2018, 5, 6), "day")),  # skips the invalid one
        ("今天，习近平在北京会见外宾。2018-05-04", ParsedDate(sh(2018, 5, 4), "day")),  # 今天 in prose is a word
        ("刚刚过去的一年里…… 2018-05-04", ParsedDate(sh(2018, 5, 4), "day")),
        ("评论 · 3小时前", ParsedDate(sh(2024, 5, 10, 9, 0), "minute")),
        ("更新于 昨天 08:37", ParsedDate(sh(2024, 5, 9, 8, 37), "minute")),
        ("编号 20180504 的文件", ParsedDate(sh(2018, 5, 4), "day")),
        ("活动时间：2018-05-04 08:00-10:00", ParsedDate(sh(2018, 5, 4, 8, 0), "minute")),  # a range, not a zone
        ("２０２４年５月１０日　０６：５８", ParsedDate(sh(2024, 5, 10, 6, 58), "minute")),
    ],
)
def test_find_date(text: str, expected: ParsedDate) -> None:
    assert find_date(text, now=NOW) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "没有日期的正文。",
        "今天天气很好，昨天也不错，刚刚下过雨。",  # bare relative words are not dates in running text
        "c_1125327450 content_711039",
        "/n1/2018/0504/c1004-123.html",  # eight digits inside a URL are not a token of their own
        "http://www.news.cn/20240509/abc/c.html",
        "电话 20181234",
        "2018-13-45",
        "比分 5-4",
    ],
)
def test_find_date_finds_nothing(text: str) -> None:
    assert find_date(text, now=NOW) is None


# ---------------------------------------------------------------------------------------------------------
# date_from_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://finance.people.com.cn/n1/2024/0510/c1004-40232587.html", date(2024, 5, 10)),
        ("http://gd.people.com.cn/n2/2018/0504/c123932-31537700.html", date(2018, 5, 4)),
        ("http://www.xinhuanet.com/world/2019-12/10/c_1125327450.htm", date(2019, 12, 10)),
        ("http://www.cac.gov.cn/2025-09/26/c_1760000000000000.htm", date(2025, 9, 26)),
        ("http://www.news.cn/politics/leaders/20240509/3dd6e33cc6d749fbaae01fea337ff400/c.html", date(2024, 5, 9)),
        ("https://www.gov.cn/xinwen/2007-06/15/content_1.htm", date(2007, 6, 15)),
        ("http://www.cmse.gov.cn/ztbd/xwfbh/201206/t20120624_43188.html", date(2012, 6, 24)),
        ("http://www.cmse.gov.cn/xwzx/zhxw/202101/t20210106_47506.html", date(2021, 1, 6)),
        ("http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html", date(2016, 11, 22)),
        ("https://news.cctv.com/2026/06/25/ARTIFiTBDMPpFiGg80NaU8s0260625.shtml", date(2026, 6, 25)),
        ("https://news.sina.com.cn/c/2019-11-25/doc-iihnzahi3275702.shtml", date(2019, 11, 25)),
        ("http://money.163.com/15/0704/02/ATL7B8BA00253B0H.html", date(2015, 7, 4)),
        # No day in the URL:
        ("https://www.gov.cn/yaowen/liebiao/202405/content_123.htm", None),
        ("https://www.gov.cn/gongbao/content/2007/content_711039.htm", None),
        ("http://politics.people.com.cn/GB/14562/10339009.html", None),
        ("https://www.gov.cn/", None),
        ("http://www.cmse.gov.cn/xwzx/zhxw/202101/t20211332_47506.html", None),  # not a calendar day
        ("http://example.com/1985-06/15/c_1.htm", None),  # before 1990
        ("http://[::1", None),  # unparsable
        ("", None),
    ],
)
def test_date_from_url(url: str, expected: date | None) -> None:
    assert date_from_url(url) == expected


# ---------------------------------------------------------------------------------------------------------
# check_plausible

PEOPLE_URL = "http://finance.people.com.cn/n1/2024/0510/c1004-40232587.html"
LATER = sh(2024, 6, 1)  # a crawl weeks after publication, so nothing below is "in the future"


def test_plausible_date_has_no_flags() -> None:
    assert check_plausible(sh(2024, 5, 10, 6, 58), url=PEOPLE_URL, now=NOW) == []
    assert check_plausible(datetime(2024, 5, 10, 6, 58), now=NOW) == []  # naive = Shanghai
    assert check_plausible(sh(2024, 5, 11, 11, 59), now=NOW) == []  # within a day ahead: clock skew
    assert check_plausible(sh(2024, 5, 13), url=PEOPLE_URL, now=LATER) == []  # 3 days off the URL is fine


def test_future_date_is_flagged() -> None:
    flags = check_plausible(sh(2024, 5, 11, 12, 1), now=NOW)
    assert len(flags) == 1
    assert flags[0].startswith("in the future: ")


def test_date_far_from_url_is_flagged() -> None:
    flags = check_plausible(sh(2024, 5, 14), url=PEOPLE_URL, now=LATER)
    assert len(flags) == 1
    assert flags[0].startswith("far from the URL date 2024-05-10")
    assert check_plausible(sh(2024, 5, 6), url=PEOPLE_URL, now=NOW)[0].startswith("far from the URL date")


def test_both_flags() -> None:
    flags = check_plausible(sh(2025, 1, 1), url=PEOPLE_URL, now=NOW)
    assert [flag.split(":")[0] for flag in flags] == ["in the future", "far from the URL date 2024-05-10"]


def test_aware_published_in_another_zone() -> None:
    # 2024-05-09 23:00 UTC is 2024-05-10 07:00 in Shanghai: the same day as the URL.
    published = datetime(2024, 5, 9, 23, 0, tzinfo=UTC)
    assert check_plausible(published, url=PEOPLE_URL, now=NOW) == []


def test_url_without_date_is_not_flagged() -> None:
    assert check_plausible(sh(2020, 1, 1), url="https://www.gov.cn/yaowen/liebiao/202405/content_1.htm", now=NOW) == []


# ---------------------------------------------------------------------------------------------------------
# from_epoch_ms


def test_from_epoch_ms() -> None:
    assert from_epoch_ms(1544227200000) == ParsedDate(sh(2018, 12, 8, 8, 0), "second")
    assert from_epoch_ms(1715317080999) == ParsedDate(sh(2024, 5, 10, 12, 58), "second")


@pytest.mark.parametrize("ms", [0, -1, 1544227200, 10**20, -(10**20)])
def test_from_epoch_ms_rejects(ms: int) -> None:
    with pytest.raises(DateParseError):
        from_epoch_ms(ms)


# ---------------------------------------------------------------------------------------------------------
# Properties

DATEISH = st.text(
    alphabet=st.sampled_from(list("0123456789０１２３年月日号时点分秒:-/. T+Z今天昨前刚钟小个\xa0\u3000")),
    max_size=40,
)
NOWS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31), timezones=st.none())


def _assert_well_formed(parsed: ParsedDate) -> None:
    assert parsed.value.tzinfo is not None
    assert getattr(parsed.value.tzinfo, "key", None) == "Asia/Shanghai"
    assert parsed.precision in {"day", "minute", "second"}
    assert 1990 <= parsed.value.year <= 2100
    if parsed.precision == "day":
        assert parsed.value.time() == datetime.min.time()
    if parsed.precision == "minute":
        assert parsed.value.second == 0


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), DATEISH), st.one_of(st.none(), NOWS))
def test_parse_date_raises_only_date_parse_error(text: str, now: datetime | None) -> None:
    try:
        parsed = parse_date(text, now=now)
    except DateParseError:
        return
    _assert_well_formed(parsed)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), DATEISH), st.one_of(st.none(), NOWS))
def test_find_date_never_raises(text: str, now: datetime | None) -> None:
    parsed = find_date(text, now=now)
    if parsed is not None:
        _assert_well_formed(parsed)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31)).map(
        lambda d: d.replace(microsecond=0)
    ),
    st.sampled_from(
        [
            "%Y-%m-%d %H:%M:%S",
            "%Y年%m月%d日 %H:%M:%S",
            "%Y/%m/%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S+08:00",
            "%Y-%m-%d-%H:%M:%S",
        ]
    ),
)
def test_printed_times_round_trip(moment: datetime, fmt: str) -> None:
    parsed = parse_date(moment.strftime(fmt), now=NOW)
    assert parsed.precision == "second"
    if fmt.endswith("+08:00"):
        assert parsed.value == moment.replace(tzinfo=timezone(timedelta(hours=8)))
    else:
        assert parsed.value.replace(tzinfo=None) == moment


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_date_from_url_never_raises(url: str) -> None:
    found = date_from_url(url)
    assert found is None or 1990 <= found.year <= 2100


@settings(max_examples=200, deadline=None)
@given(NOWS, st.one_of(st.none(), st.text()), NOWS)
def test_check_plausible_never_raises(published: datetime, url: str | None, now: datetime) -> None:
    assert all(isinstance(flag, str) for flag in check_plausible(published, url=url, now=now))
