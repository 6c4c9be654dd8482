"""Segmentation speed on one core: jieba (as shipped, and without HMM), rjieba, and the index's character bigrams.

    .venv/bin/python -m bench.segmentation [--articles 300]

Prints articles/s for articles of about 2,000 characters and the ratio to plain jieba (the baseline, measured
in the same run). The ingest target is 300 articles/s on one core, so search indexing needs a tokeniser well
above that; term analysis (trends, rising terms) can afford jieba because it runs on demand, not at ingest.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import jieba

from analysis.vocabulary import load_vocabulary
from bench.generate import synthetic_articles
from ground.query import document_tokens


def _rate(texts: list[str], segment: Callable[[str], object]) -> float:
    segment(texts[0])  # warm up (dictionary loading is not segmentation)
    started = time.perf_counter()
    for text in texts:
        segment(text)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=300)
    args = parser.parse_args()
    bodies = [a.body or "" for a in synthetic_articles(args.articles * 3)]
    texts = [b[:2000] for b in bodies if len(b) >= 2000][: args.articles]
    vocabulary = load_vocabulary()
    own = vocabulary.tokenizer()
    contenders: dict[str, Callable[[str], object]] = {
        "jieba (default: HMM on)": lambda t: list(jieba.cut(t)),
        "jieba, HMM off": lambda t: list(jieba.cut(t, HMM=False)),
        "jieba + domain dictionary, HMM off": lambda t: list(own.cut(t, HMM=False)),
        "character bigrams (search index)": document_tokens,
    }
    try:
        import rjieba

        contenders["rjieba"] = lambda t: rjieba.cut(t)
    except ImportError:
        print("rjieba not installed (pip install -e '.[bench]'): skipped")
    jieba.initialize()
    print(f"{len(texts)} articles of 2,000 characters, one core")
    baseline = None
    for name, segment in contenders.items():
        rate = _rate(texts, segment)
        baseline = baseline or rate
        print(f"  {name:<38} {rate:>9.0f} articles/s   {rate / baseline:>6.1f}× jieba")


if __name__ == "__main__":
    main()
