"""Extraction evaluation on a gold corpus laid out as ../shared/corpus (pages/ + gold/), scored by its README."""

from __future__ import annotations

import json
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from extraction import extract_fields
from extraction.dates import SHANGHAI, DateParseError, parse_date
from extraction.page import site_of
from extraction.text import nfkc_key

# Fields scored, in report order, and how each is scored.
SCORED_FIELDS = ("title", "published_at", "source", "authors", "editors", "body")


@dataclass(frozen=True)
class GoldPage:
    """One saved page and its gold record; `fields` are the fields its gold states (all, or the body alone)."""

    id: str
    url: str
    html: Path
    gold: dict[str, Any]
    fields: tuple[str, ...] = SCORED_FIELDS

    @property
    def site(self) -> str:
        return str(self.gold.get("site") or site_of(self.url))


@dataclass
class GoldSet:
    """The pages of one gold set that can be scored, and one line for each gold record that cannot."""

    name: str
    pages: list[GoldPage]
    skipped: list[str] = field(default_factory=list)


def load_corpus(corpus: Path) -> list[GoldPage]:
    """Every page of a corpus laid out as ../shared/corpus (pages/<id>.html + gold/<id>.json), in id order."""
    return load_gold_set(corpus).pages


def load_gold_set(corpus: Path, *, shared: Path | None = None, name: str | None = None) -> GoldSet:
    """The gold records under `corpus`/gold and their pages, in id order.

    A record names its page either by layout (`corpus`/pages/<id>.html, the ../shared/corpus layout) or by a
    "page" key, a path under `shared` (the project's own gold over pages kept in ../shared). Records that
    cannot be scored (page absent, not an article, unreadable JSON) are skipped with a one-line reason.
    """
    found = GoldSet(name or corpus.name, [])
    for gold_path in sorted((corpus / "gold").glob("*.json")):
        try:
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            found.skipped.append(f"{gold_path.name}: unreadable gold ({error})")
            continue
        if not isinstance(gold, dict) or not gold.get("url"):
            found.skipped.append(f"{gold_path.name}: no url in the gold record")
            continue
        if gold.get("not_article"):
            found.skipped.append(f"{gold_path.name}: not an article")
            continue
        if gold.get("page"):
            html = (shared or corpus.parent) / str(gold["page"])
        else:
            html = corpus / "pages" / f"{gold_path.stem}.html"
        if not html.is_file():
            found.skipped.append(f"{gold_path.name}: page {html} is absent")
            continue
        fields = tuple(name for name in SCORED_FIELDS if name in gold)
        found.pages.append(GoldPage(gold_path.stem, gold["url"], html, gold, fields))
    return found


def load_body_benchmark(root: Path) -> GoldSet:
    """magic-html's Chinese article benchmark: `base_zh_subset.json` ({key: {url, content}}) and the pages
    under benchmark/data/article/htmls/<key>.html; only the body is scored."""
    found = GoldSet("magic-html", [])
    subset = root / "base_zh_subset.json"
    if not subset.is_file():
        found.skipped.append(f"{subset} is absent")
        return found
    for key, entry in sorted(json.loads(subset.read_text(encoding="utf-8")).items()):
        html = root / "benchmark" / "data" / "article" / "htmls" / f"{key}.html"
        if not html.is_file():
            found.skipped.append(f"{key}: page {html} is absent")
            continue
        gold = {"url": entry["url"], "body": entry["content"]}
        found.pages.append(GoldPage(key[:12], entry["url"], html, gold, ("body",)))
    return found


# ---- scoring (../shared/corpus/README.md, "Scoring") ---------------------------------------------------------


def _bigrams(text: str) -> Counter[str]:
    key = nfkc_key(text)
    return Counter(key[i : i + 2] for i in range(len(key) - 1))


