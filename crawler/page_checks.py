"""Checks on a fetched page before it is extracted: cut off, or too big to parse within a page's time budget."""

from __future__ import annotations

import re

MAX_PAGE_BYTES = 10 * 1024 * 1024  # NEWSMON_MAX_PAGE_BYTES
MAX_PAGE_ELEMENTS = 200_000  # NEWSMON_MAX_PAGE_ELEMENTS
_START_TAG = re.compile(rb"<[A-Za-z]")
_HTML_START = re.compile(rb"<html[\s>]", re.IGNORECASE)
_HTML_END = re.compile(rb"</html\s*>|</body\s*>", re.IGNORECASE)


def page_problem(
    body: bytes,
    content_type: str | None,
    *,
    max_bytes: int = MAX_PAGE_BYTES,
    max_elements: int = MAX_PAGE_ELEMENTS,
) -> str | None:
    """Why the page must not be extracted (None: it may). Counting start tags is a byte scan, done in
    milliseconds on a page that would take minutes and gigabytes to parse."""
    if len(body) > max_bytes:
        return f"page too large: {len(body):,} bytes (limit {max_bytes:,})"
    if content_type and "html" not in content_type.lower():
        return None
    elements = len(_START_TAG.findall(body))
    if elements > max_elements:
        return f"page too large: {elements:,} elements (limit {max_elements:,})"
    if _HTML_START.search(body[:4096]) and not _HTML_END.search(body[-8192:]):
        # The connection closed mid-page (no Content-Length to tell): never store the first half as the article.
        return "truncated: the page ends before </body></html>"
    return None
