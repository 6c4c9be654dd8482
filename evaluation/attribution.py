"""Attribution scores on gold sets: kind accuracy, speaker-name F1, role and org match, occasion, place, day.

Scoring follows ../shared/corpus/README.md ("Scoring"). Pages are extracted first, then attributed, so the
figures are what a crawl would store. Two gold sets: the shared corpus, and the bundled mirror's articles
(mirror/content/people/articles.toml, texts the project owns).
"""

from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from attribution import Attribution, attribute_record
from extraction import extract_fields
from extraction.dates import SHANGHAI, DateParseError, parse_date
from extraction.text import nfkc_key
from ground.article import Extracted

SCORES = ("kind", "speakers", "role", "org", "org_as_written", "occasion", "place", "spoken_on")


@dataclass(frozen=True)
class GoldCase:
    """One page (as extracted) and what attribution should say about it."""

    id: str
    record: Extracted
    gold: dict[str, Any]


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def name_f1(predicted: Iterable[str], gold: Iterable[str]) -> float:
    """Set F1 over speaker names after NFKC; no speakers on either side is a perfect 1.0."""
    p, g = {_nfkc(x) for x in predicted}, {_nfkc(x) for x in gold}
    if not p and not g:
        return 1.0
    overlap = len(p & g)
    if not overlap:
        return 0.0
    precision, recall = overlap / len(p), overlap / len(g)
    return 2 * precision * recall / (precision + recall)


def contains_either(predicted: str | None, gold: str | None) -> bool:
    """The README's match for role, org, occasion and place: one NFKC string contains the other."""
    if not predicted or not gold:
        return False
    a, b = nfkc_key(predicted), nfkc_key(gold)
    return a in b or b in a


@dataclass
class PageResult:
    id: str
    predicted: Attribution
    gold: dict[str, Any]
    kind_ok: bool
    name_f1: float
    # (gold speaker name, matched?) for every gold speaker with a role / an org
    roles: list[tuple[str, bool]] = field(default_factory=list)
    orgs: list[tuple[str, bool]] = field(default_factory=list)
    orgs_as_written: list[tuple[str, bool]] = field(default_factory=list)
    occasion_ok: bool = True
    place_ok: bool = True
    spoken_on_ok: bool | None = None  # None: the gold states no day


def _registry() -> Any:
    from ground.bodies import default_registry

    return default_registry()


