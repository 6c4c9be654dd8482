"""A mirror scaled up to any number of people.com.cn articles, rendered from the project's own texts.

Benchmarks and the distributed-crawl tests need thousands of pages; they are generated on demand into a
temporary directory (never committed) by the same renderer as the demo mirror. The first articles are the owned
texts at new URLs and dates; every later one has its own synthetic text (mirror/synthetic.py), except that every
20th is a reprint of one of the articles just before it, so reprint clusters stay small, as on the real sites.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from mirror import people
from mirror.articles import CHINA_TZ, Article, load_articles
from mirror.common import relpath
from mirror.synthetic import synthetic_text

FIRST_CONTENT_ID = 50_000_000
NEWEST = datetime(2025, 12, 31, 20, 0, tzinfo=CHINA_TZ)
SEED = 9
REPRINT_EVERY = 20  # every 20th article repeats the text of one of the 19 before it
PARAGRAPH_CHARS = 150  # sentences are gathered into paragraphs of at least this many characters
TWO_PAGES_CHARS = 3000  # longer articles are split over two pages, as people.com.cn splits long ones


@dataclass(frozen=True)
class ScaledMirror:
    """What was written: the mirror root, the URL of every article and of every page a full crawl fetches."""

    root: Path
    article_urls: list[str]
    page_urls: list[str]  # list pages, article pages and their continuation pages (not robots.txt)


def _paragraphs(sentences: list[str]) -> tuple[str, ...]:
    paragraphs: list[str] = []
    current = ""
    for sentence in sentences:
        current += sentence
        if len(current) >= PARAGRAPH_CHARS:
            paragraphs.append(current[:-1] + "。")
            current = ""
    if current:
        paragraphs.append(current[:-1] + "。")
    return tuple(paragraphs)


def scaled_articles(count: int, *, seed: int = SEED) -> list[Article]:
    """`count` articles on politics.people.com.cn, newest first, an hour apart (the same for the same seed).

    The owned texts come first; after them each article has a text of its own, but every REPRINT_EVERY-th
    repeats the whole text (title and paragraphs) of one of the articles just before it.
    """
    owned = load_articles()
    rng = random.Random(seed)
    articles: list[Article] = []
    for n in range(count):
        published = NEWEST - timedelta(hours=n)
        content_id = str(FIRST_CONTENT_ID + n)
        url = f"http://{people.LIST_HOST}/n1/{published:%Y/%m%d}/c1024-{content_id}.html"
        if n < len(owned):
            articles.append(dataclasses.replace(owned[n], content_id=content_id, url=url, published_at=published))
        elif n % REPRINT_EVERY == REPRINT_EVERY - 1:
            original = articles[n - rng.randint(1, REPRINT_EVERY - 1)]
            articles.append(dataclasses.replace(original, content_id=content_id, url=url, published_at=published))
        else:
            title, sentences = synthetic_text(rng, published.year)
            paragraphs = _paragraphs(sentences)
            long = sum(map(len, paragraphs)) > TWO_PAGES_CHARS and len(paragraphs) >= 4
            # The page furniture (template, byline, editors) of an owned article; the text is the new one.
            articles.append(
                dataclasses.replace(
                    owned[n % len(owned)],
                    content_id=content_id,
                    url=url,
                    published_at=published,
                    title=title,
                    paragraphs=paragraphs,
                    page_starts=(len(paragraphs) // 2,) if long else (),
                    subheadings=frozenset(),
                    pre="",
                    sub="",
                    picture_caption="",
                    kind="news",
                    speakers=(),
                    occasion=None,
                    place=None,
                    spoken_on=None,
                )
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
            files[relpath(url)] = people.render_article_page(article, page_no, neighbours)
            page_urls.append(url)
    chunks = [articles[i : i + per_list_page] for i in range(0, len(articles), per_list_page)]
    for page_no, chunk in enumerate(chunks, 1):
        url = f"http://{people.LIST_HOST}{people.LIST_DIR}{people.list_page_name(page_no)}"
        files[relpath(url)] = people.render_list_page(chunk, page_no, len(chunks))
        page_urls.append(url)
    # The cpc column repeats the two newest items, as the real columns overlap.
    files[relpath(people.CPC_LIST_URL)] = people.render_cpc_list_page(articles[:2])
    page_urls.append(people.CPC_LIST_URL)
    for host in (people.LIST_HOST, "cpc.people.com.cn"):
        files[f"{host}/robots.txt"] = people.render_robots()
    for rel, text in files.items():
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(people.encode_page(text, rel))
    return ScaledMirror(out_dir, article_urls, page_urls)
