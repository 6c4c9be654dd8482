"""Side-by-side extraction benchmark: newsmon against trafilatura, GNE and newspaper4k on one gold corpus.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/extract_peers.py [--corpus ../shared/corpus] [--rounds 5] [--json]

Every extractor reads the same pages in the same process, pinned to one core. Quality is scored with
evaluation.extraction (the corpus README's rules); a field an extractor does not produce scores 0 and
is reported missing. Speed is the best of `--rounds` interleaved rounds (so a burst of load on a shared
machine hits every extractor alike); the table prints pages/second and the ratio of each to trafilatura.

Inputs: ours and trafilatura get the page bytes (each decodes them itself); GNE and newspaper4k only take
text, so they get the text decoded by newsmon's decoder (which favours them: charset is not their problem).
Peer dates are read with newsmon's date parser; peer author strings are split into names the same way.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from evaluation.extraction import (
    SCORED_FIELDS,
    GoldPage,
    Report,
    load_body_benchmark,
    load_gold_set,
    score_predictions,
)
from extraction import extract_fields
from extraction.charset import decode_html
from extraction.dates import SHANGHAI, find_date
from extraction.text import split_names

Predict = Callable[[GoldPage, bytes, str], dict[str, Any]]


@dataclass
class Extractor:
    name: str
    predict: Predict
    produces: tuple[str, ...]


def _date(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
    parsed = find_date(str(value))
    return parsed.value if parsed else None


def _names(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, list | tuple):
        return [n for v in value for n in split_names(str(v))]
    return split_names(str(value))


def ours(page: GoldPage, raw: bytes, text: str) -> dict[str, Any]:
    record = extract_fields(page.url, raw)
    return {name: getattr(record, name) for name in SCORED_FIELDS if name in record.rules}


def _trafilatura() -> Extractor:
    import trafilatura

    def predict(page: GoldPage, raw: bytes, text: str) -> dict[str, Any]:
        doc = trafilatura.bare_extraction(raw, url=page.url, with_metadata=True, as_dict=True)
        doc = doc if isinstance(doc, dict) else {}
        return {
            "title": doc.get("title"),
            "published_at": _date(doc.get("date")),
            # sitename is the closest trafilatura has to a 来源 line; scored as the source.
            "source": doc.get("sitename"),
            "authors": _names(doc.get("author")),
            "body": doc.get("text"),
        }

    return Extractor("trafilatura", predict, ("title", "published_at", "source", "authors", "body"))


def _gne() -> Extractor:
    from gne import GeneralNewsExtractor

    extractor = GeneralNewsExtractor()

    def predict(page: GoldPage, raw: bytes, text: str) -> dict[str, Any]:
        doc = extractor.extract(text)
        return {
            "title": doc.get("title"),
            "published_at": _date(doc.get("publish_time")),
            "authors": _names(doc.get("author")),
            "body": doc.get("content"),
        }

    return Extractor("gne", predict, ("title", "published_at", "authors", "body"))


def _newspaper() -> Extractor:
    from newspaper import Article

    def predict(page: GoldPage, raw: bytes, text: str) -> dict[str, Any]:
        article = Article(page.url, language="zh", fetch_images=False)
        article.download(input_html=text)
        article.parse()
        return {
            "title": article.title,
            "published_at": _date(article.publish_date),
            "authors": _names(article.authors),
            "body": article.text,
        }

    return Extractor("newspaper4k", predict, ("title", "published_at", "authors", "body"))


def _readability() -> Extractor:
    import lxml.html
    from readability import Document

    def predict(page: GoldPage, raw: bytes, text: str) -> dict[str, Any]:
        doc = Document(text)
        body = lxml.html.fromstring(doc.summary(html_partial=True)).text_content()
        return {"title": doc.short_title(), "body": body}

    return Extractor("readability-lxml", predict, ("title", "body"))


def ours_generic(page: GoldPage, raw: bytes, text: str) -> dict[str, Any]:
    record = extract_fields(page.url, raw, site_rules=False)
    return {name: getattr(record, name) for name in SCORED_FIELDS if name in record.rules}


def available_extractors() -> tuple[list[Extractor], list[str]]:
    """Ours (with site rules, and the generic path alone) plus every peer that imports; the names of those
    that do not, with the reason."""
    found = [Extractor("newsmon", ours, SCORED_FIELDS), Extractor("newsmon-generic", ours_generic, SCORED_FIELDS)]
    skipped = []
    for make in (_trafilatura, _readability, _gne, _newspaper):
        try:
            found.append(make())
        except ImportError as exc:
            skipped.append(f"{make.__name__.strip('_')}: {exc}")
    return found, skipped


def _safe(extractor: Extractor, page: GoldPage, raw: bytes, text: str) -> dict[str, Any]:
    try:
        return extractor.predict(page, raw, text)
    except Exception as exc:  # a peer failing on one page scores 0 there; it does not stop the benchmark
        logging.getLogger(__name__).warning("%s failed on %s: %s", extractor.name, page.id, exc)
        return {}


def run(
    corpus: Path, rounds: int, *, shared: Path | None = None
) -> tuple[dict[str, Report], dict[str, float], list[str]]:
    """Scores of every extractor and its best time over the corpus (seconds for all pages).

    `corpus` is a gold set in either layout (see load_gold_set) or magic-html's benchmark folder."""
    if (corpus / "base_zh_subset.json").is_file():
        pages = load_body_benchmark(corpus).pages
    else:
        pages = load_gold_set(corpus, shared=shared).pages
    inputs = [(page, raw := page.html.read_bytes(), decode_html(raw).text) for page in pages]
    extractors, skipped = available_extractors()
    predictions = {e.name: [_safe(e, *item) for item in inputs] for e in extractors}  # also warms caches
    best = dict.fromkeys(predictions, float("inf"))
    for _ in range(rounds):
        for extractor in extractors:
            started = time.perf_counter()
            for item in inputs:
                _safe(extractor, *item)
            best[extractor.name] = min(best[extractor.name], time.perf_counter() - started)
    reports = {
        e.name: score_predictions(pages, predictions[e.name], best[e.name], produced=e.produces) for e in extractors
    }
    return reports, best, skipped


