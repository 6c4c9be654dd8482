"""The words distinctive of a query's matches: segmented with jieba and the domain vocabulary, each word's share
of the matching articles set against its share of the archive under the same filters."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from analysis.search import check_filters
from analysis.vocabulary import Vocabulary, analysis_terms, load_vocabulary
from db import search as db_search
from db.filters import Filters
from ground.query import parse_query

SAMPLE = 200  # newest articles read on each side
MIN_ARTICLES = 2
WORDS_COLUMNS = ["word", "curated", "articles", "share", "archive_share", "ratio"]
# Words of two or more characters that say nothing about a formulation.
STOP_WORDS = frozenset(
    [
        "我们",
        "你们",
        "他们",
        "它们",
        "自己",
        "这个",
        "那个",
        "这些",
        "那些",
        "这样",
        "那样",
        "这种",
        "一个",
        "一些",
        "一批",
        "一定",
        "一是",
        "二是",
        "三是",
        "四是",
        "进一步",
        "已经",
        "正在",
        "以及",
        "并且",
        "而且",
        "但是",
        "因为",
        "所以",
        "如果",
        "虽然",
        "通过",
        "进行",
        "开展",
        "实现",
        "提出",
        "表示",
        "指出",
        "认为",
        "强调",
        "要求",
        "工作",
        "方面",
        "问题",
        "情况",
        "有关",
        "相关",
        "其中",
        "目前",
        "同时",
        "此外",
        "今年",
        "去年",
        "明年",
        "近年来",
        "以来",
        "当前",
        "不断",
        "持续",
        "更加",
        "积极",
        "重要",
        "主要",
        "全面",
        "没有",
        "可以",
        "能够",
        "需要",
        "应当",
        "应该",
        "必须",
        "就是",
        "还是",
        "或者",
        "之一",
        "之间",
        "之后",
        "以上",
        "以下",
        "记者",
        "日电",
        "责任编辑",
        "编辑",
        "来源",
    ]
)


def _document_words(vocabulary: Vocabulary, title: str, body: str) -> set[str]:
    return {w for w in analysis_terms(vocabulary, f"{title}\n{body}") if w not in STOP_WORDS}


def distinctive_words(
    session: Session,
    query_text: str,
    filters: Filters | None = None,
    *,
    sample: int = SAMPLE,
    limit: int = 30,
    vocabulary: Vocabulary | None = None,
) -> dict[str, Any]:
    """Up to `limit` words most over-represented in the newest `sample` matches against the newest `sample`
    articles passing the filters: ratio of shares (each smoothed by half an article), at least MIN_ARTICLES
    matches using the word. Each speech once by default."""
    filters = check_filters(session, filters or Filters(), default_dedupe="reprints")
    vocabulary = vocabulary or load_vocabulary()
    node = parse_query(query_text)
    matched = db_search.search(session, node, filters, limit=sample, sort="date").rows
    archive = db_search.browse(session, filters, limit=sample).rows
    ours: Counter[str] = Counter()
    for article, _, _ in matched:
        ours.update(_document_words(vocabulary, article.title, article.body))
    theirs: Counter[str] = Counter()
    for article, _, _ in archive:
        theirs.update(_document_words(vocabulary, article.title, article.body))
    n_ours, n_theirs = max(1, len(matched)), max(1, len(archive))
    rows: list[dict[str, Any]] = []
    for word, count in ours.items():
        if count < MIN_ARTICLES:
            continue
        share = (count + 0.5) / (n_ours + 1)
        background = (theirs[word] + 0.5) / (n_theirs + 1)
        rows.append(
            {
                "word": word,
                "curated": word in vocabulary.terms,
                "articles": count,
                "share": round(count / n_ours, 4),
                "archive_share": round(theirs[word] / n_theirs, 4),
                "ratio": round(share / background, 3),
                "_score": math.log(share / background) * math.sqrt(count),
            }
        )
    rows.sort(key=lambda r: (-r["_score"], -r["articles"], r["word"]))
    for row in rows:
        del row["_score"]
    return {"query": query_text, "matches_read": len(matched), "archive_read": len(archive), "words": rows[:limit]}