def _speaker_keys(predicted: list[Any], gold: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Keys to score speakers by: names; an unnamed official (有关负责人) matches an unnamed prediction whose
    post matches, and otherwise counts as missed (or, predicted, as wrong)."""
    unnamed = [s for s in predicted if not s.name]
    predicted_keys = [_nfkc(s.name) for s in predicted if s.name] + [f"(unnamed {i})" for i in range(len(unnamed))]
    gold_keys, used = [], set()
    for index, expected in enumerate(gold):
        if expected.get("name"):
            gold_keys.append(_nfkc(expected["name"]))
            continue
        match = next(
            (i for i, s in enumerate(unnamed) if i not in used and contains_either(s.role, expected.get("role"))), None
        )
        if match is None:
            gold_keys.append(f"(gold unnamed {index})")
        else:
            used.add(match)
            gold_keys.append(f"(unnamed {match})")
    return predicted_keys, gold_keys


def score_page(case: GoldCase, predicted: Attribution) -> PageResult:
    gold = case.gold
    gold_speakers = [s for s in gold.get("speakers") or [] if isinstance(s, dict)]
    by_name = {_nfkc(s.name): s for s in predicted.speakers if s.name}
    unnamed = [s for s in predicted.speakers if not s.name]
    result = PageResult(
        case.id,
        predicted,
        gold,
        kind_ok=predicted.kind == gold.get("kind"),
        name_f1=name_f1(*_speaker_keys(predicted.speakers, gold_speakers)),
    )
    for expected in gold_speakers:
        if expected.get("name"):
            found = by_name.get(_nfkc(expected["name"]))
        else:
            found = next((s for s in unnamed if contains_either(s.role, expected.get("role"))), None)
            expected = {**expected, "name": expected.get("role") or "(unnamed)"}
        role, org, written = (found.role, found.org, found.org_as_written) if found else (None, None, None)
        if expected.get("role"):
            result.roles.append((expected["name"], contains_either(role, expected["role"])))
        if expected.get("org"):
            # The same body under its registered name (国家发展改革委 = 国家发展和改革委员会) is the same org.
            same = contains_either(org, expected["org"]) or contains_either(org, _registry().normalise(expected["org"]))
            result.orgs.append((expected["name"], same))
            result.orgs_as_written.append((expected["name"], contains_either(written, expected["org"])))
    for key in ("occasion", "place"):
        want, got = gold.get(key), getattr(predicted, key)
        setattr(result, f"{key}_ok", (not want and not got) or contains_either(got, want))
    if gold.get("spoken_on"):
        result.spoken_on_ok = predicted.spoken_on is not None and predicted.spoken_on.isoformat() == gold["spoken_on"]
    return result


@dataclass
class AttributionReport:
    pages: list[PageResult]
    seconds: float

    def scores(self) -> dict[str, dict[str, Any]]:
        def share(values: list[bool]) -> dict[str, Any]:
            return {"score": sum(values) / len(values) if values else 1.0, "n": len(values)}

        pages = self.pages
        spoken = [p.spoken_on_ok for p in pages if p.spoken_on_ok is not None]
        return {
            "kind": share([p.kind_ok for p in pages]),
            "speakers": {"score": sum(p.name_f1 for p in pages) / len(pages) if pages else 1.0, "n": len(pages)},
            "role": share([ok for p in pages for _, ok in p.roles]),
            "org": share([ok for p in pages for _, ok in p.orgs]),
            "org_as_written": share([ok for p in pages for _, ok in p.orgs_as_written]),
            "occasion": share([p.occasion_ok for p in pages]),
            "place": share([p.place_ok for p in pages]),
            "spoken_on": share(spoken),
        }

    def to_json(self) -> dict[str, Any]:
        failures = []
        for page in self.pages:
            wrong: dict[str, Any] = {}
            if not page.kind_ok:
                wrong["kind"] = {"predicted": page.predicted.kind, "expected": page.gold.get("kind")}
            if page.name_f1 < 1.0:
                wrong["speakers"] = {
                    "predicted": page.predicted.speaker_names,
                    "expected": [s["name"] for s in page.gold.get("speakers") or []],
                }
            for key, pairs in (("role", page.roles), ("org", page.orgs)):
                missed = [name for name, ok in pairs if not ok]
                if missed:
                    wrong[key] = {
                        "predicted": [getattr(s, key) for s in page.predicted.speakers],
                        "expected": [s.get(key) for s in page.gold.get("speakers") or []],
                    }
            for key in ("occasion", "place", "spoken_on"):
                if getattr(page, f"{key}_ok") is False:
                    value = getattr(page.predicted, key)
                    wrong[key] = {
                        "predicted": value.isoformat() if isinstance(value, date) else value,
                        "expected": page.gold.get(key),
                    }
            if wrong:
                failures.append({"id": page.id, "fields": wrong})
        return {
            "pages": len(self.pages),
            "seconds": round(self.seconds, 4),
            "scores": self.scores(),
            "failures": failures,
        }


def evaluate_cases(cases: list[GoldCase]) -> AttributionReport:
    started = time.perf_counter()
    predicted = [attribute_record(case.record) for case in cases]
    seconds = time.perf_counter() - started
    return AttributionReport([score_page(c, p) for c, p in zip(cases, predicted, strict=True)], seconds)


def corpus_cases(corpus: Path, *, gold_text: bool = False, now: datetime | None = None) -> list[GoldCase]:
    """The shared corpus (pages/<id>.html + gold/<id>.json), each page extracted as a crawl would; with
    `gold_text`, the gold title, body, date and bylines instead (attribution alone, whatever extraction does)."""
    cases = []
    for gold_path in sorted((corpus / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        page = corpus / "pages" / f"{gold_path.stem}.html"
        if gold_text:
            cases.append(GoldCase(gold_path.stem, _gold_record(gold), gold))
        elif page.exists():
            record = extract_fields(gold["url"], page.read_bytes(), now=now or datetime.now(SHANGHAI))
            cases.append(GoldCase(gold_path.stem, record, gold))
    return cases


def _gold_record(gold: dict[str, Any]) -> Extracted:
    published = None
    if gold.get("published_at"):
        try:
            published = parse_date(gold["published_at"]).value
        except DateParseError:
            published = None
    return Extracted(
        url=gold["url"],
        site=gold.get("site") or "",
        charset="utf-8",
        title=gold.get("title"),
        published_at=published,
        authors=list(gold.get("authors") or []),
        editors=list(gold.get("editors") or []),
        body=gold.get("body"),
    )


def mirror_cases(site_dir: Path | None = None) -> list[GoldCase]:
    """The bundled mirror's articles, extracted from the generated pages (further pages stitched on)."""
    from mirror.articles import load_articles

    root = site_dir or Path(__file__).resolve().parents[1] / "mirror" / "site"
    cases = []
    for article in load_articles():
        record = extract_fields(article.url, (root / article.url.split("://", 1)[1]).read_bytes())
        for url in record.next_pages:
            more = extract_fields(url, (root / url.split("://", 1)[1]).read_bytes())
            record.body = "\n".join(filter(None, (record.body, more.body)))
        gold = {
            "kind": article.kind,
            "speakers": [{"name": s.name, "role": s.role, "org": s.org} for s in article.speakers],
            "occasion": article.occasion,
            "place": article.place,
            "spoken_on": article.spoken_on,
        }
        cases.append(GoldCase(article.content_id, record, gold))
    return cases


def speech_cases(speeches: Path, shared: Path, *, now: datetime | None = None) -> tuple[list[GoldCase], list[str]]:
    """The speech gold set (eval/speeches): pages generated in each site's template (pages/<id>.html) and
    real pages named by a "page" path under `shared`, each extracted as a crawl would. Also one line for each
    record that cannot be scored."""
    cases, skipped = [], []
    for gold_path in sorted((speeches / "gold").glob("*.json")):
        try:
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            skipped.append(f"{gold_path.name}: unreadable gold ({error})")
            continue
        page = shared / str(gold["page"]) if gold.get("page") else speeches / "pages" / f"{gold_path.stem}.html"
        if not page.is_file() or not gold.get("url"):
            skipped.append(f"{gold_path.name}: page {page} is absent or the gold names no url")
            continue
        record = extract_fields(gold["url"], page.read_bytes(), now=now or datetime.now(SHANGHAI))
        cases.append(GoldCase(gold_path.stem, record, gold))
    return cases, skipped


def evaluate_attribution(corpus: Path, speeches: Path | None = None, shared: Path | None = None) -> dict[str, Any]:
    """Attribution scores on a gold corpus laid out as ../shared/corpus: on the pages as extracted (what a
    crawl stores) and on the gold text (attribution alone), the bundled mirror's articles, and the speech
    gold set when it is given."""
    data = {
        "extracted": evaluate_cases(corpus_cases(corpus)).to_json(),
        "gold_text": evaluate_cases(corpus_cases(corpus, gold_text=True)).to_json(),
        "mirror": evaluate_cases(mirror_cases()).to_json(),
    }
    if speeches is not None and (speeches / "gold").is_dir():
        cases, skipped = speech_cases(speeches, shared or corpus.parent)
        data["speeches"] = {**evaluate_cases(cases).to_json(), "skipped": skipped}
    return data
