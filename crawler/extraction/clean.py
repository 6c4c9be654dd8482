"""Body cleaning with lxml: from an article container's HTML to clean paragraphs in order."""

from __future__ import annotations

import re
from collections.abc import Iterable
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector

from crawler.extraction.text import clean_paragraph

# Never article text, wherever they sit.
_NOISE_TAGS = frozenset(
    (
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
)
_BLOCK_TAGS = frozenset(
    (
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
)
# Lines that are page furniture, not text: editor credits, print-edition notes, share prompts, pagers.
_NOISE_LINES = re.compile(
    r"^(?:[（(【\[]\s*)?(?:责任编辑|责编|编辑|校对|审核|值班编辑)\s*[:：]"
    r"|^《\s*人民日报\s*》\s*[（(]\s*\d{4}年"
    r"|^(?:分享到|点击进入|扫一扫|打印本页|关闭窗口|【纠错】|纠错|阅读下一篇|返回顶部|上一篇|下一篇)"
    r"|^(?:【\d+】)+$"
    # Possessive quantifiers: "\d+(\s*\d+)*" would backtrack exponentially over a long run of digits.
    r"|^(?:上一页|下一页|首页|尾页|\d++)(?:\s*+(?:上一页|下一页|首页|尾页|\d++))*+$"
    r"|^(?:Play Video|\d+:\d+|/\d+:\d+)$"
    # A metadata line some CMSs print at the top of the body: "来源:人民网 更新时间:2018-05-04".
    r"|^(?:信息)?来源\s*[:：][^\n]{0,40}?(?:更新时间|发布时间|发布日期|时间)\s*[:：]\s*\d{4}"
)
# Headings that open the related-articles block: everything after them is dropped.
_TAIL_MARKERS = re.compile(
    r"^(?:相关新闻|相关阅读|相关链接|相关报道|相关文章|延伸阅读|推荐阅读|相关专题|更多精彩|重点推荐|热点推荐|往期回顾)"
    r"\s*[:：]?$"
)
# A caption credits the photographer, says it is a file photo, or is marked with the △ of TV sites.
_CAPTION = re.compile(r"(?:摄|供图|图片来源[:：].*|资料图(?:片)?|视频截图)\s*[)）]?$|^△")
# A line that is only a date ("2012年6月24日", the dateline of a transcript) or only the title of a work
# ("《冬夜读书示子聿》", a subheading): centred under a photo, but never its caption.
_NOT_CAPTION = re.compile(r"^(?:\d{4}\s*(?:年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[-/.]\d{1,2}[-/.]\d{1,2})|《[^《》]+》)$")
# Production credits closing a video or graphic story: "策划：孙承斌 李拯宇", "记者：何山", "新华社音视频部制作".
_CREDIT = re.compile(
    r"^(?:总?策划|总?监制|制片人?|统筹|编导|导演|记者|通讯员|作者|撰稿|文字|文案|配音|解说|摄像|摄影|拍摄|剪辑|后期|"
    r"包装|设计|海报设计|视觉|动画|主编|出品人|执行|技术|素材|鸣谢|视频|图片)\s*[:：]"
    r"|^\S{2,16}(?:制作|出品|联合出品|联合制作)$"
)


_STRIP = " \t\r\n\u00a0\u3000"
_HIDDEN = re.compile(r"display\s*:\s*none", re.IGNORECASE)
# What BeautifulSoup, which this module used to read the container with, does to text as it parses: a string
# of ASCII whitespace only becomes one "\n" (if it held one) or one " ", except inside <pre> and <textarea>;
# and get_text() leaves out the strings inside <rt>/<rp> (ruby annotations). Kept so that every body cleaned
# before reads the same now.
_ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"
_KEEP_SPACES = frozenset(("pre", "textarea"))
_RUBY = frozenset(("rt", "rp"))


def _centred(element: Any) -> bool:
    style = str(element.get("style") or "").replace(" ", "").lower()
    return "text-align:center" in style or str(element.get("align") or "").lower() == "center"


def _centred_block(block: Any) -> bool:
    return _centred(block) or any(_centred(parent) for parent in block.iterancestors("p", "div"))


_REMOVED = "newsmon-removed"


def _remove(element: Any) -> None:
    """Take an element out of the container, keeping the text after it: emptied and renamed to a tag no rule
    knows, in place. Moving its tail onto a neighbour instead would hand lxml a new string to check, and lxml
    refuses control characters (\x0c) that its parser let through."""
    element.clear(keep_tail=True)
    element.tag = _REMOVED


def _text(element: Any, ruby: bool) -> str:
    """All text inside the element (its own tail excluded), as BeautifulSoup's get_text() gave it: without the
    strings of <rt>/<rp>, which `ruby` says the container has at all."""
    if not ruby:
        return "".join(element.itertext())
    pieces: list[str] = []
    inside = any(parent.tag in _RUBY for parent in element.iterancestors())
    stack: list[tuple[Any, bool, bool]] = [(element, inside, False)]  # (node, inside ruby, its tail?)
    while stack:
        node, in_ruby, tail = stack.pop()
        if tail:
            if node.tail and not in_ruby:
                pieces.append(node.tail)
            continue
        in_ruby = in_ruby or node.tag in _RUBY
        if node.text and not in_ruby and isinstance(node.tag, str):  # a comment's text is no string
            pieces.append(node.text)
        for child in reversed(node):
            stack.append((child, in_ruby, True))
            stack.append((child, in_ruby, False))
    return "".join(pieces)


def _leaf_blocks_after_images(root: Any) -> list[tuple[Any, bool, str]]:
    """Leaf blocks (no block inside) in page order, each with whether an image came after the previous text
    block (captions sit right after their photo, which may be wrapped in blocks of its own), and its text."""
    tags = [element for element in root.iterdescendants() if isinstance(element.tag, str)]
    not_leaf: set[Any] = set()
    for tag in tags:
        if tag.tag in _BLOCK_TAGS:
            parent = tag.getparent()
            while parent is not None and parent is not root and parent not in not_leaf:
                if parent.tag in _BLOCK_TAGS:
                    not_leaf.add(parent)
                parent = parent.getparent()
    ruby = any(True for _ in root.iter(*_RUBY))
    found: list[tuple[Any, bool, str]] = []
    image_since_text = False
    for tag in tags:
        if tag.tag == "img":
            # An image inside the current text block belongs to it; one after it opens a new photo.
            image_since_text = True
        elif tag.tag in _BLOCK_TAGS and tag not in not_leaf:
            text = _text(tag, ruby).strip(_STRIP)
            found.append((tag, image_since_text, text))
            if text:
                image_since_text = False
    return found


def _drop_furniture(root: Any) -> None:
    """Remove link-only blocks (related links, promos), photo blocks and their captions."""
    ruby = any(True for _ in root.iter(*_RUBY))
    for block, after_image, text in _leaf_blocks_after_images(root):
        # Leaf blocks do not nest, so removing one never changes another's text.
        if not text or _NOT_CAPTION.match(text):
            continue
        short = len(text) < 100
        links = list(block.iterdescendants("a"))
        link_only = bool(links) and "".join(_text(a, ruby) for a in links).strip(_STRIP) == text
        has_image = next(block.iterdescendants("img"), None) is not None
        caption = (
            (has_image and short)
            or (short and bool(_CAPTION.search(text)))
            or (after_image and short and _centred_block(block))
        )
        if link_only or caption:
            _remove(block)


_BREAK = object()  # a line break closing a block, pushed on the walk's stack


def _lines(root: Any) -> list[tuple[str, bool]]:
    """Text lines in page order, each with whether all of its text sits inside links (related-link lists
    separated by <br> rather than blocks). Walks the tree once, without recursion (pages nest deeply)."""
    pieces: list[tuple[str, bool]] = []  # ("\n" breaks a line; text with whether it is inside a link)
    stack: list[tuple[Any, bool, bool]] = [(root, False, False)]  # (node, inside a link, its tail?)
    while stack:
        node, in_link, tail = stack.pop()
        if node is _BREAK:
            pieces.append(("\n", False))
        elif tail:
            if node.tail:
                pieces.append((node.tail, in_link))
        elif not isinstance(node.tag, str):
            continue  # a comment or processing instruction: its tail is pushed apart
        elif node.tag == "br":
            pieces.append(("\n", in_link))
        else:
            link = in_link or node.tag == "a"
            if node.tag in _BLOCK_TAGS:
                stack.append((_BREAK, False, False))
                pieces.append(("\n", False))
            if node.text:
                pieces.append((node.text, link))
            for child in reversed(node):
                stack.append((child, link, True))
                stack.append((child, link, False))
    lines: list[tuple[str, bool]] = []
    text, plain = "", False
    for piece, in_link in pieces:
        parts = piece.split("\n")
        for index, part in enumerate(parts):
            if index:
                lines.append((text, not plain))
                text, plain = "", False
            text += part
            if part.strip(" \t\r\u00a0\u3000") and not in_link:
                plain = True
    lines.append((text, not plain))
    return lines


@dataclass
class CleanBody:
    """A cleaned body: its paragraphs, and the production credits removed from its end (for the bylines)."""

    paragraphs: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)


def prune_container(element: etree._Element, *, drop: Iterable[str] = ()) -> str:
    """HTML of a copy of an lxml container without scripts, comments, hidden elements and the site's furniture.

    Done on the page's tree before the cleaning pass because it is the bulk of a page's markup and lxml
    removes it in C; `clean_body_parts` then reads far less.
    """
    copy = deepcopy(element)
    etree.strip_elements(copy, etree.Comment, etree.ProcessingInstruction, *_NOISE_TAGS, with_tail=False)
    doomed = [el for el in copy.iter() if isinstance(el.tag, str) and _HIDDEN.search(el.get("style") or "")]
    for selector in drop:
        doomed.extend(_css(selector)(copy))
    for el in doomed:
        parent = el.getparent()
        if parent is not None:
            _remove_keep_tail(el)
    return str(lxml_html.tostring(copy, encoding="unicode", with_tail=False))


_SELECTORS: dict[str, CSSSelector] = {}


def _css(selector: str) -> CSSSelector:
    compiled = _SELECTORS.get(selector)
    if compiled is None:
        compiled = _SELECTORS[selector] = CSSSelector(selector, translator="html")
    return compiled


def _remove_keep_tail(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def clean_body(container_html: str, *, drop: Iterable[str] = ()) -> list[str]:
    """Paragraphs of an article container, in page order (see `clean_body_parts`)."""
    return clean_body_parts(container_html, drop=drop).paragraphs


def _collapse(element: Any, *, text: bool, tail: bool) -> None:
    # Assigned only when changed: lxml refuses to be handed control characters (\x0c) its parser let through.
    for attribute, wanted in (("text", text), ("tail", tail)):
        value = getattr(element, attribute) if wanted else None
        if value and not value.strip(_ASCII_SPACES):
            collapsed = "\n" if "\n" in value else " "
            if value != collapsed:
                setattr(element, attribute, collapsed)


def _read_container(container_html: str) -> Any:
    """The container's <body> (or the document, if it has none) parsed by lxml as BeautifulSoup's "lxml"
    builder parses it (same HTMLParser options), whitespace-only text collapsed the way BeautifulSoup does."""
    parser = etree.HTMLParser(recover=True)
    parser.feed(container_html)
    document = parser.close()
    if document is None:
        return None
    body = document.find(".//body")
    root = body if body is not None else document
    keep = next(root.iter(*_KEEP_SPACES), None) is not None
    for element in root.iter():
        kept = keep and any(parent.tag in _KEEP_SPACES for parent in element.iterancestors())
        if not kept:
            own = isinstance(element.tag, str) and element.tag not in _KEEP_SPACES
            _collapse(element, text=own, tail=element is not root)
    return root


def clean_body_parts(container_html: str, *, drop: Iterable[str] = ()) -> CleanBody:
    """Paragraphs of an article container, in page order, and the credits that closed it.

    `drop` lists CSS selectors of site furniture inside the container (editor lines, print-edition notes,
    pagers) that the site's rules know about; generic furniture is recognised here. Never raises: any
    string is treated as HTML.

    Read with lxml directly. It was BeautifulSoup on lxml, whose parse alone (a Python object and callback for
    every tag and string) took two thirds of the cleaning and a fifth of extraction; what BeautifulSoup did to
    the text on the way (see _ASCII_SPACES) is done here too, so the paragraphs are the same.
    """
    root = _read_container(container_html)
    if root is None:
        return CleanBody()
    doomed: list[Any] = []
    for node in root.iterdescendants():
        # Comments, CDATA and processing instructions are CMS markers (<!--<$[信息内容]>begin-->), not text.
        if not isinstance(node.tag, str) or node.tag in _NOISE_TAGS or _HIDDEN.search(str(node.get("style") or "")):
            doomed.append(node)
    for node in doomed:
        if isinstance(node.tag, str):
            _remove(node)  # comments stay in place: no walk below reads their text
    for selector in drop:
        for element in _css(selector)(root):
            if element is not root:
                _remove(element)
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
        paragraphs.append(line)
    credits: list[str] = []
    while paragraphs and _CREDIT.match(paragraphs[-1]):
        credits.insert(0, paragraphs.pop())
    return CleanBody(paragraphs, credits)
