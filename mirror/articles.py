"""Load the demo mirror's article texts and page metadata (the ground truth its pages are built from)."""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

CONTENT_DIR = Path(__file__).resolve().parent / "content"
PEOPLE_DIR = CONTENT_DIR / "people"

# Beijing time has had no DST since 1991, so a fixed offset is exact and needs no tzdata.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

Template = Literal["rm_txt", "text_title"]
Indent = Literal["ideographic", "css"]

# Line 2 of the plain-text article format, e.g. "来源:人民网 更新时间:2018-05-04" (the clock time is optional
# because the seed text only carries a date).
_SOURCE_LINE = re.compile(
    r"^来源[:：](?P<source>\S.*?)\s+更新时间[:：](?P<date>\d{4}-\d{2}-\d{2})(?:\s+(?P<time>\d{2}:\d{2}))?\s*$"
)
# people.com.cn detail URLs: /n1/YYYY/MMDD/c<node>-<contentId>.html
_DETAIL_URL = re.compile(r"^/n1/(?P<year>\d{4})/(?P<mmdd>\d{4})/c(?P<node>\d+)-(?P<cid>\d{8})\.html$")


@dataclass(frozen=True)
class Speaker:
    """An official whose words an article carries."""

    name: str
    role: str
    org: str


@dataclass(frozen=True)
class PlainArticle:
    """An article in the project's plain-text format: title, 来源/更新时间 line, paragraphs."""

    title: str
    source: str
    date: str
    time: str | None
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Article:
    """One demo article: its text plus everything the page template shows about it."""

    content_id: str
    url: str
    template: Template
    title: str
    source: str
    meta_source: str
    source_url: str
    published_at: datetime
    paragraphs: tuple[str, ...]
    pre: str
    sub: str
    byline_prefix: str
    authors: tuple[str, ...]
    editors: tuple[str, ...]
    author_id: str
    editor_id: str
    subheadings: frozenset[str]
    page_starts: tuple[int, ...]
    indent: Indent
    paper_edition: str
    picture_caption: str
    kind: str
    speakers: tuple[Speaker, ...]
    occasion: str | None
    place: str | None
    spoken_on: str | None

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def node_id(self) -> str:
        """The column id in the URL (c1024-…), which the page also states in its `catalogs` meta."""
        match = _DETAIL_URL.match(urlsplit(self.url).path)
        assert match is not None
        return match["node"]

    @property
    def page_urls(self) -> tuple[str, ...]:
        """URL of every page: people.com.cn names later pages `…-<contentId>-2.html`, `-3.html`…"""
        stem = self.url.removesuffix(".html")
        return (self.url, *(f"{stem}-{n}.html" for n in range(2, len(self.pages) + 1)))

    @property
    def pages(self) -> tuple[tuple[str, ...], ...]:
        """The paragraphs of each page."""
        bounds = (0, *self.page_starts, len(self.paragraphs))
        return tuple(self.paragraphs[a:b] for a, b in itertools.pairwise(bounds))

    @property
    def body(self) -> str:
        """The article text as an extractor should return it: paragraphs of all pages joined by newlines."""
        return "\n".join(self.paragraphs)


def parse_plain_text(text: str) -> PlainArticle:
    """Parse the plain-text article format; paragraphs are separated by blank lines."""
    lines = text.splitlines()
    if len(lines) < 3:
        raise ValueError("an article needs a title line, a 来源/更新时间 line and a body")
    title = lines[0].strip()
    match = _SOURCE_LINE.match(lines[1].strip())
    if not title or match is None:
        raise ValueError(f"bad header lines: {lines[:2]!r}")
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines[2:], ""]:
        # str.strip also drops the no-break spaces some copied texts (the seed included) indent with.
        stripped = line.strip()
        if stripped:
            current.append(stripped)
        elif current:
            paragraphs.append("".join(current))
            current = []
    if not paragraphs:
        raise ValueError(f"{title}: empty body")
    return PlainArticle(title, match["source"].strip(), match["date"], match["time"], tuple(paragraphs))


