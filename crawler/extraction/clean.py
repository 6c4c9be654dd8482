"""Body cleaning with BeautifulSoup4: from an article container's HTML to clean paragraphs in order."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bs4 import BeautifulSoup, NavigableString, Tag

from crawler.extraction.text import clean_paragraph

# Never article text, wherever they sit.
_NOISE_TAGS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "form",
    "input",
    "button",
    "select",
    "textarea",
    "object",
    "embed",
    "video",
    "audio",
    "svg",
    "canvas",
    "map",
    "template",
)
_BLOCK_TAGS = (
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "tr",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "center",
    "header",
    "footer",
    "figure",
    "figcaption",
    "tbody",
    "thead",
    "aside",
    "nav",
    "main",
)
# Lines that are page furniture, not text: editor credits, print-edition notes, share prompts, pagers.
_NOISE_LINES = re.compile(
    r"^(?:[（(【\[]\s*)?(?:责任编辑|责编|编辑|校对|审核|值班编辑)\s*[:：]"
    r"|^《\s*人民日报\s*》\s*[（(]\s*\d{4}年"
    r"|^(?:分享到|点击进入|扫一扫|打印本页|关闭窗口|【纠错】|纠错|阅读下一篇|返回顶部|上一篇|下一篇)"
    r"|^(?:【\d+】)+$"
    r"|^(?:上一页|下一页|首页|尾页|\d+)(?:\s*(?:上一页|下一页|首页|尾页|\d+))*$"
    r"|^(?:Play Video|\d+:\d+|/\d+:\d+)$"
)
# Headings that open the related-articles block: everything after them is dropped.
_TAIL_MARKERS = re.compile(r"^(?:相关新闻|相关阅读|相关链接|延伸阅读|推荐阅读|相关专题|更多精彩)\s*[:：]?$")
# A caption credits the photographer or says it is a file photo.
_CAPTION = re.compile(r"(?:摄|供图|图片来源[:：].*|资料图(?:片)?|视频截图)\s*[)）]?$")


def _is_leaf_block(tag: Tag) -> bool:
    return tag.name in _BLOCK_TAGS and tag.find(_BLOCK_TAGS) is None


def _text_of(tag: Tag) -> str:
    return "".join(s for s in tag.find_all(string=True)).strip(" \t\r\n\u00a0\u3000")


def _link_text(tag: Tag) -> str:
    return "".join(a.get_text() for a in tag.find_all("a")).strip(" \t\r\n\u00a0\u3000")


def _centred(tag: Tag) -> bool:
    style = str(tag.get("style") or "").replace(" ", "").lower()
    return "text-align:center" in style or str(tag.get("align") or "").lower() == "center"


def _drop_furniture(root: Tag) -> None:
    """Remove link-only blocks (related links, promos), photo blocks and their captions."""
    previous_was_image = False
    for block in [b for b in root.find_all(_BLOCK_TAGS) if _is_leaf_block(b)]:
        text = _text_of(block)
        has_image = block.find("img") is not None
        if not text:
            previous_was_image = has_image
            continue
        short = len(text) < 100
        link_only = _link_text(block) == text
        caption = (
            (has_image and short)
            or (short and bool(_CAPTION.search(text)))
            or (previous_was_image and short and _centred(block))
        )
        previous_was_image = False
        if link_only or caption:
            block.decompose()


def _lines(root: Tag) -> list[tuple[str, bool]]:
    """Text lines in page order, each with whether all of its text sits inside links (related-link lists
    separated by <br> rather than blocks)."""
    for br in root.find_all("br"):
        br.replace_with(NavigableString("\n"))
    for block in root.find_all(_BLOCK_TAGS):
        block.insert_before(NavigableString("\n"))
        block.insert_after(NavigableString("\n"))
    lines: list[tuple[str, bool]] = []
    text, plain = "", False
    for string in root.find_all(string=True):
        in_link = string.find_parent("a") is not None
        pieces = str(string).split("\n")
        for index, piece in enumerate(pieces):
            if index:
                lines.append((text, not plain))
                text, plain = "", False
            text += piece
            if piece.strip(" \t\r\u00a0\u3000") and not in_link:
                plain = True
    lines.append((text, not plain))
    return lines


def clean_body(container_html: str, *, drop: Iterable[str] = ()) -> list[str]:
    """Paragraphs of an article container, in page order.

    `drop` lists CSS selectors of site furniture inside the container (editor lines, print-edition notes,
    pagers) that the site's rules know about; generic furniture is recognised here.
    """
    soup = BeautifulSoup(container_html, "lxml")
    root: Tag = soup.body or soup
    for tag in root.find_all(_NOISE_TAGS):
        tag.decompose()
    for selector in drop:
        for tag in root.select(selector):
            tag.decompose()
    _drop_furniture(root)
    paragraphs: list[str] = []
    for raw, link_only in _lines(root):
        line = clean_paragraph(raw)
        if not line or link_only:
            continue
        if _TAIL_MARKERS.match(line):
            break
        if _NOISE_LINES.match(line):
            continue
        if paragraphs and paragraphs[-1] == line:
            continue
        paragraphs.append(line)
    return paragraphs
