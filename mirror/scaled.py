"""A mirror scaled up to any number of people.com.cn articles, rendered from the project's own texts.

Benchmarks and the distributed-crawl tests need thousands of pages; they are generated on demand into a
temporary directory (never committed) by the same renderer as the demo mirror: each generated article is
one of the owned texts at a new URL and date.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from mirror import people
from mirror.articles import CHINA_TZ, Article, load_articles
from mirror.generate import encode_page, relpath_for

FIRST_CONTENT_ID = 50_000_000
NEWEST = datetime(2025, 12, 31, 20, 0, tzinfo=CHINA_TZ)


@dataclass(frozen=True)
class ScaledMirror:
    """What was written: the mirror root, the URL of every article and of every page a full crawl fetches."""

    root: Path
    article_urls: list[str]
    page_urls: list[str]  # list pages, article pages and their continuation pages (not robots.txt)


def scaled_articles(count: int) -> list[Article]:
    """`count` articles on politics.people.com.cn, newest first: the owned texts in turn, an hour apart."""
    texts = load_articles()
    articles = []
    for n in range(count):
        published = NEWEST - timedelta(hours=n)
        content_id = str(FIRST_CONTENT_ID + n)
        url = f"http://{people.LIST_HOST}/n1/{published:%Y/%m%d}/c1024-{content_id}.html"
        articles.append(
            dataclasses.replace(texts[n % len(texts)], content_id=content_id, url=url, published_at=published)
        )
    return articles


def build_scaled(out_dir: Path, count: int, per_list_page: int = 50) -> ScaledMirror:
    """Write a mirror of `count` articles listed `per_list_page` to a page of the 时政·高层动态 column."""
    articles = scaled_articles(count)
    files: dict[str, str] = {}
    article_urls: list[str] = []
    page_urls: list[str] = []
    for index, article in enumerate(articles):
        # A few neighbours as the related-article blocks: rendering against all articles would be quadratic.
        neighbours = articles[max(index - 2, 0) : index] + articles[index + 1 : index + 3]
        article_urls.append(article.url)
        for page_no, url in enumerate(article.page_urls, 1):
            files[relpath_for(url)] = people.render_article_page(article, page_no, neighbours)
            page_urls.append(url)
    chunks = [articles[i : i + per_list_page] for i in range(0, len(articles), per_list_page)]
    for page_no, chunk in enumerate(chunks, 1):
        url = f"http://{people.LIST_HOST}{people.LIST_DIR}{people.list_page_name(page_no)}"
        files[relpath_for(url)] = people.render_list_page(chunk, page_no, len(chunks))
        page_urls.append(url)
    # The cpc column repeats the two newest items, as the real columns overlap.
    files[relpath_for(people.CPC_LIST_URL)] = people.render_cpc_list_page(articles[:2])
    page_urls.append(people.CPC_LIST_URL)
    for host in (people.LIST_HOST, "cpc.people.com.cn"):
        files[f"{host}/robots.txt"] = people.render_robots()
    for rel, text in files.items():
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(encode_page(text, rel))
    return ScaledMirror(out_dir, article_urls, page_urls)
