"""A page that cannot be stored as an article goes to failed pages with a reason a person can act on."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from typer.testing import CliRunner

from cli.app import app
from crawler.items import FailedPageItem
from extraction import ExtractionError, extract, extract_fields, unstorable
from extraction.dates import SHANGHAI
from spiders.people import PeopleSpider
from tests.spider_support import response, spider_for

URL = "http://politics.people.com.cn/n1/2024/0510/c1001-40232001.html"
NOW = datetime(2024, 6, 1, tzinfo=SHANGHAI)
PARAGRAPH = "云溪市政务服务数据管理局今天介绍，全市一体化在线政务服务平台已接入事项一千二百项，办理时间平均缩短一半。"


def page(head: str, body: str) -> bytes:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()


def test_a_page_without_a_body_says_what_was_tried() -> None:
    record = extract_fields(URL, page("<title>云溪市推进一网通办</title>", "<h1>云溪市推进一网通办</h1>"), now=NOW)
    (reason,) = unstorable(record, now=NOW)
    assert reason.startswith("missing published_at, body")
    assert "generic:text-density" in reason and "people.com.cn:css:div.rm_txt_con" in reason


@pytest.mark.parametrize(
    ("stated", "why"),
    # The date parser refuses years before the web; where the page states its time, such a year is still read,
    # so the page is reported as misdated rather than dated by some other date on it.
    [("1989-06-01 08:00", "is before 1990"), ("2025-01-01 08:00", "is in the future")],
)
def test_an_impossible_publication_time_is_not_stored(stated: str, why: str) -> None:
    html = page(
        "<title>t</title>", f"<h1>云溪市推进一网通办</h1><p>发布时间：{stated}</p><div><p>{PARAGRAPH}</p></div>"
    )
    with pytest.raises(ExtractionError, match=why):
        extract(URL, html, now=NOW)


def test_a_body_shorter_than_the_pages_own_lead_is_not_stored_as_complete() -> None:
    lead = PARAGRAPH + "平台还将在年内上线“一件事”集成服务二十项，覆盖企业开办、不动产登记和社保办理。"
    html = page(
        f"<title>t</title><meta name='description' content='{lead}'>",
        f"<h1>云溪市推进一网通办</h1><p>2024-05-10 08:00</p><div class='text'><p>{PARAGRAPH}</p></div>",
    )
    (reason,) = unstorable(extract_fields(URL, html, now=NOW), now=NOW)
    assert reason.startswith("body shorter than the page's own lead")
    # A description that is not the article's opening (a site slogan) proves nothing.
    slogan = page(
        "<title>t</title><meta name='description' content='人民网，网上的人民日报，权威、实力，源自人民。" * 3 + "'>",
        f"<h1>云溪市推进一网通办</h1><p>2024-05-10 08:00</p><div class='text'><p>{PARAGRAPH}</p></div>",
    )
    assert unstorable(extract_fields(URL, slogan, now=NOW), now=NOW) == []


@time_machine.travel(datetime(2024, 6, 1, 12, 0, tzinfo=SHANGHAI), tick=False)
def test_the_spider_records_the_page_as_failed_with_its_reason_and_bytes() -> None:
    spider = spider_for(PeopleSpider)
    body = page(
        "<title>t</title>", f"<h1>云溪市推进一网通办</h1><p>发布时间：2031-01-01 08:00</p><div><p>{PARAGRAPH}</p></div>"
    )
    (out,) = list(spider.parse_article(response(URL, body)))
    assert isinstance(out, FailedPageItem)
    assert "is in the future" in out.reason and out.raw_body == body


def test_newsmon_extract_names_the_rules_what_it_tried_and_who_spoke(tmp_path: Path) -> None:
    saved = tmp_path / "page.html"
    saved.write_bytes(
        page(
            "<title>贺思远在江东省政务数据共享工作会议上的讲话</title>",
            "<h1>贺思远在江东省政务数据共享工作会议上的讲话</h1><p>2024-05-10 08:00</p><div class='text'>"
            "<p>编者按：5月6日，江东省政务数据共享工作会议在云溪市召开。江东省政务服务数据管理局局长贺思远出席会议并讲话。</p>"
            f"<p>同志们：</p><p>{PARAGRAPH}</p></div>",
        )
    )
    result = CliRunner().invoke(app, ["extract", str(saved), "--url", URL, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rules"]["title"] == "generic:heading-in-title"
    assert "source" in data["tried"] and data["unstorable"] == []
    attribution = data["attribution"]
    assert attribution["kind"] == "speech_full_text"
    assert [(s["name"], s["role"]) for s in attribution["speakers"]] == [("贺思远", "局长")]
    assert (attribution["occasion"], attribution["place"]) == ("江东省政务数据共享工作会议", "云溪市")


def test_a_time_before_1990_that_a_rule_did_read_is_not_stored() -> None:
    record = extract_fields(
        URL, page("<title>t</title>", f"<h1>标题甲乙丙丁</h1><div><p>{PARAGRAPH}</p></div>"), now=NOW
    )
    record.published_at = datetime(1985, 5, 1, tzinfo=SHANGHAI)
    record.rules["published_at"] = "test:a misread page number"
    assert unstorable(record, now=NOW) == [
        "published_at 1985-05-01T00:00:00+08:00 is before 1990 (test:a misread page number)"
    ]