def _pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity here)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path("../shared/corpus"),
        help="a gold set (../shared/corpus, eval) or magic-html's folder (../shared/corpus_candidates/magic-html)",
    )
    parser.add_argument("--shared", type=Path, default=Path("../shared"), help="where eval/gold's pages are kept")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds; the best one counts")
    parser.add_argument("--json", action="store_true", help="print plain JSON instead of tables")
    args = parser.parse_args(argv)
    if not (args.corpus / "gold").is_dir() and not (args.corpus / "base_zh_subset.json").is_file():
        print(f"{args.corpus} has neither gold/ nor base_zh_subset.json", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.ERROR)
    warnings.filterwarnings("ignore")
    pinned = _pin_one_core()
    reports, best, skipped = run(args.corpus, args.rounds, shared=args.shared)
    pages = len(next(iter(reports.values())).pages)
    speed = {name: pages / seconds for name, seconds in best.items()}
    baseline = best.get("trafilatura")
    summary: dict[str, dict[str, Any]] = {
        name: {
            "fields": report.field_summary(),
            "pages_per_second": round(speed[name], 1),
            "ms_per_page": round(1000 * best[name] / pages, 2),
            "speed_vs_trafilatura": round(baseline / best[name], 2) if baseline else None,
        }
        for name, report in reports.items()
    }
    if args.json:
        print(json.dumps({"pages": pages, "cpu": pinned, "skipped": skipped, "extractors": summary}, indent=2))
        return 0
    console = Console(width=140)
    console.print(f"{pages} pages from {args.corpus}, best of {args.rounds} rounds, {pinned}")
    for name, data in summary.items():
        table = Table(title=f"{name}: {data['pages_per_second']} pages/s ({data['ms_per_page']} ms/page)")
        for column in ("field", "mean", "worst", "worst page", "missing"):
            table.add_column(column)
        for field, v in data["fields"].items():
            table.add_row(field, f"{v['mean']:.3f}", f"{v['worst']:.3f}", str(v["worst_page"]), str(v["missing"]))
        console.print(table)
    overview = Table(title="side by side (field means; speed relative to trafilatura, same run, one core)")
    for column in ("extractor", *SCORED_FIELDS, "pages/s", "× trafilatura"):
        overview.add_column(column)
    for name, data in summary.items():
        ratio = data["speed_vs_trafilatura"]
        overview.add_row(
            name,
            *(f"{data['fields'][f]['mean']:.3f}" if f in data["fields"] else "-" for f in SCORED_FIELDS),
            str(data["pages_per_second"]),
            f"{ratio:.1f}×" if ratio else "-",
        )
    console.print(overview)
    for line in skipped:
        console.print(f"[yellow]skipped[/] {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