def body_f1(predicted: str | None, gold: str | None) -> float:
    """F1 over the multisets of character bigrams after NFKC and deleting whitespace."""
    if not gold:
        return 1.0 if not predicted else 0.0
    if not predicted:
        return 0.0
    p, g = _bigrams(predicted), _bigrams(gold)
    overlap = sum((p & g).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def exact(predicted: str | None, gold: str | None) -> float:
    if gold is None:
        return 1.0 if not predicted else 0.0
    return 1.0 if predicted is not None and nfkc_key(predicted) == nfkc_key(gold) else 0.0


def set_f1(predicted: Iterable[str] | None, gold: Iterable[str] | None) -> float:
    p = {unicodedata.normalize("NFKC", x).strip() for x in predicted or []}
    g = {unicodedata.normalize("NFKC", x).strip() for x in gold or []}
    if not p and not g:
        return 1.0
    if not p or not g:
        return 0.0
    overlap = len(p & g)
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(p), overlap / len(g)
    return 2 * precision * recall / (precision + recall)


def same_time(predicted: datetime | None, gold: str | None) -> float:
    """Equal at the gold's precision: the same Shanghai calendar day, or the same minute."""
    if gold is None:
        return 1.0 if predicted is None else 0.0
    if predicted is None:
        return 0.0
    try:
        expected = parse_date(gold)
    except DateParseError:
        return 0.0
    local = predicted.astimezone(SHANGHAI)
    if expected.precision == "day":
        return 1.0 if local.date() == expected.value.date() else 0.0
    return 1.0 if local.replace(second=0, microsecond=0) == expected.value.replace(second=0, microsecond=0) else 0.0


SCORERS: dict[str, Callable[[Any, Any], float]] = {
    "title": exact,
    "source": exact,
    "published_at": same_time,
    "authors": set_f1,
    "editors": set_f1,
    "body": body_f1,
}


@dataclass
class PageScore:
    id: str
    url: str
    scores: dict[str, float]
    predicted: dict[str, Any]
    expected: dict[str, Any]
    missing: list[str] = field(default_factory=list)
    site: str = ""
    rules: dict[str, str] = field(default_factory=dict)


def summarise(pages: list[PageScore]) -> dict[str, dict[str, Any]]:
    """Per field: mean, worst page and how many pages lacked it, over the pages whose gold states the field."""
    summary = {}
    for name in SCORED_FIELDS:
        values = [(p.scores[name], p.id) for p in pages if name in p.scores]
        if not values:
            continue
        worst = min(values)
        summary[name] = {
            "mean": sum(v for v, _ in values) / len(values),
            "worst": worst[0],
            "worst_page": worst[1],
            "missing": sum(1 for p in pages if name in p.missing),
            "n": len(values),
        }
    return summary


@dataclass
class Report:
    pages: list[PageScore]
    seconds: float
    skipped: list[str] = field(default_factory=list)

    def field_summary(self) -> dict[str, dict[str, Any]]:
        return summarise(self.pages)

    def by_site(self) -> dict[str, dict[str, dict[str, Any]]]:
        sites: dict[str, list[PageScore]] = {}
        for page in self.pages:
            sites.setdefault(page.site, []).append(page)
        return {site: summarise(pages) for site, pages in sorted(sites.items())}

    def to_json(self) -> dict[str, Any]:
        return {
            "pages": len(self.pages),
            "seconds": round(self.seconds, 4),
            "pages_per_second": round(len(self.pages) / self.seconds, 1) if self.seconds else None,
            "fields": self.field_summary(),
            "sites": self.by_site(),
            "skipped": self.skipped,
            "failures": [
                {
                    "id": p.id,
                    "url": p.url,
                    "fields": {
                        n: {
                            "score": round(s, 4),
                            "predicted": _short(p.predicted[n]),
                            "expected": _short(p.expected.get(n)),
                            "rule": p.rules.get(n),
                        }
                        for n, s in p.scores.items()
                        if s < 1.0
                    },
                }
                for p in self.pages
                if any(s < 1.0 for s in p.scores.values())
            ],
        }


def _short(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str) and len(value) > 120:
        return value[:60] + " … " + value[-40:]
    return value


def below_floors(report: Report, floors: dict[str, float]) -> list[str]:
    """Every pinned floor the report falls below: "<field>" pins a field's mean, "<field>_worst" its worst page.

    An unknown key is reported too, so a typo in the floors file cannot silently switch a check off.
    """
    summary = report.field_summary()
    below = []
    for key, floor in floors.items():
        measure = "worst" if key.endswith("_worst") else "mean"
        name = key.removesuffix("_worst")
        if name not in SCORED_FIELDS:
            below.append(f"{key}: no such field (fields: {', '.join(SCORED_FIELDS)})")
            continue
        if name not in summary:
            below.append(f"{key}: no page of this gold set states {name}")
            continue
        value = summary[name][measure]
        if value < floor:
            below.append(f"{key}: {value:.4f} < floor {floor}")
    return below


def score_predictions(
    pages: list[GoldPage],
    predictions: list[dict[str, Any]],
    seconds: float,
    produced: Iterable[str] | None = None,
    *,
    rules: list[dict[str, str]] | None = None,
) -> Report:
    """Score one extractor's predictions (one dict of SCORED_FIELDS a page) against the gold.

    Each page is scored on the fields its gold states. `produced` names the fields the extractor produces at
    all; the others score 0 and count as missing on every page (the README's rule for a field a tool does not
    produce). A field absent from one page's dict is an empty answer on that page (right where the gold is
    empty too) and is counted as missing there.
    """
    fields = set(produced) if produced is not None else set(SCORED_FIELDS)
    results = []
    for index, (page, predicted) in enumerate(zip(pages, predictions, strict=True)):
        values = {name: predicted.get(name) if name in fields else None for name in page.fields}
        scores = {name: SCORERS[name](values[name], page.gold.get(name)) for name in page.fields}
        missing = [n for n in page.fields if n not in fields or n not in predicted]
        for name in page.fields:
            if name not in fields:
                scores[name] = 0.0
        page_rules = rules[index] if rules else {}
        results.append(PageScore(page.id, page.url, scores, values, page.gold, missing, page.site, page_rules))
    return Report(results, seconds)


def evaluate(
    source: Path | GoldSet | list[GoldPage], *, generic_only: bool = False, now: datetime | None = None
) -> Report:
    """Run the extractor over every gold page; the time measured is extraction alone (files read first).

    With `generic_only`, site rules are switched off, so every page is read as an unknown template.
    """
    gold_set = load_gold_set(source) if isinstance(source, Path) else source
    pages = gold_set.pages if isinstance(gold_set, GoldSet) else gold_set
    payloads = [(p, p.html.read_bytes()) for p in pages]
    moment = now or datetime.now(SHANGHAI)
    started = time.perf_counter()
    records = [extract_fields(p.url, body, now=moment, site_rules=not generic_only) for p, body in payloads]
    seconds = time.perf_counter() - started
    predictions = [
        {name: getattr(record, name) for name in SCORED_FIELDS if name in record.rules} for record in records
    ]
    report = score_predictions(pages, predictions, seconds, rules=[record.rules for record in records])
    report.skipped = list(gold_set.skipped) if isinstance(gold_set, GoldSet) else []
    return report


# The gold sets `newsmon eval` scores, and how: (name, which set, site rules on?).
EVAL_RUNS = (
    ("visible", "visible", True),
    ("visible-generic", "visible", False),
    ("grown", "grown", True),
    ("grown-generic", "grown", False),
    # Pages kept out of tuning: scored, never used to write or adjust a rule.
    ("heldout-generic", "heldout", False),
    ("magic-html", "magic-html", False),
)


def evaluate_sets(
    *,
    visible: Path,
    grown: Path,
    shared: Path,
    magic_html: Path,
    heldout: Path | None = None,
    now: datetime | None = None,
) -> dict[str, Report]:
    """Every evaluation run of EVAL_RUNS whose gold set is present: the visible corpus (../shared/corpus),
    the project's grown corpus (eval/gold, pages under ../shared), each with site rules and with the generic
    path alone, the held-out pages (eval/heldout, generic path alone), and the magic-html body benchmark
    (generic path: none of its sites has rules)."""
    sets = {
        "visible": load_gold_set(visible, name="visible"),
        "grown": load_gold_set(grown, shared=shared, name="grown"),
        "heldout": load_gold_set(heldout or grown / "heldout", shared=shared, name="heldout"),
        "magic-html": load_body_benchmark(magic_html),
    }
    return {
        name: evaluate(sets[source], generic_only=not rules, now=now)
        for name, source, rules in EVAL_RUNS
        if sets[source].pages
    }


def below_set_floors(reports: dict[str, Report], floors: dict[str, dict[str, float]]) -> list[str]:
    """Every floor missed, per run: {"<run>": {"<field>": min mean, "<field>_worst": min worst page}}. A run
    the floors name that did not run (its gold set absent) is reported too."""
    below = []
    for run, pinned in floors.items():
        if run not in reports:
            below.append(f"{run}: not evaluated (its gold set is absent)")
            continue
        below.extend(f"{run} {line}" for line in below_floors(reports[run], pinned))
    return below
