"""Term trends per month/quarter/year, first use, who uses a term, and the terms rising fastest."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from analysis.search import check_filters
from analysis.vocabulary import Vocabulary, analysis_terms, load_vocabulary
from db import search as db_search
from db.fts import QueryError, Term, parse_query
from db.queries import article_speakers, article_summary
from db.search import Filters
from db.types import SHANGHAI

Period = Literal["month", "quarter", "year"]


def period_of(month: str, by: Period) -> str:
    """'2024-05' as the period it falls in: 2024-05, 2024-Q2 or 2024."""
    year, mon = month.split("-")
    if by == "year":
        return year
    if by == "quarter":
        return f"{year}-Q{(int(mon) - 1) // 3 + 1}"
    return month


def _periods_between(first: str, last: str, by: Period) -> list[str]:
    """Every period from the first to the last month, so a chart's gaps show as zeros, not as missing points."""
    year, mon = (int(x) for x in first.split("-"))
    end = tuple(int(x) for x in last.split("-"))
    periods: list[str] = []
    while (year, mon) <= end:
        period = period_of(f"{year:04d}-{mon:02d}", by)
        if not periods or periods[-1] != period:
            periods.append(period)
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return periods


@dataclass(frozen=True)
class TrendRow:
    period: str
    term: str
    articles: int  # articles of the period using the term
    occurrences: int  # times the term appears in them
    total_articles: int  # all articles of the period (under the same filters)
    rate: float  # articles using the term per `per` articles of the period

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def trend(
    session: Session,
    terms: list[str],
    *,
    by: Period = "month",
    filters: Filters | None = None,
    per: int = 1000,
    vocabulary: Vocabulary | None = None,
) -> list[TrendRow]:
    """Per period and term (or full query): articles using it, occurrences, and articles per `per` articles of
    that period.

    A curated term counts all its variants (data/terms/); any other term is counted as written. By default a
    reprinted speech counts once (its original, else its earliest copy passing the filters): dedupe="copies"
    counts every copy.
    """
    filters = check_filters(session, filters or Filters(), default_dedupe="reprints")
    vocabulary = vocabulary or load_vocabulary()
    totals_by_month = db_search.articles_per_month(session, filters)
    if not totals_by_month:
        return []
    months = sorted(totals_by_month)
    periods = _periods_between(months[0], months[-1], by)
    totals: Counter[str] = Counter()
    for month, count in totals_by_month.items():
        totals[period_of(month, by)] += count
    rows = []
    for term in terms:
        label = vocabulary.canonical(term) or term
        parsed = parse_query(term)
        if isinstance(parsed, Term):
            per_month = db_search.term_per_month(
                session, vocabulary.query(term), vocabulary.variants(term), filters, term=vocabulary.canonical(term)
            )
        else:
            # A full query (一网通办 OR 数字政府, "一网 通办" NOT 试点): the articles it matches; occurrences are
            # those articles too, since an OR or a NOT has no single spelling to count.
            per_month = {m: (n, n) for m, n in db_search.query_per_month(session, parsed, filters).items()}
        articles: Counter[str] = Counter()
        occurrences: Counter[str] = Counter()
        for month, (n_articles, n_occurrences) in per_month.items():
            articles[period_of(month, by)] += n_articles
            occurrences[period_of(month, by)] += n_occurrences
        for period in periods:
            total = totals[period]
            rate = round(articles[period] * per / total, 3) if total else 0.0
            rows.append(TrendRow(period, label, articles[period], occurrences[period], total, rate))
    return rows


def first(
    session: Session, term: str, *, filters: Filters | None = None, limit: int = 1, vocabulary: Vocabulary | None = None
) -> list[dict[str, Any]]:
    """The earliest articles using the term (any variant): when, where, and who said it.

    By default a reprinted speech is its original (a date-only copy stamped at midnight is not the first use);
    dedupe="copies" considers every copy."""
    filters = check_filters(session, filters or Filters(), default_dedupe="reprints")
    vocabulary = vocabulary or load_vocabulary()
    rows = db_search.first_use(session, vocabulary.query(term), filters, limit=limit)
    variants = vocabulary.variants(term)
    out = []
    for article, site in rows:
        used = next((v for v in variants if v.lower() in (article.title + article.body).lower()), variants[0])
        speakers = article_speakers(session, article.id)
        out.append(
            {
                **article_summary(article, site),
                "term": vocabulary.canonical(term) or term,
                "variant": used,
                "speaker": "、".join(s["name"] for s in speakers) or None,
                "speakers": speakers,
            }
        )
    return out


