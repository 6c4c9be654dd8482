"""Body cleaning with BeautifulSoup4: from an article container's HTML to clean paragraphs in order."""

from __future__ import annotations

import re
from collections.abc import Iterable
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString
from lxml import etree
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector

from extraction.text import clean_paragraph

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
    # A portal's disclaimer under a reposted article.
    r"|^免责声明\s*[:：]"
    # A gallery's label: "图集".
    r"|^图集$"
    # The headline the story ran under elsewhere: "（原标题：…）", "原标题：…".
    r"|^[（(]?\s*原标题\s*[:：]"
    # A metadata line some CMSs print at the top of the body: "来源:人民网 更新时间:2018-05-04".
    r"|^(?:信息)?来源\s*[:：][^\n]{0,40}?(?:更新时间|发布时间|发布日期|时间)\s*[:：]\s*\d{4}"
    # An info line: a time to the minute, then at most a source or a byline ("2019-08-13 14:07来源：澎湃新闻").
    r"|^\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}日?\s*\d{1,2}:\d{2}(?::\d{2})?"
    r"\s*(?:[|｜·]?\s*(?:来源|出处|作者|编辑|责任编辑|记者)\s*[:：]\s*\S{0,30})?$"
    # A label left alone on its line, its value in the next element: "发布时间：".
    r"|^(?:发布时间|发布日期|更新时间|来源|作者|编辑|时间|日期|字号)\s*[:：]?$"
)
# Headings that open the related-articles block: everything after them is dropped.
_TAIL_MARKERS = re.compile(
    r"^(?:相关新闻|相关阅读|相关链接|相关报道|相关文章|延伸阅读|推荐阅读|相关专题|更多精彩|重点推荐|热点推荐|往期回顾"
    r"|精彩视频推荐|精彩推荐|热门推荐|猜你喜欢|为你推荐|大家都在看)"
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


def _centred(tag: Tag) -> bool:
    style = str(tag.get("style") or "").replace(" ", "").lower()
    return "text-align:center" in style or str(tag.get("align") or "").lower() == "center"


def _centred_block(block: Tag) -> bool:
    return _centred(block) or any(_centred(parent) for parent in block.parents if parent.name in ("p", "div"))


def _tags(root: Tag) -> list[Tag]:
    return [node for node in root.descendants if isinstance(node, Tag)]


def _leaf_blocks_after_images(root: Tag) -> list[tuple[Tag, bool]]:
    """Leaf blocks (no block inside) in page order, each with whether an image came after the previous text
    block: captions sit right after their photo, which may be wrapped in blocks of its own."""
    tags = _tags(root)
    not_leaf: set[int] = set()
    for tag in tags:
        if tag.name in _BLOCK_TAGS:
            parent = tag.parent
            while parent is not None and parent is not root and id(parent) not in not_leaf:
                if parent.name in _BLOCK_TAGS:
                    not_leaf.add(id(parent))
                parent = parent.parent
    found: list[tuple[Tag, bool]] = []
    image_since_text = False
    for tag in tags:
        if tag.name == "img":
            # An image inside the current text block belongs to it; one after it opens a new photo.
            image_since_text = True
        elif tag.name in _BLOCK_TAGS and id(tag) not in not_leaf:
            text = tag.get_text().strip(_STRIP)
            found.append((tag, image_since_text))
            if text:
                image_since_text = False
    return found


def _drop_furniture(root: Tag) -> None:
    """Remove link-only blocks (related links, promos), photo blocks and their captions."""
    for block, after_image in _leaf_blocks_after_images(root):
        text = block.get_text().strip(_STRIP)
        if not text or _NOT_CAPTION.match(text):
            continue
        short = len(text) < 100
        links = [node for node in block.descendants if isinstance(node, Tag) and node.name == "a"]
        link_only = bool(links) and "".join(a.get_text() for a in links).strip(_STRIP) == text
        has_image = any(isinstance(node, Tag) and node.name == "img" for node in block.descendants)
        caption = (
            (has_image and short)
            or (short and bool(_CAPTION.search(text)))
            or (after_image and short and _centred_block(block))
        )
        if link_only or caption:
            block.decompose()


def _lines(root: Tag) -> list[tuple[str, bool]]:
    """Text lines in page order, each with whether all of its text sits inside links (related-link lists
    separated by <br> rather than blocks). Walks the tree once, without recursion (pages nest deeply)."""
    pieces: list[tuple[str, bool]] = []  # ("\n" breaks a line; text with whether it is inside a link)
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, in_link = stack.pop()
        if isinstance(node, str) and not isinstance(node, NavigableString):
            pieces.append((node, in_link))  # a line break marker pushed below
        elif isinstance(node, NavigableString):
            if not isinstance(node, PreformattedString):
                pieces.append((str(node), in_link))
        elif node.name == "br":
            pieces.append(("\n", in_link))
        else:
            link = in_link or node.name == "a"
            block = node.name in _BLOCK_TAGS
            if block:
                stack.append(("\n", False))
            stack.extend((child, link) for child in reversed(node.contents))
            if block:
                pieces.append(("\n", False))
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

    Done in lxml before the BeautifulSoup pass because it is the bulk of a page's markup and lxml removes it
    in C; `clean_body_parts` then reads far less.
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


def clean_body_parts(container_html: str, *, drop: Iterable[str] = ()) -> CleanBody:
    """Paragraphs of an article container, in page order, and the credits that closed it.

    `drop` lists CSS selectors of site furniture inside the container (editor lines, print-edition notes,
    pagers) that the site's rules know about; generic furniture is recognised here. Never raises: any
    string is treated as HTML.
    """
    soup = BeautifulSoup(container_html, "lxml")
    root: Tag = soup.body or soup
    doomed: list[Any] = []
    for node in root.descendants:
        # Comments, CDATA and processing instructions are CMS markers (<!--<$[信息内容]>begin-->), not text.
        special = isinstance(node, PreformattedString)
        if special or (
            isinstance(node, Tag) and (node.name in _NOISE_TAGS or _HIDDEN.search(str(node.get("style") or "")))
        ):
            doomed.append(node)
    for node in doomed:
        node.extract()
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
        paragraphs.append(line)
    credits: list[str] = []
    while paragraphs and _CREDIT.match(paragraphs[-1]):
        credits.insert(0, paragraphs.pop())
    return CleanBody(paragraphs, credits)