def _strings(value: Any, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{field} must be a list of strings")
    return tuple(value)


def _article(meta: dict[str, Any], content_dir: Path) -> Article:
    cid = str(meta["content_id"])
    plain = parse_plain_text((content_dir / f"{cid}.txt").read_text(encoding="utf-8"))
    url = str(meta["url"])
    match = _DETAIL_URL.match(urlsplit(url).path)
    if match is None or match["cid"] != cid:
        raise ValueError(f"{cid}: URL {url} is not a people.com.cn detail URL for this content id")
    if f"{match['year']}-{match['mmdd'][:2]}-{match['mmdd'][2:]}" != plain.date:
        raise ValueError(f"{cid}: URL date differs from 更新时间 {plain.date}")
    clock = plain.time or meta.get("time")
    if not isinstance(clock, str):
        raise ValueError(f"{cid}: 更新时间 has no clock time and articles.toml gives no `time`")
    published_at = datetime.strptime(f"{plain.date} {clock}", "%Y-%m-%d %H:%M").replace(tzinfo=CHINA_TZ)

    subheadings = frozenset(_strings(meta.get("subheadings", []), "subheadings"))
    missing = subheadings - set(plain.paragraphs)
    if missing:
        raise ValueError(f"{cid}: subheadings not found as paragraphs: {sorted(missing)}")
    page_starts: list[int] = []
    for prefix in _strings(meta.get("page_breaks", []), "page_breaks"):
        hits = [i for i, p in enumerate(plain.paragraphs) if p.startswith(prefix) and i > 0]
        if len(hits) != 1:
            raise ValueError(f"{cid}: page break {prefix!r} must start exactly one paragraph")
        page_starts.append(hits[0])
    if page_starts != sorted(set(page_starts)):
        raise ValueError(f"{cid}: page breaks out of order")

    template = meta.get("template")
    indent = meta.get("indent", "ideographic")
    if template not in ("rm_txt", "text_title") or indent not in ("ideographic", "css"):
        raise ValueError(f"{cid}: unknown template {template!r} or indent {indent!r}")
    speakers = tuple(Speaker(str(s["name"]), str(s["role"]), str(s["org"])) for s in meta.get("speakers", []))
    return Article(
        content_id=cid,
        url=url,
        template=template,
        title=plain.title,
        source=plain.source,
        meta_source=str(meta.get("meta_source", f"来源：{plain.source}")),
        source_url=str(meta["source_url"]),
        published_at=published_at,
        paragraphs=plain.paragraphs,
        pre=str(meta.get("pre", "")),
        sub=str(meta.get("sub", "")),
        byline_prefix=str(meta.get("byline_prefix", "")),
        authors=_strings(meta.get("authors", []), "authors"),
        editors=_strings(meta["editors"], "editors"),
        author_id=str(meta["author_id"]),
        editor_id=str(meta.get("editor_id", "")),
        subheadings=subheadings,
        page_starts=tuple(page_starts),
        indent=indent,
        paper_edition=str(meta.get("paper_edition", "")),
        picture_caption=str(meta.get("picture_caption", "")),
        kind=str(meta["kind"]),
        speakers=speakers,
        occasion=meta.get("occasion"),
        place=meta.get("place"),
        spoken_on=meta.get("spoken_on"),
    )


def load_articles(content_dir: Path = PEOPLE_DIR) -> list[Article]:
    """All articles described by `articles.toml` in content_dir, newest first (the order list pages use)."""
    with (content_dir / "articles.toml").open("rb") as fh:
        manifest = tomllib.load(fh)
    articles = [_article(meta, content_dir) for meta in manifest["article"]]
    ids = [a.content_id for a in articles]
    if len(set(ids)) != len(ids):
        raise ValueError("content ids must be unique")
    listed = {p.stem for p in content_dir.glob("*.txt")}
    if listed != set(ids):
        raise ValueError(f"texts and articles.toml disagree: {sorted(listed ^ set(ids))}")
    return sorted(articles, key=lambda a: (a.published_at, a.content_id), reverse=True)