def who(
    session: Session,
    term: str,
    *,
    filters: Filters | None = None,
    limit: int = 20,
    vocabulary: Vocabulary | None = None,
) -> list[dict[str, Any]]:
    """Who uses the term most: by speaker and their organisation; articles with no speaker by 来源 and site.

    By default a reprinted speech counts once (dedupe="copies" counts every copy)."""
    filters = check_filters(session, filters or Filters(), default_dedupe="reprints")
    vocabulary = vocabulary or load_vocabulary()
    return db_search.users_of(
        session,
        vocabulary.query(term),
        vocabulary.variants(term),
        filters,
        limit=limit,
        term=vocabulary.canonical(term),
    )


PERIOD = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(\d{1,2})))?$")


def parse_period(text: str) -> tuple[datetime, datetime]:
    """'2024', '2024-Q2' or '2024-05' as [start, end) in Asia/Shanghai."""
    match = PERIOD.match(text.strip())
    if not match:
        raise QueryError(f"{text!r} is not a period: write 2024, 2024-Q2 or 2024-05")
    year, quarter, month = int(match[1]), match[2], match[3]
    if quarter:
        first_month, months = (int(quarter) - 1) * 3 + 1, 3
    elif month:
        if not 1 <= int(month) <= 12:
            raise QueryError(f"{text!r}: no month {month}")
        first_month, months = int(month), 1
    else:
        first_month, months = 1, 12
    end_index = year * 12 + first_month - 1 + months
    start = datetime(year, first_month, 1, tzinfo=SHANGHAI)
    return start, datetime(end_index // 12, end_index % 12 + 1, 1, tzinfo=SHANGHAI)


def rising_terms(
    session: Session,
    period_from: str,
    period_to: str,
    *,
    filters: Filters | None = None,
    limit: int = 20,
    min_articles: int = 3,
    sample: int = 5000,
    curated_only: bool = False,
    vocabulary: Vocabulary | None = None,
) -> dict[str, Any]:
    """Terms whose share of articles grew most from one period to another.

    Each article is segmented with the domain vocabulary (jieba); a term's rate is the share of the period's
    articles that use it, per 1000. Growth is (rate_to + 1) / (rate_from + 1), so a term new in the later period
    ranks by how widely it is used, and noise from one or two articles is kept out by `min_articles`. At most
    `sample` articles per period are read (the report says how many were). Only terms whose share grew are
    listed, and a reprinted speech counts once by default, as in `trend` (dedupe="copies" counts every copy).
    """
    filters = check_filters(session, filters or Filters(), default_dedupe="reprints")
    vocabulary = vocabulary or load_vocabulary()
    counts: list[Counter[str]] = []
    sizes: list[int] = []
    for period in (period_from, period_to):
        start, end = parse_period(period)
        documents = db_search.articles_between(session, start, end, filters, limit=sample)
        counter: Counter[str] = Counter()
        for _, title, body in documents:
            counter.update(analysis_terms(vocabulary, f"{title}\n{body}"))
        counts.append(counter)
        sizes.append(len(documents))
    before, after = counts
    rows: list[dict[str, Any]] = []
    for term, n_after in after.items():
        if n_after < min_articles or (curated_only and term not in vocabulary.terms):
            continue
        rate_before = before[term] * 1000 / sizes[0] if sizes[0] else 0.0
        rate_after = n_after * 1000 / sizes[1]
        if rate_after <= rate_before:
            continue  # falling or flat: not a rising term
        rows.append(
            {
                "term": term,
                "curated": term in vocabulary.terms,
                "articles_from": before[term],
                "articles_to": n_after,
                "rate_from": round(rate_before, 2),
                "rate_to": round(rate_after, 2),
                "growth": round((rate_after + 1) / (rate_before + 1), 3),
            }
        )
    rows.sort(key=lambda r: (-r["growth"], -r["articles_to"], r["term"]))
    return {
        "from": period_from,
        "to": period_to,
        "articles_read": {"from": sizes[0], "to": sizes[1]},
        "terms": rows[:limit],
    }
