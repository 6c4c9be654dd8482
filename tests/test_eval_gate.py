"""The accuracy gate: extraction on ../shared/corpus must stay at or above the floors pinned in eval_floors.json."""

from __future__ import annotations

import json

import pytest

from crawler.extraction.evaluate import SCORED_FIELDS, below_floors, evaluate, load_corpus, score_predictions
from tests.conftest import ROOT, need_corpus

FLOORS = ROOT / "eval_floors.json"


def test_extraction_stays_above_the_pinned_floors() -> None:
    corpus = need_corpus()
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    report = evaluate(corpus)
    assert len(report.pages) >= 14
    assert below_floors(report, floors) == []


def test_floors_pin_every_field_and_the_worst_body() -> None:
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    assert set(SCORED_FIELDS) | {"body_worst"} <= set(floors)
    # The targets are the least the floors may say.
    assert floors["title"] >= 1.0 and floors["published_at"] >= 1.0
    assert floors["source"] >= 0.95 and floors["authors"] >= 0.95 and floors["editors"] >= 0.95
    assert floors["body"] >= 0.97 and floors["body_worst"] >= 0.90


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
    from crawler.extraction.dates import parse_date

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
