"""Term trends per month/quarter/year, first use, who uses a term, and the terms rising fastest."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from analysis.search import check_filters
from analysis.vocabulary import Vocabulary, analysis_terms, load_vocabulary
from db import search as db_search
from db import trends as db_trends
from db.registry import article_speakers
from db.search import Filters
from db.summary import article_summary
from db.types import SHANGHAI
from ground.query import QueryError, Term, parse_query

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


TREND_COLUMNS = ["period", "term", "articles", "occurrences", "total_articles", "rate", "uncertain", "estimated"]
# A period with fewer articles than this (under the filters) gives an uncertain share: shown, marked, and kept
# from setting a chart's scale (3 of 5 articles is 600 per 1000 and says little).
FLOOR = 30


@dataclass(frozen=True)
class TrendRow:
    period: str
    term: str  # the query as charted (a curated term by its canonical name)
    articles: int  # articles of the period matching it
    occurrences: int  # times a single term appears in them (a full query: its articles)
    total_articles: int  # all articles of the period under the same filters: the denominator
    rate: float | None  # matching articles per `per` articles of the period; None where the period has none (a gap)
    uncertain: bool = False  # fewer than the floor's articles in the period
    estimated: bool = False  # articles estimated from a sample (db/trends.py CONFIRM_SHARE)
    date_from: str = ""  # the period's first and last day, for a link to its matching articles
    date_to: str = ""

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def period_days(period: str) -> tuple[date, date]:
    """A period (2024, 2024-Q2, 2024-05) as its first and last day."""
    start, end = parse_period(period)
    return start.date(), (end - timedelta(days=1)).date()


def trend(
    session: Session,
    terms: list[str],
    *,
    by: Period = "month",
    filters: Filters | None = None,
    per: int = 1000,
    floor: int = FLOOR,
    vocabulary: Vocabulary | None = None,
    occurrences: bool = True,
) -> list[TrendRow]:
    """Per period and query: matching articles, occurrences, all articles of the period and the share per `per`.

    Each entry of `terms` is a curated term (all its variants counted), a term as written, or a full query
    (一网通办 OR 数字政府, "一网 通办" NOT 试点). Every period from the first to the last dated article is listed;
    one with no article has no share (a gap, not a zero), one with fewer than `floor` articles is uncertain.
    By default a reprinted speech counts once (db/filters.py); dedupe="copies" counts every copy. With
    `occurrences` False, a term of ideographs without stored counts is not counted in the text of every matching
    article: its articles come from the index alone (db/trends.py index_finds_exactly) and its occurrences are
    given as its articles, for a chart that shows only articles and shares.
    """
    filters = check_filters(session, filters or Filters(), default_dedupe="reprints")
    vocabulary = vocabulary or load_vocabulary()
    parsed_terms = [(term, parse_query(term)) for term in terms]  # every query checked before any is counted
    totals_by_month = db_trends.articles_per_month(session, filters)
    if not totals_by_month:
        return []
    months = sorted(totals_by_month)
    periods = _periods_between(months[0], months[-1], by)
    totals: Counter[str] = Counter()
    for month, count in totals_by_month.items():
        totals[period_of(month, by)] += count
    days = {period: period_days(period) for period in periods}
    rows = []
    for term, parsed in parsed_terms:
        # A single term, quoted or not: its spellings as the vocabulary knows them (the quotes are no spelling).
        word = parsed.text if isinstance(parsed, Term) else term
        canonical, variants = vocabulary.canonical(word), vocabulary.variants(word)
        label = vocabulary.canonical(term) or term
        from_index = not occurrences and db_trends.index_finds_exactly(variants)
        counted: db_trends.Months | None = None
        if isinstance(parsed, Term) and from_index and not db_trends.counted(session, canonical or "", variants):
            counted = db_trends.query_months(session, vocabulary.query(word), filters)
            per_month = {m: (n, n) for m, n in counted.counts.items()}
        elif isinstance(parsed, Term):
            per_month = db_trends.term_per_month(session, vocabulary.query(word), variants, filters, term=canonical)
        else:
            # A full query: the articles it matches; occurrences are those articles too, since an OR or a NOT has
            # no single spelling to count.
            counted = db_trends.query_months(session, parsed, filters)
            per_month = {m: (n, n) for m, n in counted.counts.items()}
        estimated = counted.estimated if counted is not None else False
        articles: Counter[str] = Counter()
        used: Counter[str] = Counter()
        for month, (n_articles, n_occurrences) in per_month.items():
            articles[period_of(month, by)] += n_articles
            used[period_of(month, by)] += n_occurrences
        for period in periods:
            total = totals[period]
            rate = round(articles[period] * per / total, 3) if total else None
            start, end = days[period]
            rows.append(
                TrendRow(
                    period,
                    label,
                    articles[period],
                    used[period],
                    total,
                    rate,
                    uncertain=0 < total < floor,
                    estimated=estimated and total > 0,
                    date_from=start.isoformat(),
                    date_to=end.isoformat(),
                )
            )
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
    return db_trends.users_of(
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
        documents = db_trends.articles_between(session, start, end, filters, limit=sample)
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
