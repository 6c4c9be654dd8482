"""The plain-text article format: a title line, a `来源:… 更新时间:…` line, then the body."""

from __future__ import annotations

import re

from extraction.charset import decode_html
from extraction.dates import DateParseError, parse_date
from extraction.rules import EDITOR_IN_TEXT, authors_in_body, shape_source
from extraction.text import clean_line, clean_paragraph, split_names
from ground.article import Extracted, ExtractionError

_META_LINE = re.compile(r"^\s*来源\s*[:：]\s*(?P<source>.*?)\s*(?:更新时间|发布时间|时间)\s*[:：]\s*(?P<date>.+?)\s*$")


def parse_plaintext(data: bytes, *, url: str, site: str) -> Extracted:
    """Parse one article file (UTF-8 or GB18030, detected from the bytes). Raises ExtractionError."""
    decoded = decode_html(data)
    lines = decoded.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    content = [line for line in lines if line.strip()]
    if len(content) < 3:
        raise ExtractionError("a plain-text article needs a title line, a 来源/更新时间 line and a body")
    title = clean_line(content[0])
    meta = _META_LINE.match(clean_line(content[1]))
    if not meta:
        raise ExtractionError(f"line 2 is not a `来源:… 更新时间:…` line: {content[1][:60]!r}")
    try:
        published = parse_date(meta.group("date"))
    except DateParseError as exc:
        raise ExtractionError(f"unreadable 更新时间 {meta.group('date')!r}") from exc
    paragraphs = [p for p in (clean_paragraph(line) for line in content[2:]) if p]
    editors: list[str] = []
    while paragraphs and (match := EDITOR_IN_TEXT.search(paragraphs[-1])) and len(paragraphs[-1]) < 40:
        editors = split_names(match.group(1))
        paragraphs.pop()
    body = "\n".join(paragraphs)
    record = Extracted(
        url=url,
        site=site,
        charset=decoded.charset,
        title=title,
        published_at=published.value,
        published_precision=published.precision,
        source=shape_source(meta.group("source")),
        authors=authors_in_body(paragraphs),
        editors=editors,
        body=body,
    )
    record.rules = {
        "title": "plaintext:line1",
        "published_at": "plaintext:更新时间",
        "source": "plaintext:来源",
        "body": "plaintext:lines",
    }
    if record.authors:
        record.rules["authors"] = "plaintext:（记者…）"
    if editors:
        record.rules["editors"] = "plaintext:责任编辑"
    return record


def import_url(data: bytes) -> str:
    """A stable identifier for an imported text that has no URL: the same text always gets the same one."""
    import hashlib

    return "urn:newsmon:import:" + hashlib.sha256(data).hexdigest()[:16]
