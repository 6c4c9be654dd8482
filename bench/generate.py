"""Synthetic articles for benchmarks: realistic lengths, ten years of dates, domain terms rising and falling."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from db.types import SHANGHAI
from ground.article import Extracted
from mirror.synthetic import synthetic_text


def synthetic_articles(count: int, *, seed: int = 8, start_year: int = 2015, years: int = 10) -> Iterator[Extracted]:
    """`count` articles of 600–4,000 characters (median about 2,000) spread over `years` years."""
    rng = random.Random(seed)
    start = datetime(start_year, 1, 1, 8, tzinfo=SHANGHAI)
    span = timedelta(days=365 * years)
    sites = ["people.com.cn", "news.cn", "gov.cn", "miit.gov.cn", "e-gov.org.cn", "cac.gov.cn"]
    sources = ["人民网", "新华社", "中国政府网", "工业和信息化部", "中国电子政务网", "中国网信网"]
    for number in range(count):
        published = start + span * (number / max(count, 1)) + timedelta(minutes=rng.randrange(0, 600))
        title, sentences = synthetic_text(rng, published.year)
        body = "".join(sentences)
        body = "\n".join(body[i : i + 200] for i in range(0, len(body), 200))
        site = number % len(sites)
        yield Extracted(
            url=f"http://bench.{sites[site]}/{published:%Y%m%d}/{number}.html",
            site=sites[site],
            charset="utf-8",
            title=title,
            published_at=published,
            published_precision="minute",
            source=sources[site],
            authors=[],
            editors=[],
            body=body,
            rules={},
        )
