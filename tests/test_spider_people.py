"""people.com.cn fixture tests: every saved people.com.cn page of ../shared/corpus against its gold record."""

from __future__ import annotations

import json

import pytest

from evaluation.extraction import body_f1, exact, same_time, set_f1
from extraction import extract, extract_fields
from tests.conftest import CORPUS, need_corpus

PEOPLE_PAGES = ["people-2009-anhui-warning", "people-2019-culture", "people-2024-finance"]


def _load(page_id: str) -> tuple[dict, bytes]:
    need_corpus()
    gold = json.loads((CORPUS / "gold" / f"{page_id}.json").read_text(encoding="utf-8"))
    return gold, (CORPUS / "pages" / f"{page_id}.html").read_bytes()


@pytest.mark.parametrize("page_id", PEOPLE_PAGES)
def test_people_page_matches_gold(page_id: str) -> None:
    gold, body = _load(page_id)
    record = extract(gold["url"], body)
    assert record.site == "people.com.cn"
    assert record.charset == ("gb18030" if gold["charset"] in ("gb2312", "gbk") else "utf-8")
    assert exact(record.title, gold["title"]) == 1.0, record.title
    assert same_time(record.published_at, gold["published_at"]) == 1.0, record.published_at
    assert exact(record.source, gold["source"]) == 1.0, record.source
    assert set_f1(record.authors, gold["authors"]) == 1.0, record.authors
    assert set_f1(record.editors, gold["editors"]) == 1.0, record.editors
    assert body_f1(record.body, gold["body"]) >= 0.95
    # Published times are aware and in Shanghai, whatever the page wrote.
    assert record.published_at is not None and str(record.published_at.tzinfo) == "Asia/Shanghai"


@pytest.mark.parametrize("page_id", PEOPLE_PAGES)
def test_every_field_names_its_rule(page_id: str) -> None:
    gold, body = _load(page_id)
    record = extract_fields(gold["url"], body)
    for name in ("title", "published_at", "source", "body"):
        assert record.rules[name].split(":")[0] in ("people.com.cn", "generic")


def test_body_drops_furniture() -> None:
    gold, body = _load("people-2024-finance")
    record = extract(gold["url"], body)
    assert record.body is not None
    assert "责编" not in record.body
    assert "人民日报 》" not in record.body and "04 版" not in record.body
    # In-body subheadings are kept, in order.
    paragraphs = record.paragraphs
    assert "扛稳粮食安全重任，加快建设农业强省" in paragraphs
    assert paragraphs.index("扛稳粮食安全重任，加快建设农业强省") < paragraphs.index(
        "系统谋划推进改革，科技创新跑出加速度"
    )


def test_related_links_after_body_are_dropped() -> None:
    gold, body = _load("people-2009-anhui-warning")
    record = extract(gold["url"], body)
    assert record.body is not None
    assert "计件反腐" not in record.body
    assert record.paragraphs[-1].endswith("预防并遏制腐败现象的滋生蔓延。")


def test_multi_page_article_links_its_further_pages() -> None:
    gold, body = _load("people-2019-culture")
    record = extract(gold["url"], body)
    assert record.next_pages == [
        f"http://culture.people.com.cn/n1/2019/0615/c1013-31153719-{n}.html" for n in (2, 3, 4)
    ]


def test_mis_declared_charset_is_recorded() -> None:
    gold, body = _load("people-2024-finance")
    record = extract(gold["url"], body)
    assert record.charset == "utf-8"
    assert any("charset declared" in w for w in record.warnings)
