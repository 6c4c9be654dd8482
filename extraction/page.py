"""A fetched page ready for field rules: decoded text, a parsel selector and its <meta> tags."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector
from parsel.csstranslator import css2xpath

from extraction.charset import DecodedPage, decode_html
from extraction.text import clean_line

# Registrable domains of the sites newsmon knows; anything else falls back to the last two labels
# (three for *.gov.cn / *.com.cn style second-level suffixes).
_SECOND_LEVEL = {"com.cn", "gov.cn", "org.cn", "net.cn", "edu.cn"}
_EARLY_CLOSE = re.compile(r"</(?:html|body)\s*>", re.IGNORECASE)
# The visible text nodes under an element (what first_text joins).
_TEXT_NODES = etree.XPath(".//text()[not(ancestor::script or ancestor::style)]", smart_strings=False)
_CSS: dict[str, etree.XPath] = {}


def _css(query: str) -> etree.XPath:
    """A CSS query as the compiled XPath parsel would run for `Selector.css` (its own translator, no smart
    strings), evaluated on the lxml tree directly: field rules ask ~20 queries a page, and parsel wrapped every
    match and every text node in a Selector of its own."""
    compiled = _CSS.get(query)
    if compiled is None:
        compiled = _CSS[query] = etree.XPath(css2xpath(query), smart_strings=False)
    return compiled


def _parse(markup: str, url: str) -> etree._Element:
    """lxml's plain HTML tree (what parsel builds, minus lxml.html's Python class lookup, which is called for
    every element touched and made walking a page several times slower)."""
    data = markup.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    try:
        root = etree.fromstring(data, parser=parser, base_url=url)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser, base_url=url)
    return root


_WRAPPERS = re.compile(r"</?(?:div|span|font|section|article|center|table|tbody|tr|td)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _lost_text(markup: str, root: etree._Element) -> bool:
    """Whether the parsed tree holds far less text than the markup (a tree cut short by the parser's depth
    limit); checked on the CJK characters outside tags, scripts and styles."""
    if len(markup) < 20_000 or markup.count("<div") < 1_500:
        return False  # only deeply nested pages can lose text this way; most pages are not checked at all
    in_markup = len(_CJK_CHAR.findall(_TAG.sub("", _SCRIPT_OR_STYLE.sub("", markup))))
    in_tree = len(_CJK_CHAR.findall("".join(t for t in root.itertext() if isinstance(t, str))))
    return in_markup > 100 and in_tree < in_markup // 2


def site_of(url: str) -> str:
    """The registrable domain of a URL: people.com.cn, news.cn, gov.cn (for www.gov.cn), e-gov.org.cn."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    labels = host.split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in _SECOND_LEVEL:
        # www.gov.cn's publisher is gov.cn itself; fgw.zj.gov.cn belongs to zj.gov.cn.
        if labels[-3] == "www":
            return ".".join(labels[-2:])
        return ".".join(labels[-3:])
    return ".".join(labels[-2:]) if len(labels) >= 2 else host


class Page:
    """One page's bytes decoded once and parsed once (lxml via parsel); rules read from it."""

    def __init__(self, url: str, body: bytes, content_type: str | None = None, *, now: datetime | None = None) -> None:
        self.url = url
        self.raw = body
        # The moment the page is read at: relative and year-less dates count from it.
        self.now = now
        self.decoded: DecodedPage = decode_html(body, content_type)
        self.text = self.decoded.text
        # Templates assembled from includes close </html> early (gov.cn's header include does); lxml then leaves
        # the article outside the document element, where CSS queries do not look. Closing tags are optional.
        markup = _EARLY_CLOSE.sub("", self.text) if self.text else ""
        root = _parse(markup, url)
        self.flattened = False
        if _lost_text(markup, root):
            # libxml2 stops building the tree some 2,000 levels down (5,000 nested <div>s): everything deeper is
            # dropped without a word. Layout wrappers are flattened away so the text is read at all.
            root = _parse(_WRAPPERS.sub("\n", markup), url)
            self.flattened = True
        self.sel = Selector(root=root, type="html", base_url=url)

    @cached_property
    def metas(self) -> dict[str, str]:
        """<meta name|property|http-equiv=… content=…>, keys lower-cased; the first occurrence wins."""
        found: dict[str, str] = {}
        for meta in self.sel.xpath("//meta"):
            key = meta.attrib.get("name") or meta.attrib.get("property") or meta.attrib.get("itemprop")
            content = meta.attrib.get("content")
            if key and content is not None and key.lower() not in found:
                found[key.lower()] = content.strip()
        return found

    def meta(self, *names: str) -> str | None:
        """The first non-empty meta among names (case-insensitive)."""
        for name in names:
            value = self.metas.get(name.lower())
            if value:
                return value
        return None

    def first_text(self, *css: str) -> str | None:
        """Visible text of the first element matched by any selector, whitespace squashed; None if empty."""
        root = self.sel.root
        for query in css:
            for node in _css(query)(root):
                text = clean_line(" ".join(_TEXT_NODES(node)))
                if text:
                    return text
        return None

    def first_html(self, *css: str) -> tuple[str, str] | None:
        """(selector, outer HTML) of the first element matched by any selector."""
        for query in css:
            node = self.sel.css(query)
            if node:
                return query, node[0].get()
        return None

    def first_node(self, *css: str) -> tuple[str, Any] | None:
        """(selector, lxml element) of the first element matched by any selector."""
        root = self.sel.root
        for query in css:
            nodes = _css(query)(root)
            if nodes:
                return query, nodes[0]
        return None

    @cached_property
    def html_title(self) -> str | None:
        title = self.sel.xpath("//title/text()").get()
        return clean_line(title) if title else None

    def search(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        return pattern.search(self.text)
