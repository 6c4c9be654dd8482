"""The accuracy gate: extraction on ../shared/corpus must stay at or above the floors pinned in eval_floors.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.extraction import (
    EVAL_RUNS,
    SCORED_FIELDS,
    below_floors,
    below_set_floors,
    evaluate,
    evaluate_sets,
    load_corpus,
    load_gold_set,
    score_predictions,
)
from tests.conftest import ROOT, SHARED, need_corpus

FLOORS = ROOT / "eval_floors.json"
GROWN = ROOT / "eval"
MAGIC_HTML = SHARED / "corpus_candidates" / "magic-html"


def test_extraction_stays_above_the_pinned_floors_on_every_gold_set() -> None:
    corpus = need_corpus()
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    reports = evaluate_sets(visible=corpus, grown=GROWN, shared=SHARED, magic_html=MAGIC_HTML)
    assert set(reports) == {name for name, _, _ in EVAL_RUNS}
    assert len(reports["visible"].pages) >= 14
    # The grown corpus: at least 60 pages with the visible ones, from at least 25 sites.
    assert len(reports["grown"].pages) + len(reports["visible"].pages) >= 60
    assert len({p.site for p in reports["grown"].pages} | {p.site for p in reports["visible"].pages}) >= 25
    assert len(reports["magic-html"].pages) == 57
    assert below_set_floors(reports, floors) == []


def test_floors_pin_every_run_every_field_and_the_worst_body() -> None:
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    assert set(floors) == {name for name, _, _ in EVAL_RUNS}
    for run in ("visible", "visible-generic", "grown", "grown-generic"):
        assert set(SCORED_FIELDS) | {"body_worst"} <= set(floors[run]), run
    assert {"body", "body_worst"} <= set(floors["magic-html"])
    # With site rules on, the visible corpus stays right on title and date.
    assert floors["visible"]["title"] >= 1.0 and floors["visible"]["published_at"] >= 1.0


def test_every_grown_gold_record_was_checked_by_someone_who_did_not_write_it() -> None:
    for path in sorted([*(GROWN / "gold").glob("*.json"), *(GROWN / "heldout" / "gold").glob("*.json")]):
        gold = json.loads(path.read_text(encoding="utf-8"))
        annotation = gold.get("annotation") or {}
        assert gold.get("page"), path.name
        assert annotation.get("method") and annotation.get("annotator"), path.name
        assert annotation.get("checked_by") and annotation["checked_by"] != annotation["annotator"], path.name


def test_generic_only_switches_site_rules_off() -> None:
    corpus = need_corpus()
    with_rules = evaluate(corpus)
    generic = evaluate(corpus, generic_only=True)
    assert any(rule.startswith("people.com.cn:") for p in with_rules.pages for rule in p.rules.values())
    assert all(rule.startswith("generic:") for p in generic.pages for rule in p.rules.values())


def test_gold_it_does_not_expect_is_scored_or_skipped_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "gold").mkdir()
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "a.html").write_text(
        "<html><head><title>标题一二三四</title></head><body><h1>标题一二三四</h1>"
        "<p>2024年5月1日 10:00</p><div><p>" + "正文内容很长，" * 20 + "</p></div></body></html>",
        encoding="utf-8",
    )
    odd = {"url": "http://example.com/a.html", "title": "标题一二三四", "body": "x", "speakers": [{"name": None}]}
    (tmp_path / "gold" / "a.json").write_text(json.dumps({**odd, "mood": "unknown field"}), encoding="utf-8")
    (tmp_path / "gold" / "b.json").write_text(json.dumps({"url": "http://example.com/b.html"}), encoding="utf-8")
    (tmp_path / "gold" / "c.json").write_text("{not json", encoding="utf-8")
    gold_set = load_gold_set(tmp_path)
    assert [p.id for p in gold_set.pages] == ["a"]
    assert [line.split(":")[0] for line in gold_set.skipped] == ["b.json", "c.json"]
    report = evaluate(gold_set)
    assert set(report.pages[0].scores) == {"title", "body"}  # only the fields its gold states


def test_gate_fails_when_a_field_drops() -> None:
    corpus = need_corpus()
    pages = load_corpus(corpus)
    # An extractor that gets every title wrong and returns half of each body.
    predictions = [
        {
            **{n: p.gold.get(n) for n in SCORED_FIELDS},
            "title": "x",
            "body": (p.gold["body"] or "")[: len(p.gold["body"] or "") // 2],
        }
        for p in pages
    ]
    from extraction.dates import parse_date

    for prediction in predictions:
        if prediction["published_at"]:
            prediction["published_at"] = parse_date(prediction["published_at"]).value
    report = score_predictions(pages, predictions, 1.0)
    below = below_floors(report, {"title": 1.0, "body_worst": 0.9, "source": 1.0})
    assert [line.split(":")[0] for line in below] == ["title", "body_worst"]


def test_a_misspelt_floor_is_reported_not_ignored() -> None:
    corpus = need_corpus()
    report = evaluate(corpus)
    assert below_floors(report, {"tilte": 0.5})[0].startswith("tilte: no such field")


def test_a_field_a_tool_does_not_produce_scores_zero_and_is_missing() -> None:
    pages = load_corpus(need_corpus())
    report = score_predictions(pages, [{"title": p.gold["title"]} for p in pages], 1.0, produced=("title",))
    summary = report.field_summary()
    assert summary["title"]["mean"] == 1.0
    assert summary["editors"]["mean"] == 0.0 and summary["editors"]["missing"] == len(pages)


@pytest.mark.parametrize("floor", [1.01])
def test_an_impossible_floor_fails_the_gate(floor: float) -> None:
    report = evaluate(need_corpus())
    assert below_floors(report, {"body": floor}) != []


def test_the_speech_gold_set_is_scored_unnamed_officials_included_and_stays_above_its_floors() -> None:
    from evaluation.attribution import evaluate_attribution

    corpus = need_corpus()
    floors = json.loads((ROOT / "attribution_floors.json").read_text(encoding="utf-8"))["speeches"]
    data = evaluate_attribution(corpus, GROWN / "speeches", SHARED)["speeches"]
    assert data["pages"] >= 30
    golds = [json.loads(p.read_text(encoding="utf-8")) for p in (GROWN / "speeches" / "gold").glob("*.json")]
    assert any(s.get("name") is None for g in golds for s in g.get("speakers") or [])  # 有关负责人 pages
    for name, floor in floors.items():
        assert data["scores"][name]["score"] >= floor, name
